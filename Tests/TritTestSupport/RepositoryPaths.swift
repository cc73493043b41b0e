import Foundation

/// Paths inside the repository, found from this file's location so tests run from any directory.
public enum RepositoryPaths {
    /// The repository root (the folder holding `Package.swift`).
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // TritTestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // root

    /// `Configs/`.
    public static var configs: URL { root.appendingPathComponent("Configs") }
    /// `Configs/models/`.
    public static var models: URL { configs.appendingPathComponent("models") }
    /// `Configs/chips/`.
    public static var chips: URL { configs.appendingPathComponent("chips") }
    /// `Configs/gpus/`.
    public static var gpus: URL { configs.appendingPathComponent("gpus") }
    /// `Configs/technology/`.
    public static var technology: URL { configs.appendingPathComponent("technology") }
    /// `Configs/validation/`.
    public static var validation: URL { configs.appendingPathComponent("validation") }

    /// `Tests/Fixtures/`: test inputs shared by several test targets.
    public static var fixtures: URL { root.appendingPathComponent("Tests/Fixtures") }

    /// A fresh empty temporary folder for one test.
    public static func temporaryFolder(_ label: String = "tritsim-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `text` to a new file in a fresh temporary folder and returns its URL.
    public static func temporaryFile(named name: String, contents text: String) throws -> URL {
        let url = try temporaryFolder().appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }
}
