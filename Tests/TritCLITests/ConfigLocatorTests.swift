import Foundation
import TritCLI
import TritCore
import TritTestSupport
import XCTest

final class ConfigLocatorTests: XCTestCase {
    /// A temporary tree `root/project/Configs/models/` and `root/project/deep/er/`, plus `root/elsewhere/`.
    private func makeTree() throws -> URL {
        let root = try RepositoryPaths.temporaryFolder("tritsim-locator")
        let manager = FileManager.default
        try manager.createDirectory(at: root.appendingPathComponent("project/Configs/models"), withIntermediateDirectories: true)
        try manager.createDirectory(at: root.appendingPathComponent("project/deep/er"), withIntermediateDirectories: true)
        try manager.createDirectory(at: root.appendingPathComponent("project/bin"), withIntermediateDirectories: true)
        try manager.createDirectory(at: root.appendingPathComponent("elsewhere"), withIntermediateDirectories: true)
        return root
    }

    private func locator(_ root: URL, cwd: String, explicit: String? = nil, environment: [String: String] = [:],
                         executables: [String] = []) -> ConfigLocator {
        ConfigLocator(explicitFolder: explicit, environment: environment,
                      currentDirectory: root.appendingPathComponent(cwd, isDirectory: true),
                      executableLocations: executables.map { root.appendingPathComponent($0) })
    }

    func testWalksUpFromTheCurrentDirectory() throws {
        let root = try makeTree()
        defer { try? FileManager.default.removeItem(at: root) }
        let found = try locator(root, cwd: "project/deep/er").locate()
        XCTAssertEqual(found.standardizedFileURL.path, root.appendingPathComponent("project/Configs").standardizedFileURL.path)
    }

    func testFallsBackToTheExecutableLocation() throws {
        let root = try makeTree()
        defer { try? FileManager.default.removeItem(at: root) }
        let found = try locator(root, cwd: "elsewhere", executables: ["project/bin/tritsim"]).locate()
        XCTAssertEqual(found.standardizedFileURL.path, root.appendingPathComponent("project/Configs").standardizedFileURL.path)
    }

    func testExplicitFolderWinsAndIsChecked() throws {
        let root = try makeTree()
        defer { try? FileManager.default.removeItem(at: root) }
        let found = try locator(root, cwd: "elsewhere", explicit: "../project/Configs",
                                environment: [ConfigLocator.environmentVariable: "/nonexistent"]).locate()
        XCTAssertEqual(found.path, root.appendingPathComponent("project/Configs").standardizedFileURL.path)
        XCTAssertThrowsError(try locator(root, cwd: "project", explicit: "deep").locate()) { error in
            XCTAssertEqual((error as? InputError)?.location, "--configs")
        }
    }

    func testEnvironmentVariableIsUsedAndChecked() throws {
        let root = try makeTree()
        defer { try? FileManager.default.removeItem(at: root) }
        let configs = root.appendingPathComponent("project/Configs").path
        let found = try locator(root, cwd: "elsewhere", environment: [ConfigLocator.environmentVariable: configs]).locate()
        XCTAssertEqual(found.path, URL(fileURLWithPath: configs).standardizedFileURL.path)
        XCTAssertThrowsError(try locator(root, cwd: "project",
                                         environment: [ConfigLocator.environmentVariable: "/nonexistent"]).locate()) { error in
            XCTAssertEqual((error as? InputError)?.location, ConfigLocator.environmentVariable)
        }
    }

    func testNotFoundSuggestsTheOption() throws {
        let root = try makeTree()
        defer { try? FileManager.default.removeItem(at: root) }
        XCTAssertThrowsError(try locator(root, cwd: "elsewhere").locate()) { error in
            let text = (error as? InputError)?.description ?? ""
            XCTAssertTrue(text.contains("--configs"), text)
            XCTAssertFalse(text.contains("\n"))
        }
    }
}
