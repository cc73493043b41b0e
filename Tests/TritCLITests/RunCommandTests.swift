import Foundation
import TritTestSupport
import XCTest

/// `tritsim run` end to end with the placeholder pipeline: files written, table or JSON printed.
final class RunCommandTests: XCTestCase {
    func testRunWritesTheReportAndPrintsTheTable() throws {
        let out = try RepositoryPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let run = ToolRun(["run", "--configs", RepositoryPaths.configs.path, "--out", out.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stderr, "")
        XCTAssertTrue(run.stdout.contains("ternary arrays: busy "))
        XCTAssertTrue(run.stdout.contains("latency (TTFT)"))
        XCTAssertTrue(run.stdout.contains("latency (TPOT)"))
        let folder = out.appendingPathComponent("bitnet-b1.58-2B-4T__edge-lpddr5x__h200-sxm")
        for name in ["report.md", "summary.json", "layers.csv"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), name)
            XCTAssertTrue(run.stdout.contains("bitnet-b1.58-2B-4T__edge-lpddr5x__h200-sxm/\(name)\n"), name)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).count, 3)
    }

    func testJSONGoesToStdoutAndPathsToStderr() throws {
        let out = try RepositoryPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let arguments = ["run", "--json", "--configs", RepositoryPaths.configs.path, "--out", out.path, "--batch", "2"]
        let run = ToolRun(arguments)
        XCTAssertEqual(run.status, 0, run.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["modelName"] as? String, "bitnet-b1.58-2B-4T")
        XCTAssertTrue(run.stderr.contains("summary.json"))
        // Same input, same bytes.
        XCTAssertEqual(ToolRun(arguments).stdout, run.stdout)
    }
}
