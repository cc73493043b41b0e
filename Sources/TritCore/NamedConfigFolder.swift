import Foundation

/// A folder of `<name>.json` configs that the command line picks by short name or by path.
///
/// One rule for models, chips and GPUs: an argument containing `/` or ending in `.json` is a path;
/// otherwise it matches a file stem exactly or, failing that, a unique substring of one, both
/// ignoring case and punctuation (`2b4t` finds `bitnet-b1.58-2B-4T`).
public struct NamedConfigFolder: Sendable {
    /// The folder.
    public let folder: URL
    /// The command-line option that names configs of this kind, for error messages (`--chip`).
    public let option: String
    /// What one config describes, for error messages (`chip`).
    public let kind: String

    /// A named-config folder.
    public init(folder: URL, option: String, kind: String) {
        self.folder = folder
        self.option = option
        self.kind = kind
    }

    /// The short names available (file stems), sorted.
    public func names() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// A name reduced to lowercase letters and digits, so `2b4t` matches `bitnet-b1.58-2B-4T`.
    static func normalized(_ name: String) -> String {
        String(name.lowercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.map(Character.init))
    }

    /// The file a name or path refers to, and the short name to use for it.
    /// - Throws: `InputError` for an unknown or ambiguous name, listing what is available.
    public func resolve(_ nameOrPath: String) throws -> (url: URL, name: String) {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".json") {
            let url = URL(fileURLWithPath: nameOrPath)
            // A Hugging Face folder's `config.json` is named after its folder (`bitnet-b1.58-2B-4T/config.json`).
            let stem = url.deletingPathExtension().lastPathComponent
            let folderName = url.deletingLastPathComponent().lastPathComponent
            return (url, stem == "config" && !folderName.isEmpty && folderName != "/" && folderName != "." ? folderName : stem)
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw InputError(source: "command line", location: option, expected: "a folder of \(kind) configs at \(folder.path)",
                             found: "no such folder (check --configs)")
        }
        let available = names()
        let wanted = NamedConfigFolder.normalized(nameOrPath)
        var matches = available.filter { NamedConfigFolder.normalized($0) == wanted }
        if matches.isEmpty, !wanted.isEmpty { matches = available.filter { NamedConfigFolder.normalized($0).contains(wanted) } }
        guard matches.count == 1, let match = matches.first else {
            if matches.isEmpty {
                throw InputError(source: "command line", location: option,
                                 expected: "a \(kind) name (\(available.joined(separator: ", "))) or a path to a .json file",
                                 found: "\"\(nameOrPath)\"")
            }
            throw InputError(source: "command line", location: option, expected: "a name matching exactly one \(kind)",
                             found: "\"\(nameOrPath)\", which matches \(matches.joined(separator: ", "))")
        }
        return (folder.appendingPathComponent(match + ".json"), match)
    }
}
