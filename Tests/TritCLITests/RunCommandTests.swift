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

    /// A chip on the `lut` datapath echoes the group size in effect and the lookup energy with its
    /// source; the adder-tree presets echo neither (the committed example report is unchanged).
    func testALUTChipEchoesItsGroupSizeAndLookupEnergy() throws {
        let out = try RepositoryPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let text = try String(contentsOf: RepositoryPaths.chips.appendingPathComponent("edge-lpddr5x.json"), encoding: .utf8)
        let chipURL = out.appendingPathComponent("edge-lut.json")
        try text.replacingOccurrences(of: "\"datapath\": \"adderTree\"", with: "\"datapath\": \"lut\"")
            .write(to: chipURL, atomically: true, encoding: .utf8)
        let run = ToolRun(["run", "--configs", RepositoryPaths.configs.path, "--chip", chipURL.path, "--model", "bitnet_b1_58-large",
                           "--prompt-tokens", "64", "--generate-tokens", "2", "--out", out.appendingPathComponent("runs").path])
        XCTAssertEqual(run.status, 0, run.stderr)
        let summary = out.appendingPathComponent("runs/bitnet_b1_58-large__edge-lut__h200-sxm/summary.json")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [String: Any])
        let echoed = try XCTUnwrap(findObject(containing: "ternaryArray", in: object))
        let array = try XCTUnwrap(echoed["ternaryArray"] as? [String: Any])
        XCTAssertEqual(array["datapath"] as? String, "lut")
        XCTAssertEqual(array["lutGroupSize"] as? Int, 3)
        let technology = try XCTUnwrap(echoed["technology"] as? [String: Any])
        XCTAssertEqual(technology["lutLookupPicojoules"] as? Double, 0.007)
        let sources = try XCTUnwrap(technology["sources"] as? [String: Any])
        XCTAssertNotNil(sources["lutLookupPicojoules"])
        let golden = try String(contentsOf: RepositoryPaths.root.appendingPathComponent("Reports/example/summary.json"), encoding: .utf8)
        XCTAssertFalse(golden.contains("lutGroupSize") || golden.contains("lutLookupPicojoules"))
    }

    /// The first object, depth first, that has `key`.
    private func findObject(containing key: String, in value: Any) -> [String: Any]? {
        if let object = value as? [String: Any] {
            if object[key] != nil { return object }
            for child in object.values { if let found = findObject(containing: key, in: child) { return found } }
        } else if let array = value as? [Any] {
            for child in array { if let found = findObject(containing: key, in: child) { return found } }
        }
        return nil
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

    /// An adversary's finding: the report folder is replaced as a whole, so a run refuses (before
    /// simulating) to replace one that holds anything but its own three files.
    func testARunNeverDeletesOtherFilesInItsReportFolder() throws {
        let scratch = try RepositoryPaths.temporaryFolder("tritsim-keep")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let arguments = ["run", "--prompt-tokens", "16", "--generate-tokens", "2", "--out", scratch.path, "--configs", RepositoryPaths.configs.path]
        XCTAssertEqual(ToolRun(arguments).status, 0)
        let folder = scratch.appendingPathComponent("bitnet-b1.58-2B-4T__edge-lpddr5x__h200-sxm")
        XCTAssertEqual(ToolRun(arguments).status, 0, "a folder holding only the report is replaced")
        try "my notes".write(to: folder.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let refused = ToolRun(arguments)
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderrLines.count, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("also 'notes.txt'"), refused.stderr)
        XCTAssertEqual(try String(contentsOf: folder.appendingPathComponent("notes.txt"), encoding: .utf8), "my notes")
    }

    /// The notes say how the chip ran prefill: micro-batched on the data-centre preset (resident
    /// weights), chunked with gate/up fused on the edge preset.
    func testNotesSayHowPrefillRan() throws {
        let scratch = try RepositoryPaths.temporaryFolder("tritsim-notes")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let common = ["run", "--generate-tokens", "2", "--out", scratch.path, "--configs", RepositoryPaths.configs.path]
        let datacenter = ToolRun(common + ["--chip", "datacenter", "--prompt-tokens", "256"])
        XCTAssertEqual(datacenter.status, 0, datacenter.stderr)
        XCTAssertTrue(datacenter.stdout.contains("Chip prefill ran as 4 pipelined micro-batches per chunk"), datacenter.stdout)
        let edge = ToolRun(common + ["--chip", "edge", "--prompt-tokens", "512"])
        XCTAssertEqual(edge.status, 0, edge.stderr)
        XCTAssertTrue(edge.stdout.contains("Chip prefill ran in 2 chunks"), edge.stdout)
        XCTAssertFalse(edge.stdout.contains("micro-batches"), edge.stdout)
        XCTAssertTrue(edge.stdout.contains("Fused on the chip"), edge.stdout)
    }
}
