import Foundation
import TritCore

/// Finds GPU configs by short name in a folder of `<name>.json` files (`Configs/gpus/`), or by path.
public struct GPUCatalog: Sendable {
    /// The folder holding `<name>.json` files.
    public let folder: URL

    /// A catalogue over `folder`.
    public init(folder: URL) { self.folder = folder }

    /// Short names (file stems) available, sorted.
    public func names() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// Loads a GPU by path (anything containing `/` or ending in `.json`) or by short name.
    ///
    /// A short name matches a file stem case-insensitively, or else a unique case-insensitive
    /// substring of one (`h200` finds `h200-sxm`).
    /// - Throws: `InputError(source: "--gpu", …)` listing the available names for an unknown or
    ///   ambiguous name, or any error of `GPUConfig.load(file:)`.
    public func load(_ nameOrPath: String) throws -> GPUConfig {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".json") {
            return try GPUConfig.load(file: URL(fileURLWithPath: nameOrPath))
        }
        let available = names()
        let wanted = nameOrPath.lowercased()
        var matches = available.filter { $0.lowercased() == wanted }
        if matches.isEmpty { matches = available.filter { $0.lowercased().contains(wanted) } }
        guard matches.count == 1, let match = matches.first else {
            throw InputError(source: "--gpu", location: "",
                             expected: matches.isEmpty ? "a GPU name (\(available.joined(separator: ", "))) or a path to a GPU .json"
                                                       : "a name matching exactly one GPU (\(available.joined(separator: ", ")))",
                             found: matches.isEmpty ? "\"\(nameOrPath)\"" : "\"\(nameOrPath)\" matching \(matches.joined(separator: ", "))")
        }
        return try GPUConfig.load(file: folder.appendingPathComponent(match + ".json"))
    }
}
