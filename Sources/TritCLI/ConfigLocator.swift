import Foundation
import TritCore

/// Finds the `Configs` folder (the one holding `models/`, `chips/`, `gpus/`, `technology/`).
///
/// Order: `explicitFolder` (`--configs`); else the `TRITSIM_CONFIGS` environment variable; else a
/// folder `Configs/` containing `models/` in the current directory or any folder above it; else
/// the same walk from each executable location. An explicit folder or environment value that is
/// not a configs folder is an error, never silently skipped. Relative paths resolve against
/// `currentDirectory`.
public struct ConfigLocator: Sendable {
    /// The environment variable consulted when `--configs` is absent.
    public static let environmentVariable = "TRITSIM_CONFIGS"

    /// `--configs` as given, or nil.
    public var explicitFolder: String?
    /// Environment variables.
    public var environment: [String: String]
    /// The folder relative paths resolve against and the first walk starts from.
    public var currentDirectory: URL
    /// Executable files (or folders) whose ancestors are searched after the current directory's.
    public var executableLocations: [URL]

    /// Creates a locator over explicit inputs (tests pass their own).
    public init(explicitFolder: String?, environment: [String: String], currentDirectory: URL, executableLocations: [URL]) {
        self.explicitFolder = explicitFolder
        self.environment = environment
        self.currentDirectory = currentDirectory
        self.executableLocations = executableLocations
    }

    /// A locator for the running process: its environment, current directory and executable.
    public static func forCurrentProcess(explicitFolder: String?) -> ConfigLocator {
        ConfigLocator(explicitFolder: explicitFolder, environment: ProcessInfo.processInfo.environment,
                      currentDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true),
                      executableLocations: currentExecutableLocations())
    }

    /// The running executable: `CommandLine.arguments[0]` (when it is a path) and
    /// `Bundle.main.executableURL`, symbolic links resolved, duplicates removed.
    public static func currentExecutableLocations() -> [URL] {
        var locations: [URL] = []
        if let first = CommandLine.arguments.first, first.contains("/") {
            let current = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
            locations.append(URL(fileURLWithPath: first, relativeTo: current).standardizedFileURL.resolvingSymlinksInPath())
        }
        if let bundled = Bundle.main.executableURL?.standardizedFileURL.resolvingSymlinksInPath(),
           !locations.contains(where: { $0.path == bundled.path }) {
            locations.append(bundled)
        }
        return locations
    }

    /// Whether `folder` exists and holds a `models/` folder.
    public static func isConfigsFolder(_ folder: URL) -> Bool {
        isDirectory(folder.appendingPathComponent("models"))
    }

    /// The configs folder.
    /// - Throws: `InputError` when `--configs` or `TRITSIM_CONFIGS` names something that is not a
    ///   configs folder, or when no `Configs/` folder is found (suggesting `--configs`).
    public func locate() throws -> URL {
        if let explicitFolder {
            return try checked(explicitFolder, source: "command line", location: "--configs")
        }
        if let fromEnvironment = environment[Self.environmentVariable], !fromEnvironment.isEmpty {
            return try checked(fromEnvironment, source: "environment", location: Self.environmentVariable)
        }
        let starts = [currentDirectory] + executableLocations.map { $0.deletingLastPathComponent() }
        for start in starts {
            if let found = searchUpward(from: start) { return found }
        }
        let searched = starts.map(\.path).joined(separator: ", ")
        throw InputError(source: "configs", location: "",
                         expected: "a Configs/ folder holding models/ in or above the current directory or the tritsim "
                             + "executable (pass --configs DIR or set \(Self.environmentVariable))",
                         found: "none above \(searched)")
    }

    // MARK: - Implementation

    private func checked(_ path: String, source: String, location: String) throws -> URL {
        let url = URL(fileURLWithPath: path, isDirectory: true, relativeTo: currentDirectory).standardizedFileURL
        guard Self.isDirectory(url) else {
            throw InputError(source: source, location: location, expected: "an existing configs folder",
                             found: "\"\(path)\", which is not a folder")
        }
        guard Self.isConfigsFolder(url) else {
            throw InputError(source: source, location: location,
                             expected: "a configs folder holding models/, chips/, gpus/ and technology/",
                             found: "\"\(path)\" without models/")
        }
        return url
    }

    private func searchUpward(from start: URL) -> URL? {
        var folder = start.standardizedFileURL
        while true {
            let candidate = folder.appendingPathComponent("Configs", isDirectory: true)
            if Self.isConfigsFolder(candidate) { return candidate }
            let parent = folder.deletingLastPathComponent().standardizedFileURL
            if parent.path == folder.path { return nil }
            folder = parent
        }
    }

    private static func isDirectory(_ url: URL) -> Bool {
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) && isFolder.boolValue
    }
}
