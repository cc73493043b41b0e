import Foundation
import TritCore

/// Finds model configs by short name in a folder of Hugging Face `config.json` files
/// (`Configs/models/<name>.json`), or by path.
public struct ModelCatalog: Sendable {
    /// The folder holding `<name>.json` files.
    public let folder: URL

    /// A catalogue over `folder`.
    public init(folder: URL) { self.folder = folder }

    /// Short names available, sorted.
    public func names() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// Loads a model by path (anything containing `/` or ending in `.json`) or by short name.
    ///
    /// A short name matches a file stem case-insensitively, or else a unique case-insensitive
    /// substring of one (`2b4t` finds `bitnet-b1.58-2B-4T`).
    /// - Throws: `InputError` for an unknown or ambiguous name, or any error of
    ///   `ModelConfig.load(huggingFace:name:)`.
    public func load(_ nameOrPath: String) throws -> ModelConfig {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".json") {
            return try ModelConfig.load(huggingFace: URL(fileURLWithPath: nameOrPath))
        }
        let available = names()
        let wanted = nameOrPath.lowercased()
        var matches = available.filter { $0.lowercased() == wanted }
        if matches.isEmpty { matches = available.filter { $0.lowercased().contains(wanted) } }
        guard matches.count == 1, let match = matches.first else {
            throw InputError(source: "--model", location: "",
                             expected: matches.isEmpty ? "a model name (\(available.joined(separator: ", "))) or a path to a config.json"
                                                       : "a name matching exactly one model",
                             found: matches.isEmpty ? "\"\(nameOrPath)\"" : "\"\(nameOrPath)\" matching \(matches.joined(separator: ", "))")
        }
        return try ModelConfig.load(huggingFace: folder.appendingPathComponent(match + ".json"), name: match)
    }
}
