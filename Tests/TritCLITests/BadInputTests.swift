import Foundation
import TritTestSupport
import XCTest

/// Issue acceptance: bad input gets one line on stderr naming the file and the field, exit code 1,
/// and never a crash.
final class BadInputTests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws {
        scratch = try RepositoryPaths.temporaryFolder("tritsim-bad-input")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    private func run(_ extra: [String]) -> ToolRun {
        ToolRun(["run", "--configs", RepositoryPaths.configs.path, "--out", scratch.appendingPathComponent("out").path] + extra)
    }

    private func assertInputError(_ run: ToolRun, mentions fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(run.status, 1, "exit code; stderr: \(run.stderr)", file: file, line: line)
        XCTAssertEqual(run.stderrLines.count, 1, "one line on stderr: \(run.stderr)", file: file, line: line)
        XCTAssertEqual(run.stdout, "", file: file, line: line)
        for fragment in fragments {
            XCTAssertTrue(run.stderr.contains(fragment), "stderr \(run.stderr) should mention \(fragment)", file: file, line: line)
        }
        // Nothing written, not even a half file.
        let written = (try? FileManager.default.contentsOfDirectory(atPath: scratch.appendingPathComponent("out").path)) ?? []
        XCTAssertEqual(written, [], file: file, line: line)
    }

    /// A copy of a shipped config with one text replacement, in the scratch folder.
    private func variant(of source: URL, named name: String, replacing original: String, with replacement: String) throws -> URL {
        let text = try String(contentsOf: source, encoding: .utf8)
        XCTAssertTrue(text.contains(original), "fixture text \(original) not found")
        let url = scratch.appendingPathComponent(name)
        try text.replacingOccurrences(of: original, with: replacement).write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func testMissingModelConfig() {
        assertInputError(run(["--model", "/nonexistent/config.json"]), mentions: ["/nonexistent/config.json", "no such file"])
    }

    func testUnknownModelName() {
        assertInputError(run(["--model", "gpt-17"]), mentions: ["--model", "gpt-17", "bitnet-b1.58-2B-4T"])
    }

    func testUnknownChipAndGPUNames() {
        assertInputError(run(["--chip", "tpu-v9"]), mentions: ["--chip", "tpu-v9", "edge-lpddr5x"])
        assertInputError(run(["--gpu", "b300"]), mentions: ["--gpu", "b300", "h200-sxm"])
    }

    func testModelWithNegativeOrZeroSize() throws {
        let source = RepositoryPaths.models.appendingPathComponent("bitnet-b1.58-2B-4T.json")
        let negative = try variant(of: source, named: "negative.json", replacing: "\"hidden_size\": 2560", with: "\"hidden_size\": -2560")
        assertInputError(run(["--model", negative.path]), mentions: [negative.path, "hidden_size", "-2560"])
        let zero = try variant(of: source, named: "zero.json", replacing: "\"num_hidden_layers\": 30", with: "\"num_hidden_layers\": 0")
        assertInputError(run(["--model", zero.path]), mentions: [zero.path, "num_hidden_layers"])
    }

    func testChipWithNegativeSizeOrUnknownField() throws {
        let source = RepositoryPaths.chips.appendingPathComponent("edge-lpddr5x.json")
        let negative = try variant(of: source, named: "chip.json", replacing: "\"rows\": 256", with: "\"rows\": -256")
        assertInputError(run(["--chip", negative.path]), mentions: [negative.path, "ternaryArray.rows", "-256"])
        let typo = try variant(of: source, named: "typo.json", replacing: "\"lanes\"", with: "\"lanez\"")
        assertInputError(run(["--chip", typo.path]), mentions: [typo.path, "vectorUnit.lanez"])
    }

    func testChipWhoseTileCannotFitItsSRAM() throws {
        let source = RepositoryPaths.chips.appendingPathComponent("edge-lpddr5x.json")
        let tiny = try variant(of: source, named: "tiny.json", replacing: "\"weightBufferBytes\": 1048576",
                               with: "\"weightBufferBytes\": 65536")
        assertInputError(run(["--chip", tiny.path]), mentions: ["tiny", "sram.weightBufferBytes", "65536"])
        let noActivations = try variant(of: source, named: "small.json", replacing: "\"activationBufferBytes\": 8388608",
                                        with: "\"activationBufferBytes\": 1024")
        assertInputError(run(["--chip", noActivations.path]), mentions: ["small", "sram.activationBufferBytes"])
    }

    func testModelThatDoesNotFitOffChipMemory() throws {
        let source = RepositoryPaths.chips.appendingPathComponent("edge-lpddr5x.json")
        let small = try variant(of: source, named: "small-dram.json", replacing: "\"capacityBytes\": 17179869184",
                                with: "\"capacityBytes\": 1000000")
        assertInputError(run(["--chip", small.path]), mentions: ["offChipMemory.capacityBytes"])
    }

    func testBatchZeroAndContextBeyondTheModel() {
        assertInputError(run(["--batch", "0"]), mentions: ["--batch", "0"])
        assertInputError(run(["--prompt-tokens", "4000", "--generate-tokens", "200"]), mentions: ["--prompt-tokens", "4096"])
        assertInputError(run(["--batch", "100000"]), mentions: ["--batch", "65536"])
    }

    func testTruncatedJSON() throws {
        let source = RepositoryPaths.chips.appendingPathComponent("edge-lpddr5x.json")
        let text = try String(contentsOf: source, encoding: .utf8)
        let url = scratch.appendingPathComponent("truncated.json")
        try String(text.prefix(200)).write(to: url, atomically: true, encoding: .utf8)
        assertInputError(run(["--chip", url.path]), mentions: [url.path, "line"])
    }
}
