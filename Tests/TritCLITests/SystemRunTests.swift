import Foundation
import TritTestSupport
import XCTest

/// `tritsim run --system` and the program commands with `--system`: models bigger than one chip.
final class SystemRunTests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws { scratch = try RepositoryPaths.temporaryFolder("tritsim-system") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    private func tool(_ arguments: [String]) -> ToolRun {
        ToolRun(arguments + ["--configs", RepositoryPaths.configs.path])
    }

    private func run(_ extra: [String]) -> ToolRun {
        tool(["run", "--out", scratch.appendingPathComponent("out").path] + extra)
    }

    private func summary(_ folder: String) throws -> [String: Any] {
        let url = scratch.appendingPathComponent("out/\(folder)/summary.json")
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    private func chipRows(_ summary: [String: Any]) throws -> [[String: Any]] {
        try XCTUnwrap(summary["chips"] as? [[String: Any]])
    }

    /// The 70B model decodes on both multi-chip presets; the report shows every chip group's SRAM
    /// high-water and link bytes, and compares the system with one GPU — one that cannot hold the
    /// model (A100 80 GB) is modelled with enough memory, and the notes say so.
    func test70BRunsOnTheDRAMAndSRAMOnlySystems() throws {
        for (system, gpu) in [("edge-lpddr5x-tp8", "h200-sxm"), ("sram-only-tp8-pp16", "a100-80gb-sxm")] {
            let result = run(["--model", "70B", "--system", system, "--gpu", gpu, "--prompt-tokens", "8", "--generate-tokens", "1"])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(result.stdout.contains("per chip:"), result.stdout)
            XCTAssertTrue(result.stdout.contains("one GPU"), result.stdout)
            let folder = "bitnet-b1.58-70B__\(system)__\(gpu)"
            let report = try String(contentsOf: scratch.appendingPathComponent("out/\(folder)/report.md"), encoding: .utf8)
            XCTAssertTrue(report.contains("## Per chip"), report)
            XCTAssertTrue(report.contains("SRAM high-water"), report)
            XCTAssertEqual(report.contains("GPU memory: bitnet-b1.58-70B needs 138 GB"), gpu == "a100-80gb-sxm", report)
            let json = try summary(folder)
            let rows = try chipRows(json)
            XCTAssertEqual(Set(rows.compactMap { $0["phase"] as? String }), ["prefill", "decode"])
            for row in rows {
                XCTAssertGreaterThan(row["linkBytesSent"] as? Double ?? 0, 0, "\(system): \(row)")
                XCTAssertGreaterThan(row["sramHighWaterBytes"] as? Double ?? 0, 0, "\(system): \(row)")
                XCTAssertLessThanOrEqual(row["sramHighWaterBytes"] as? Double ?? .infinity, row["sramCapacityBytes"] as? Double ?? 0)
                if system.hasPrefix("sram-only") { XCTAssertEqual(row["dramBytes"] as? Double, 0, "\(row)") }
            }
            let phases = try XCTUnwrap(json["phases"] as? [[String: Any]])
            for phase in phases {
                let chip = try XCTUnwrap(phase["chip"] as? [String: Any])
                let energy = try XCTUnwrap(chip["energyBreakdownJoules"] as? [String: Double])
                XCTAssertGreaterThan(energy["link"] ?? 0, 0, "\(system)")
                if system.hasPrefix("sram-only") { XCTAssertEqual(energy["dram"], 0) }
            }
            let layers = try XCTUnwrap(json["layers"] as? [[String: Any]])
            XCTAssertTrue(layers.contains { $0["category"] as? String == "link" })
            let configs = try XCTUnwrap(json["resolvedConfigs"] as? [String: Any])
            XCTAssertNotNil(configs["system"])
        }
    }

    func testLlama3RunsOnTheSRAMOnlySystemAnd2B4TOnThePipeline() throws {
        let llama = run(["--model", "llama3", "--system", "sram-only", "--prompt-tokens", "8", "--generate-tokens", "1", "--json"])
        XCTAssertEqual(llama.status, 0, llama.stderr)
        let pipeline = run(["--model", "2b4t", "--system", "edge-lpddr5x-pp4", "--prompt-tokens", "8", "--generate-tokens", "1"])
        XCTAssertEqual(pipeline.status, 0, pipeline.stderr)
        let rows = try chipRows(try summary("bitnet-b1.58-2B-4T__edge-lpddr5x-pp4__h200-sxm"))
        // Decode: the first stage only sends (one token × 2560 × 2 B), the last only receives.
        let decode = rows.filter { $0["phase"] as? String == "decode" }
        XCTAssertEqual(decode.first?["linkBytesSent"] as? Double, 5120)
        XCTAssertEqual(decode.first?["linkBytesReceived"] as? Double, 0)
        XCTAssertEqual(decode.last?["linkBytesSent"] as? Double, 0)
        XCTAssertEqual(decode.last?["linkBytesReceived"] as? Double, 5120)
    }

    /// A one-chip system reports the single chip's time and energy.
    func testAOneChipSystemMatchesTheSingleChipRun() throws {
        let text = try String(contentsOf: RepositoryPaths.configs.appendingPathComponent("systems/edge-lpddr5x-tp8.json"), encoding: .utf8)
        let url = scratch.appendingPathComponent("one.json")
        try text.replacingOccurrences(of: "\"chips\": 8", with: "\"chips\": 1").write(to: url, atomically: true, encoding: .utf8)
        let arguments = ["--model", "bitnet_b1_58-large", "--prompt-tokens", "16", "--generate-tokens", "2"]
        XCTAssertEqual(run(arguments + ["--system", url.path]).status, 0)
        XCTAssertEqual(run(arguments).status, 0)
        let system = try summary("bitnet_b1_58-large__one__h200-sxm")
        let single = try summary("bitnet_b1_58-large__edge-lpddr5x__h200-sxm")
        for (systemPhase, singlePhase) in zip(try XCTUnwrap(system["phases"] as? [[String: Any]]),
                                              try XCTUnwrap(single["phases"] as? [[String: Any]])) {
            let a = try XCTUnwrap(systemPhase["chip"] as? [String: Any]), b = try XCTUnwrap(singlePhase["chip"] as? [String: Any])
            XCTAssertEqual(a["latencySeconds"] as? Double, b["latencySeconds"] as? Double)
            XCTAssertEqual(a["totalJoules"] as? Double ?? 0, b["totalJoules"] as? Double ?? 1, accuracy: 1e-12 * (b["totalJoules"] as? Double ?? 1))
        }
    }

    private func assertInputError(_ result: ToolRun, mentions fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, 1, result.stderr, file: file, line: line)
        XCTAssertEqual(result.stderrLines.count, 1, result.stderr, file: file, line: line)
        for fragment in fragments {
            XCTAssertTrue(result.stderr.contains(fragment), "\(result.stderr) lacks \(fragment)", file: file, line: line)
        }
    }

    private func variant(_ original: String, _ replacement: String, of system: String = "edge-lpddr5x-tp8") throws -> URL {
        let text = try String(contentsOf: RepositoryPaths.configs.appendingPathComponent("systems/\(system).json"), encoding: .utf8)
        XCTAssertTrue(text.contains(original))
        let url = scratch.appendingPathComponent("bad.json")
        try text.replacingOccurrences(of: original, with: replacement).write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func testBadSystemsAreOneLineTypedErrors() throws {
        assertInputError(run(["--system", "cray-9"]), mentions: ["--system", "cray-9", "edge-lpddr5x-tp8"])
        let unknownChip = try variant("\"chip\": \"edge-lpddr5x\"", "\"chip\": \"tpu-v9\"")
        assertInputError(run(["--system", unknownChip.path]), mentions: [unknownChip.path, "chip", "tpu-v9", "edge-lpddr5x"])
        let noChips = try variant("\"chips\": 8", "\"chips\": 0")
        assertInputError(run(["--system", noChips.path]), mentions: [noChips.path, "chips", "0"])
        // A reviewer's finding: informational fields of the wrong type were accepted.
        let numberName = try variant("\"name\": \"edge-lpddr5x-tp8\"", "\"name\": 3")
        assertInputError(run(["--system", numberName.path]), mentions: [numberName.path, "name", "a string"])
        assertInputError(run(["--model", "2b4t", "--system", "edge-lpddr5x-tp8"]),
                         mentions: ["bitnet-b1.58-2B-4T.json", "num_attention_heads", "tensor-parallel degree 8"])
        let tooFew = try variant("\"partitioning\": {\"tensor\": 8, \"pipeline\": 16}", "\"partitioning\": {\"tensor\": 8, \"pipeline\": 2}",
                                 of: "sram-only-tp8-pp16")
        let fewChips = try String(contentsOf: tooFew, encoding: .utf8).replacingOccurrences(of: "\"chips\": 128", with: "\"chips\": 16")
        try fewChips.write(to: tooFew, atomically: true, encoding: .utf8)
        assertInputError(run(["--model", "70B", "--system", tooFew.path]), mentions: ["sram-only-220mib.json", "sram.weightBufferBytes"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0 == "out" }.count, 0,
                       "nothing written")
        let both = run(["--system", "edge-lpddr5x-tp8", "--chip", "edge"])
        XCTAssertEqual(both.status, 2, both.stderr)
    }

    /// `compile --system` writes one program per distinct chip program; `sim --system` runs it and
    /// `sim` without the system refuses it (no link on a lone chip).
    func testCompileWritesOneProgramPerDistinctChipProgram() throws {
        let output = scratch.appendingPathComponent("p.tasm")
        let compiled = tool(["compile", "--model", "2b4t", "--system", "edge-lpddr5x-pp4", "--phase", "decode", "--context", "32",
                             "-o", output.path])
        XCTAssertEqual(compiled.status, 0, compiled.stderr)
        let files = try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted()
        XCTAssertEqual(files, ["p.chip0.tasm", "p.chip1.tasm", "p.chip2.tasm", "p.chip3.tasm"])  // 7, 8, 7, 8 layers: 4 programs
        let middle = scratch.appendingPathComponent("p.chip1.tasm").path
        let simulated = tool(["sim", middle, "--system", "edge-lpddr5x-pp4"])
        XCTAssertEqual(simulated.status, 0, simulated.stderr)
        XCTAssertTrue(simulated.stdout.contains("links: sent 5.12 kB, received 5.12 kB"), simulated.stdout)
        let lone = tool(["sim", middle, "--chip", "edge"])
        XCTAssertEqual(lone.status, 1)
        XCTAssertTrue(lone.stderr.contains("link"), lone.stderr)
        let inspected = tool(["inspect", middle, "--system", "edge-lpddr5x-pp4"])
        XCTAssertEqual(inspected.status, 0, inspected.stderr)
        XCTAssertTrue(inspected.stdout.contains("link bytes per chip: sent 5.12 kB (5120), received 5.12 kB (5120)"), inspected.stdout)

        let tp = tool(["compile", "--model", "llama3", "--system", "edge-lpddr5x-tp8", "--phase", "prefill", "--tokens", "16",
                       "-o", scratch.appendingPathComponent("t.tbin").path])
        XCTAssertEqual(tp.status, 0, tp.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: scratch.appendingPathComponent("t.chip0.tbin").path))
        XCTAssertTrue(tp.stdout.contains("chips 0–7"), tp.stdout)

        // An adversary's finding: a system's programs are written as one set. With one target a
        // folder, nothing is written and the existing files keep their contents.
        let blocked = scratch.appendingPathComponent("b")
        try FileManager.default.createDirectory(at: blocked, withIntermediateDirectories: true)
        try "OLD".write(to: blocked.appendingPathComponent("p.chip0.tasm"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: blocked.appendingPathComponent("p.chip2.tasm"), withIntermediateDirectories: false)
        let refused = tool(["compile", "--model", "2b4t", "--system", "edge-lpddr5x-pp4", "--phase", "decode", "--context", "32",
                            "-o", blocked.appendingPathComponent("p.tasm").path])
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderrLines.count, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("p.chip2.tasm"), refused.stderr)
        XCTAssertEqual(try String(contentsOf: blocked.appendingPathComponent("p.chip0.tasm"), encoding: .utf8), "OLD")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: blocked.path).sorted(), ["p.chip0.tasm", "p.chip2.tasm"])
    }

    /// An adversary's finding: `inspect --chip` checks the program against the chip first, so it
    /// gives no bounds for a program the chip cannot run (here one with link instructions).
    func testInspectRefusesAProgramTheChipCannotRun() throws {
        let output = scratch.appendingPathComponent("p.tasm")
        XCTAssertEqual(tool(["compile", "--model", "2b4t", "--system", "edge-lpddr5x-pp4", "--phase", "decode", "--context", "32",
                             "-o", output.path]).status, 0)
        let program = scratch.appendingPathComponent("p.chip1.tasm").path
        let lone = tool(["inspect", program, "--chip", "edge"])
        XCTAssertEqual(lone.status, 1)
        XCTAssertEqual(lone.stdout, "")
        XCTAssertEqual(lone.stderrLines.count, 1, lone.stderr)
        XCTAssertTrue(lone.stderr.contains("link"), lone.stderr)
        XCTAssertEqual(tool(["inspect", program]).status, 0, "without a chip there is nothing to check against")
    }
}
