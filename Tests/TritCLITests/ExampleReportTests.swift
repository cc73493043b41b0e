import Foundation
import TritTestSupport
import XCTest

/// `Reports/example/` is the committed output of the README's first command (all defaults);
/// regenerating it must give the same bytes (determinism, and a visible diff when numbers move).
final class ExampleReportTests: XCTestCase {
    func testDefaultRunReproducesTheCommittedExampleByteForByte() throws {
        let out = try RepositoryPaths.temporaryFolder("tritsim-example")
        defer { try? FileManager.default.removeItem(at: out) }
        let run = ToolRun(["run", "--configs", RepositoryPaths.configs.path, "--out", out.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        let generated = out.appendingPathComponent("bitnet-b1.58-2B-4T__edge-lpddr5x__h200-sxm")
        let committed = RepositoryPaths.root.appendingPathComponent("Reports/example")
        for name in ["report.md", "summary.json", "layers.csv"] {
            let fresh = try String(contentsOf: generated.appendingPathComponent(name), encoding: .utf8)
            let golden = try String(contentsOf: committed.appendingPathComponent(name), encoding: .utf8)
            XCTAssertEqual(fresh, golden, "\(name) differs from Reports/example/\(name); see Reports/README.md")
        }
    }
}
