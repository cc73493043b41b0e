import Foundation
import TritTestSupport
import XCTest
@testable import TritCLI

/// `tritsim verify`: the chip's programs, executed on its own data, against the reference, from the command line.
final class VerifyCommandTests: XCTestCase {
    private func tool(_ arguments: [String]) -> ToolRun {
        ToolRun(["verify"] + arguments + ["--configs", RepositoryPaths.configs.path])
    }

    /// The default model on two presets: every layer's projections listed, every sum exact, exit 0.
    func testTheDefaultModelVerifiesExactlyOnThePresets() throws {
        for chip in ["edge-lpddr5x", "datacenter-hbm3e"] {
            let run = tool(["--chip", chip, "--prompt-tokens", "5", "--decode-steps", "2"])
            XCTAssertEqual(run.status, 0, run.stderr)
            XCTAssertTrue(run.stdout.contains("BitLinear sums: exact") && run.stdout.contains("result: passed"), run.stdout)
            XCTAssertTrue(run.stdout.contains("fp32 tensors: 96 compared, max |Δ| / max |reference| = 0 (bit for bit)"), run.stdout)
            for layer in 0..<2 {
                for tensor in ["self_attn.q_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.down_proj"] {
                    XCTAssertTrue(run.stdout.contains("\(layer)  \(tensor)"), "\(chip): no row for layer \(layer) \(tensor)\n\(run.stdout)")
                }
            }
            XCTAssertEqual(run.stdout.components(separatedBy: "fed to the next decode step): ").last?.split(separator: "\n").first?
                .split(separator: " ").count, 3)
            XCTAssertTrue(run.stdout.contains("max |Δ| / max |logit| = 0 (tolerance 0.000100); greedy token equal to the reference's in 3 of 3"), run.stdout)
        }
    }

    /// A model file's own weights: the GGUF and the safetensors fixtures (the same tiny model) verify exactly.
    func testModelFilesVerifyWithTheirOwnWeights() throws {
        let weights = RepositoryPaths.root.appendingPathComponent("Tests/Fixtures/weights")
        for file in ["tiny-bitnet-i2_s.gguf", "tiny-bitnet/model.safetensors", "tiny-bitnet-sharded/model.safetensors.index.json"] {
            let path = weights.appendingPathComponent(file).path
            let run = tool(["--model", path, "--prompt-tokens", "4", "--decode-steps", "1"])
            XCTAssertEqual(run.status, 0, "\(file): \(run.stderr)")
            XCTAssertTrue(run.stdout.contains("(weights of \(path))"), run.stdout)
            XCTAssertTrue(run.stdout.contains("BitLinear sums: exact") && run.stdout.contains("result: passed"), run.stdout)
        }
    }

    /// The same seed gives byte-identical output; another seed another prompt.
    func testOutputIsDeterministic() throws {
        let first = tool(["--prompt-tokens", "3", "--decode-steps", "1", "--seed", "9"])
        let second = tool(["--prompt-tokens", "3", "--decode-steps", "1", "--seed", "9"])
        let other = tool(["--prompt-tokens", "3", "--decode-steps", "1", "--seed", "10"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(first.stdout, second.stdout)
        XCTAssertNotEqual(first.stdout, other.stdout)
    }

    /// Bad input: one line on stderr, before any work; exit 2 for a malformed command line, 1 for a
    /// value out of range or a model or chip that cannot be verified (as the other commands).
    func testBadInputIsRefusedOnOneLine() throws {
        let folder = try RepositoryPaths.temporaryFolder("tritsim-verify-bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = try String(contentsOf: RepositoryPaths.configs.appendingPathComponent("chips/edge-lpddr5x.json"), encoding: .utf8)
        let tinyArrays = folder.appendingPathComponent("one-by-one.json")
        try source.replacingOccurrences(of: "\"rows\": 256,\n    \"columns\": 256,\n    \"count\": 4", with: "\"rows\": 1,\n    \"columns\": 1,\n    \"count\": 1")
            .write(to: tinyArrays, atomically: true, encoding: .utf8)
        let cases: [([String], Int32, String)] = [
            (["--chip", tinyArrays.path], 1, "expected steps of at most 1000000 instructions"),
            (["--prompt-tokens", "0"], 1, "--prompt-tokens: expected an integer in 1...512, found 0"),
            (["--decode-steps", "-1"], 1, "--decode-steps: expected an integer in 0...128, found -1"),
            (["--seed", "x"], 2, "--seed"),
            (["--model", "bitnet-b1.58-2B-4T"], 1, "a scaled-down model whose weight image (packed in I2_S, fp16 full-precision tensors) takes at most 32.00 MiB (33554432 bytes"),
            (["--model", "no-such-model"], 1, "no-such-model"),
            (["--chip", "no-such-chip"], 1, "no-such-chip"),
            (["--model", RepositoryPaths.root.appendingPathComponent("Tests/Fixtures/weights/tiny-bitnet-i2_s.gguf").path,
              "--prompt-tokens", "120", "--decode-steps", "9"], 1, "prompt + decode steps ≤ 128"),
            (["--seed", "9223372036854775808"], 1, "expected an integer in 0...9223372036854775807"),
            (["--model", RepositoryPaths.root.appendingPathComponent("Tests/Fixtures/weights/tiny-bitnet").path], 1,
             "point at the one in the folder, found a folder"),
        ]
        for (arguments, status, fragment) in cases {
            let run = tool(arguments)
            XCTAssertEqual(run.status, status, "\(arguments): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains(fragment), "\(arguments): \(run.stderr)")
            XCTAssertEqual(run.stderr.filter { $0 == "\n" }.count, 1, run.stderr)
        }
    }

    /// A verification that finds differences exits with status 3 and says how many differ.
    func testAFailedVerificationExitsWithStatus3() {
        var lines: [String] = []
        let status = ExitStatus.report(VerificationFailure(message: "verify: 1 of 28 BitLinear comparisons differ"), stderr: { lines.append($0) })
        XCTAssertEqual(status, 3)
        XCTAssertEqual(lines, ["tritsim: error: verify: 1 of 28 BitLinear comparisons differ\n"])
    }

    /// A chip the model does not fit is refused from the architecture, before any weight is built.
    func testAChipTheModelDoesNotFitIsRefusedBeforeWeightsAreBuilt() throws {
        let folder = try RepositoryPaths.temporaryFolder("tritsim-verify")
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = try String(contentsOf: RepositoryPaths.configs.appendingPathComponent("chips/edge-lpddr5x.json"), encoding: .utf8)
        let chip = folder.appendingPathComponent("tiny-activations.json")
        try source.replacingOccurrences(of: "\"activationBufferBytes\": 8388608", with: "\"activationBufferBytes\": 64")
            .write(to: chip, atomically: true, encoding: .utf8)
        let run = tool(["--chip", chip.path])
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("sram.activationBufferBytes"), run.stderr)
        XCTAssertEqual(run.stdout, "")
    }
}
