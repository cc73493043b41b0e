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

    func testChipWithALUTGroupSizeOutOfRange() throws {
        let source = RepositoryPaths.chips.appendingPathComponent("edge-lpddr5x.json")
        let bad = try variant(of: source, named: "lut.json", replacing: "\"datapath\": \"adderTree\"",
                              with: "\"datapath\": \"lut\", \"lutGroupSize\": 6")
        assertInputError(run(["--chip", bad.path]), mentions: [bad.path, "ternaryArray.lutGroupSize", "6"])
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

    // Findings of the adversarial review: each used to trap, hang, or run for a minute.

    func testTokenCountsThatWouldOverflowAreRefused() {
        assertInputError(run(["--prompt-tokens", "9223372036854775807"]), mentions: ["--prompt-tokens", "1048576"])
        assertInputError(run(["--prompt-tokens", "1", "--generate-tokens", "9223372036854775807"]), mentions: ["--generate-tokens"])
    }

    func testAbsurdModelSizesAreRefusedAtTheirField() throws {
        let source = RepositoryPaths.models.appendingPathComponent("bitnet-b1.58-2B-4T.json")
        let layers = try variant(of: source, named: "layers.json", replacing: "\"num_hidden_layers\": 30",
                                 with: "\"num_hidden_layers\": 2000000000000")
        assertInputError(run(["--model", layers.path]), mentions: [layers.path, "num_hidden_layers"])
        let heads = try variant(of: source, named: "heads.json", replacing: "\"num_attention_heads\": 20",
                                with: "\"num_attention_heads\": 1000, \"head_dim\": 1000")
        assertInputError(run(["--model", heads.path]), mentions: [heads.path, "num_attention_heads"])
    }

    func testAStepTooLargeToSimulateIsRefusedBeforeAnyWork() throws {
        let source = RepositoryPaths.chips.appendingPathComponent("edge-lpddr5x.json")
        var text = try String(contentsOf: source, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"rows\": 256", with: "\"rows\": 1")
            .replacingOccurrences(of: "\"columns\": 256", with: "\"columns\": 1")
        let url = scratch.appendingPathComponent("one-by-one.json")
        try text.write(to: url, atomically: true, encoding: .utf8)
        let start = Date()
        assertInputError(run(["--chip", url.path]), mentions: [url.path, "ternaryArray", "instructions"])
        XCTAssertLessThan(Date().timeIntervalSince(start), 5, "refused without simulating")
    }

    func testCapacityIsCheckedBeforeSimulating() {
        let start = Date()
        assertInputError(run(["--model", "Falcon3-10B", "--prompt-tokens", "32767", "--generate-tokens", "1", "--batch", "8"]),
                         mentions: ["capacityBytes"])
        XCTAssertLessThan(Date().timeIntervalSince(start), 5, "refused without simulating")
    }

    func testExtremeEnergiesAndBandwidthsAreRefused() throws {
        let chip = RepositoryPaths.chips.appendingPathComponent("edge-lpddr5x.json")
        let hot = try variant(of: chip, named: "hot.json", replacing: "\"energyPicojoulesPerBit\": 8.0",
                              with: "\"energyPicojoulesPerBit\": 1e308")
        assertInputError(run(["--chip", hot.path]), mentions: [hot.path, "offChipMemory.energyPicojoulesPerBit"])
        let gpu = RepositoryPaths.gpus.appendingPathComponent("h200-sxm.json")
        let text = try String(contentsOf: gpu, encoding: .utf8)
        let slow = scratch.appendingPathComponent("slow-gpu.json")
        try text.replacingOccurrences(of: "\"achievableBandwidthFraction\": ", with: "\"achievableBandwidthFraction\": 1e-300, \"x\": ")
            .write(to: slow, atomically: true, encoding: .utf8)
        let result = run(["--gpu", slow.path])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains(slow.path), result.stderr)
    }

    func testAVerySlowMemoryStopsAtTheCycleLimitInsteadOfTrapping() throws {
        let source = RepositoryPaths.chips.appendingPathComponent("edge-lpddr5x.json")
        var text = try String(contentsOf: source, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"peakBandwidthBytesPerSecond\": 136.5e9", with: "\"peakBandwidthBytesPerSecond\": 1e6")
            .replacingOccurrences(of: "\"efficiency\": 0.85", with: "\"efficiency\": 0.01")
            .replacingOccurrences(of: "\"clockHz\": 1.0e9", with: "\"clockHz\": 1e11")
        let url = scratch.appendingPathComponent("slow.json")
        try text.write(to: url, atomically: true, encoding: .utf8)
        assertInputError(run(["--chip", url.path, "--prompt-tokens", "16", "--generate-tokens", "1"]), mentions: ["cycle"])
    }

    /// The report folder is replaced as one set. Something else standing in it (here a folder named
    /// like an output file) is never deleted: the run is refused, naming it. Once it is gone, the
    /// folder holds exactly the three new files and partial folders of interrupted runs are removed.
    func testReportFolderIsReplacedAsOneSet() throws {
        let out = scratch.appendingPathComponent("out")
        let folder = out.appendingPathComponent("bitnet-b1.58-2B-4T__edge-lpddr5x__h200-sxm")
        let stray = folder.appendingPathComponent("summary.json")
        try FileManager.default.createDirectory(at: stray, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: out.appendingPathComponent(".bitnet-b1.58-2B-4T__edge-lpddr5x__h200-sxm.partial-1"),
                                                withIntermediateDirectories: true)
        let refused = run(["--generate-tokens", "1"])
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertEqual(refused.stderrLines.count, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("also 'summary.json'"), refused.stderr)
        var isFolder: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: stray.path, isDirectory: &isFolder) && isFolder.boolValue, "left as it was")
        try FileManager.default.removeItem(at: stray)
        let result = run(["--generate-tokens", "1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(),
                       ["layers.csv", "report.md", "summary.json"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: stray.path, isDirectory: &isFolder))
        XCTAssertFalse(isFolder.boolValue)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path), [folder.lastPathComponent],
                       "partial folders of interrupted runs are cleaned up")
    }

    /// An unusable output location is found before the chip is simulated, not after.
    func testUnusableOutputFolderFailsBeforeSimulating() throws {
        let file = scratch.appendingPathComponent("a-file")
        try "x".write(to: file, atomically: true, encoding: .utf8)
        let start = Date()
        let result = ToolRun(["run", "--configs", RepositoryPaths.configs.path, "--out", file.path])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderrLines.count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains(file.path), result.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(start), 2, "refused without simulating")
    }

    func testConfigsFolderWithoutChipsIsNamed() throws {
        let configs = scratch.appendingPathComponent("configs")
        try FileManager.default.createDirectory(at: configs, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: RepositoryPaths.models, to: configs.appendingPathComponent("models"))
        let result = ToolRun(["run", "--configs", configs.path, "--out", scratch.appendingPathComponent("out").path])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains(configs.appendingPathComponent("chips").path), result.stderr)
    }
}
