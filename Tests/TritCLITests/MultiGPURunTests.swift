import Foundation
import TritTestSupport
import XCTest

/// `tritsim run --gpus N`: the FP16 baseline on N GPUs splitting the model by tensor parallelism
/// (issue 5, item 4), from the command line.
final class MultiGPURunTests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws { scratch = try RepositoryPaths.temporaryFolder("tritsim-multi-gpu") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    /// Short steps keep the chip side fast: prefill of 8 tokens, one decode step.
    private func run(_ extra: [String]) -> ToolRun {
        ToolRun(["run", "--configs", RepositoryPaths.configs.path, "--out", scratch.appendingPathComponent("out").path,
                 "--prompt-tokens", "8", "--generate-tokens", "1"] + extra)
    }

    private func summary(_ folder: String) throws -> [String: Any] {
        let url = scratch.appendingPathComponent("out/\(folder)/summary.json")
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    private func assertRefused(_ run: ToolRun, mentions fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(run.status, 1, run.stderr, file: file, line: line)
        XCTAssertEqual(run.stderrLines.count, 1, run.stderr, file: file, line: line)
        for fragment in fragments {
            XCTAssertTrue(run.stderr.contains(fragment), "stderr \(run.stderr) should mention \(fragment)", file: file, line: line)
        }
        let written = (try? FileManager.default.contentsOfDirectory(atPath: scratch.appendingPathComponent("out").path)) ?? []
        XCTAssertEqual(written, [], file: file, line: line)
    }

    /// The b1.58 paper's Table 3 hardware: the 70B model on two A100 80GB, which one cannot hold.
    func test70BRunsOnTwoA100sAndNotOnOne() throws {
        let result = run(["--model", "70B", "--chip", "datacenter", "--gpu", "a100-80gb", "--gpus", "2"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("vs 2 × NVIDIA A100 80GB SXM4 (FP16)"), result.stdout)
        XCTAssertTrue(result.stdout.contains("GPU (a100-80gb-sxm-tp2)"), result.stdout)
        let folder = "bitnet-b1.58-70B__datacenter-hbm3e__a100-80gb-sxm-tp2"
        let json = try summary(folder)
        XCTAssertEqual(json["gpuCount"] as? Int, 2)
        XCTAssertEqual(json["gpuName"] as? String, "a100-80gb-sxm-tp2")
        let settings = try XCTUnwrap(json["settings"] as? [[String: String]])
        let gpuSetting = try XCTUnwrap(settings.first { $0["key"] == "GPU model" }?["value"])
        XCTAssertTrue(gpuSetting.hasPrefix("2 × NVIDIA A100 80GB SXM4, FP16"), gpuSetting)
        XCTAssertTrue(gpuSetting.contains("NVLink 3"), gpuSetting)
        let layers = try XCTUnwrap(json["layers"] as? [[String: Any]])
        let links = layers.filter { $0["category"] as? String == "link" }
        XCTAssertEqual(links.count, 2)
        for row in links {
            XCTAssertGreaterThan(row["gpuSeconds"] as? Double ?? 0, 0, "\(row)")
            XCTAssertEqual(row["chipSeconds"] as? Double, 0, "\(row)")
        }
        let notes = try XCTUnwrap(json["notes"] as? [String])
        XCTAssertTrue(notes.contains { $0.hasPrefix("GPU tensor parallelism:") && $0.contains("of the decode time") }, "\(notes)")
        XCTAssertTrue(notes.contains { $0.hasPrefix("GPU capacity:") }, "\(notes)")

        try FileManager.default.removeItem(at: scratch.appendingPathComponent("out"))
        assertRefused(run(["--model", "70B", "--chip", "datacenter", "--gpu", "a100-80gb"]),
                      mentions: ["a100-80gb-sxm.json", "memoryCapacityBytes", "bitnet-b1.58-70B"])
    }

    /// The catalogue's data-centre GPUs run by their short names, on one GPU as before.
    func testH100AndA100RunByName() throws {
        for (name, id) in [("h100-sxm", "h100-sxm"), ("a100-80gb", "a100-80gb-sxm")] {
            let result = run(["--gpu", name, "--json"])
            XCTAssertEqual(result.status, 0, result.stderr)
            let json = try summary("bitnet-b1.58-2B-4T__edge-lpddr5x__\(id)")
            XCTAssertEqual(json["gpuCount"] as? Int, 1)
            XCTAssertFalse((json["layers"] as? [[String: Any]] ?? []).contains { $0["category"] as? String == "link" })
        }
    }

    func testRefusesAGPUWithoutInterconnectAGroupOutOfRangeAndOneNotDividingTheKVHeads() {
        assertRefused(run(["--gpu", "orin", "--gpus", "2"]), mentions: ["jetson-agx-orin-64gb.json", "interconnect", "--gpus 2"])
        assertRefused(run(["--gpus", "65"]), mentions: ["--gpus", "1...64", "65"])
        assertRefused(run(["--gpus", "0"]), mentions: ["--gpus", "1...64"])
        assertRefused(run(["--model", "70B", "--chip", "datacenter", "--gpu", "h100", "--gpus", "16"]),
                      mentions: ["bitnet-b1.58-70B.json", "num_key_value_heads", "--gpus 16"])
    }

    /// A multi-chip system against two GPUs: both sides have a link row.
    func testSystemAgainstTwoGPUs() throws {
        let result = run(["--model", "large", "--system", "datacenter-hbm3e-tp4", "--gpu", "h100", "--gpus", "2"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("vs 2 × NVIDIA H100 SXM"), result.stdout)
        XCTAssertTrue(result.stdout.contains("(FP16, tensor-parallel 2)"), result.stdout)
        let json = try summary("bitnet_b1_58-large__datacenter-hbm3e-tp4__h100-sxm-tp2")
        XCTAssertEqual(json["gpuCount"] as? Int, 2)
        let links = (json["layers"] as? [[String: Any]] ?? []).filter { $0["category"] as? String == "link" }
        XCTAssertEqual(links.count, 2)
        for row in links {
            XCTAssertGreaterThan(row["gpuSeconds"] as? Double ?? 0, 0, "\(row)")
            XCTAssertGreaterThan(row["chipSeconds"] as? Double ?? 0, 0, "\(row)")
        }
    }
}
