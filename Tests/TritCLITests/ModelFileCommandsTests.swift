import Foundation
import TritTestSupport
import XCTest

/// `tritsim inspect` and `tritsim run --model` on model files (`Tests/Fixtures/weights/`).
final class ModelFileCommandsTests: XCTestCase {
    private func fixture(_ path: String) -> String { RepositoryPaths.fixtures.appendingPathComponent("weights/\(path)").path }

    private let tinyModelLine = "hidden 32, FFN 64 (relu2), 2 layers, 4 query / 2 KV heads of 8, vocabulary 64, context 128 tokens, "
        + "RoPE θ 500000, RMSNorm ε 1e-05, tied LM head, with BitNet sub-norms"

    func testInspectListsTensorsTotalsAndTheModel() throws {
        let gguf = ToolRun(["inspect", fixture("tiny-bitnet-i2_s.gguf")])
        XCTAssertEqual(gguf.status, 0, gguf.stderr)
        XCTAssertEqual(gguf.stderr, "")
        let lines = gguf.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(lines.first, "\(fixture("tiny-bitnet-i2_s.gguf")): GGUF v3, 24 tensors, 27 metadata keys, alignment 32 bytes, architecture bitnet-b1.58")
        XCTAssertTrue(lines.contains("token_embd.weight           F16   {32, 64}      2048   4096"), gguf.stdout)
        XCTAssertTrue(lines.contains("blk.1.ffn_down.weight       I2_S  {64, 32}      2048    544"), gguf.stdout)
        XCTAssertTrue(lines.contains("I2_S        14     18432   5056 (5.06 kB)"), gguf.stdout)
        XCTAssertTrue(lines.contains("total       24     20832  10560 (10.6 kB)"), gguf.stdout)
        XCTAssertTrue(lines.contains("model: tiny-bitnet-i2_s: " + tinyModelLine), gguf.stdout)
        XCTAssertTrue(lines.contains("graph: 20832 parameters, 18432 of them ternary"), gguf.stdout)

        let sharded = ToolRun(["inspect", fixture("tiny-bitnet-sharded/model.safetensors.index.json")])
        XCTAssertEqual(sharded.status, 0, sharded.stderr)
        XCTAssertTrue(sharded.stdout.contains("safetensors, 38 tensors, 2 shards, __metadata__ format=pt\n"), sharded.stdout)
        XCTAssertTrue(sharded.stdout.contains("model.layers.0.mlp.down_proj.weight             U8 packed ternary  [8, 64]       2048    512  model-00001-of-00002.safetensors"),
                      sharded.stdout)
        XCTAssertTrue(sharded.stdout.contains("model: tiny-bitnet-sharded: " + tinyModelLine), sharded.stdout)

        // A file that lists fine but describes no model: listed, and the reason on the model line.
        let types = ToolRun(["inspect", fixture("types.gguf")])
        XCTAssertEqual(types.status, 0, types.stderr)
        XCTAssertTrue(types.stdout.contains("tl2     TL2   {258, 2}       516    160\n"), types.stdout)
        XCTAssertTrue(types.stdout.contains("model: not described (\(fixture("types.gguf")): metadata \"general.architecture\": expected a string naming the architecture, found nothing (key missing))"),
                      types.stdout)
    }

    /// A model file with another extension is recognised by its first bytes.
    func testInspectSniffsTheFormat() throws {
        let folder = try RepositoryPaths.temporaryFolder("tritsim-inspect")
        defer { try? FileManager.default.removeItem(at: folder) }
        let renamed = folder.appendingPathComponent("weights.bin")
        try Data(contentsOf: URL(fileURLWithPath: fixture("types.gguf"))).write(to: renamed)
        let run = ToolRun(["inspect", renamed.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.hasPrefix("\(renamed.path): GGUF v3, 9 tensors"), run.stdout)
        let other = folder.appendingPathComponent("notes.txt")
        try Data("hello".utf8).write(to: other)
        let refused = ToolRun(["inspect", other.path])
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderrLines, ["tritsim: error: command line: PROGRAM: expected a program (.tasm, .tbin) or a model file (.gguf, .safetensors, model.safetensors.index.json), found \"\(other.path)\""])
    }

    /// Broken files: exit 1, nothing on stdout, one line on stderr naming the file and the byte or field.
    func testBrokenFilesExitWithOneLine() {
        let cases: [(String, String)] = [
            ("broken/bad-magic.gguf", "byte 0 (magic): expected the GGUF magic 47 47 55 46 (\"GGUF\"), found 47 47 55 47"),
            ("broken/version-2.gguf", "byte 4 (version): expected GGUF version 3, found 2 (an older GGUF version: convert the model again)"),
            ("broken/unknown-ggml-type.gguf", "byte 45 (tensor \"t\" type): expected a known ggml type id (0–3, 6–39), found unknown type 99"),
            ("broken/truncated-header.safetensors", "byte 0 (header length): expected an 8-byte little-endian header length, found a file of 6 bytes"),
            ("broken/unknown-dtype.safetensors", "tensor \"a\".dtype: expected one of BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64, found unknown dtype \"F7\""),
        ]
        for (path, expected) in cases {
            for arguments in [["inspect", fixture(path)], ["run", "--model", fixture(path)]] {
                let run = ToolRun(arguments)
                XCTAssertEqual(run.status, 1, "\(arguments)")
                XCTAssertEqual(run.stdout, "", "\(arguments)")
                XCTAssertEqual(run.stderrLines, ["tritsim: error: \(fixture(path)): \(expected)"], "\(arguments)")
            }
        }
        let missing = ToolRun(["inspect", "/nonexistent/model.gguf"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderrLines, ["tritsim: error: /nonexistent/model.gguf: expected a readable model file, found no such file"])
        let withChip = ToolRun(["inspect", fixture("types.gguf"), "--chip", "edge"])
        XCTAssertEqual(withChip.status, 1)
        XCTAssertEqual(withChip.stderrLines,
                       ["tritsim: error: command line: --chip: expected no chip or system with a model file (they apply to programs), found one given"])
    }

    func testRunTakesTheArchitectureFromTheFile() throws {
        let out = try RepositoryPaths.temporaryFolder("tritsim-run-model-file")
        defer { try? FileManager.default.removeItem(at: out) }
        for (path, name) in [("tiny-bitnet-i2_s.gguf", "tiny-bitnet-i2_s"), ("tiny-bitnet/model.safetensors", "tiny-bitnet")] {
            let run = ToolRun(["run", "--model", fixture(path), "--prompt-tokens", "16", "--generate-tokens", "4", "--out", out.path,
                               "--json", "--configs", RepositoryPaths.configs.path])
            XCTAssertEqual(run.status, 0, run.stderr)
            XCTAssertTrue(run.stdout.contains("\"hiddenSize\": 32"), run.stdout)
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("\(name)__edge-lpddr5x__h200-sxm/summary.json").path))
        }
        // A safetensors file without its config.json: the missing file is named.
        let bare = ToolRun(["run", "--model", fixture("dtypes.safetensors"), "--out", out.path, "--configs", RepositoryPaths.configs.path])
        XCTAssertEqual(bare.status, 1)
        XCTAssertEqual(bare.stderrLines.count, 1)
        XCTAssertTrue(bare.stderr.hasPrefix("tritsim: error: \(fixture("config.json")): expected a Hugging Face config.json beside"), bare.stderr)
        // A GGUF without an architecture.
        let types = ToolRun(["run", "--model", fixture("types.gguf"), "--out", out.path, "--configs", RepositoryPaths.configs.path])
        XCTAssertEqual(types.stderrLines,
                       ["tritsim: error: \(fixture("types.gguf")): metadata \"general.architecture\": expected a string naming the architecture, found nothing (key missing)"])
    }
}
