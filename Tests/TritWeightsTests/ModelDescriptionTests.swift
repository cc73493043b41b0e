import Foundation
import TritCore
import TritModel
import TritTestSupport
import TritWeights
import XCTest

/// `ModelConfig.describe(gguf:name:)`, `describe(safetensors:name:)` and `WeightFile`.
final class ModelDescriptionTests: XCTestCase {
    private func fixture(_ path: String) -> String { FixtureFilesTests.folder.appendingPathComponent(path).path }


    /// The tiny fixture model, as its `config.json` describes it.
    private func expected(_ name: String, source: String) -> ModelConfig {
        var config = ModelConfig(name: name, hiddenSize: 32, intermediateSize: 64, layers: 2, attentionHeads: 4, kvHeads: 2, headDim: 8,
                                 vocabSize: 64, tieWordEmbeddings: true, activation: .relu2, ropeTheta: 500000,
                                 maxPositionEmbeddings: 128, rmsNormEps: 1e-5, subNorms: true)
        config.sourceFile = source
        return config
    }

    func testEveryFormatOfTheTinyModelDescribesTheSameModel() throws {
        for (path, name) in [("tiny-bitnet-i2_s.gguf", "tiny-bitnet-i2_s"), ("tiny-bitnet/model.safetensors", "tiny-bitnet"),
                             ("tiny-bitnet-sharded/model.safetensors.index.json", "tiny-bitnet-sharded")] {
            let file = try WeightFile.open(fixture(path))
            XCTAssertEqual(try file.modelConfig(), expected(name, source: fixture(path)), path)
        }
        // The same config as the config.json alone, but for the name and source.
        var fromJSON = try ModelConfig.load(huggingFace: URL(fileURLWithPath: fixture("tiny-bitnet/config.json")), name: "tiny-bitnet")
        fromJSON.sourceFile = fixture("tiny-bitnet/model.safetensors")
        XCTAssertEqual(try WeightFile.open(fixture("tiny-bitnet/model.safetensors")).modelConfig(), fromJSON)
        // The graph built from it has the file's parameters: every tensor but the scales.
        let graph = try Graph.decode(try WeightFile.open(fixture("tiny-bitnet-i2_s.gguf")).modelConfig(), batch: 1, context: 1)
        let gguf = try GGUFFile.open(fixture("tiny-bitnet-i2_s.gguf"))
        XCTAssertEqual(graph.parameterCount, gguf.tensors.reduce(0) { $0 + $1.elementCount })
        XCTAssertEqual(graph.ternaryParameterCount, gguf.tensors.filter { $0.type.isTernary }.reduce(0) { $0 + $1.elementCount })
    }

    func testRecognisingModelFiles() throws {
        XCTAssertTrue(WeightFile.recognizes("x/model.gguf"))
        XCTAssertTrue(WeightFile.recognizes("model.SAFETENSORS"))
        XCTAssertTrue(WeightFile.recognizes("model.safetensors.index.json"))
        XCTAssertFalse(WeightFile.recognizes(fixture("tiny-bitnet/config.json")))
        XCTAssertFalse(WeightFile.recognizes("prog.tasm"))
        let folder = try RepositoryPaths.temporaryFolder("tritsim-sniff")
        defer { try? FileManager.default.removeItem(at: folder) }
        let renamedGGUF = folder.appendingPathComponent("weights.bin")
        try Data(contentsOf: URL(fileURLWithPath: fixture("types.gguf"))).write(to: renamedGGUF)
        let renamedSafetensors = folder.appendingPathComponent("weights.pt")
        try Data(contentsOf: URL(fileURLWithPath: fixture("dtypes.safetensors"))).write(to: renamedSafetensors)
        XCTAssertTrue(WeightFile.recognizes(renamedGGUF.path))
        XCTAssertFalse(WeightFile.recognizes(renamedGGUF.path, sniffing: false))
        XCTAssertTrue(WeightFile.recognizes(renamedSafetensors.path))
        guard case .gguf = try WeightFile.open(renamedGGUF.path) else { return XCTFail("not read as GGUF") }
        guard case .safetensors = try WeightFile.open(renamedSafetensors.path) else { return XCTFail("not read as safetensors") }
    }

    /// A GGUF model with one key changed, written to memory.
    private func gguf(_ change: (inout GGUFWriter) throws -> Void) throws -> GGUFFile {
        var writer = try WeightFixtures.tinyGGUF()
        try change(&writer)
        return try GGUFFile(file: MappedFile(path: "m.gguf", bytes: Data(writer.bytes())))
    }

    func testGGUFMetadataErrorsNameTheKeyOrTensor() throws {
        let arch = "bitnet-b1.58"
        XCTAssertEqual(message { try ModelConfig.describe(gguf: try self.gguf { $0.set("general.architecture", .string("gpt2")) }, name: "m") },
                       "m.gguf: metadata \"general.architecture\": expected an architecture whose FFN activation tritsim knows (bitnet-b1.58, bitnet, llama), found \"gpt2\"")
        XCTAssertEqual(message { try ModelConfig.describe(gguf: try self.gguf { $0.set("general.architecture", .uint8(1)) }, name: "m") },
                       "m.gguf: metadata \"general.architecture\": expected a string naming the architecture, found uint8 1")
        // RoPE over part of the head would change the model silently: refused (the fixture's head is 8 wide).
        for value in [GGUFValue.uint32(7), .uint32(0), .uint32(4_294_967_295)] {
            XCTAssertEqual(message { try ModelConfig.describe(gguf: try self.gguf { $0.set("\(arch).rope.dimension_count", value) }, name: "m") },
                           "m.gguf: metadata \"\(arch).rope.dimension_count\": expected 8 (the head dimension: RoPE over the whole head), found \(value.summary)")
        }
        // A missing key: rename it.
        XCTAssertEqual(message {
            try ModelConfig.describe(gguf: try self.gguf { $0.set("\(arch).block_count", .string("two")) }, name: "m")
        }, "m.gguf: metadata \"\(arch).block_count\": expected an integer in 1...1024, found string \"two\"")
        var withoutBlocks = GGUFWriter()
        withoutBlocks.set("general.architecture", .string(arch))
        withoutBlocks.set("\(arch).embedding_length", .uint32(32))
        let file = try GGUFFile(file: MappedFile(path: "m.gguf", bytes: Data(withoutBlocks.bytes())))
        XCTAssertEqual(message { try ModelConfig.describe(gguf: file, name: "m") },
                       "m.gguf: metadata \"\(arch).block_count\": expected an integer in 1...1024 (transformer blocks), found nothing (key missing)")
        XCTAssertEqual(message { try ModelConfig.describe(gguf: try self.gguf { $0.set("\(arch).attention.head_count_kv", .uint32(3)) }, name: "m") },
                       "m.gguf: metadata \"\(arch).attention.head_count_kv\": expected a divisor of attention.head_count 4, found 3")
        XCTAssertEqual(message { try ModelConfig.describe(gguf: try self.gguf { $0.set("\(arch).attention.head_count_kv", .uint32(1)) }, name: "m") },
                       "m.gguf: tensor \"blk.0.attn_k.weight\" dimensions: expected {32, 8} (embedding_length × kv heads · head dim, from the metadata), found {32, 16}")
        XCTAssertEqual(message { try ModelConfig.describe(gguf: try self.gguf { $0.set("\(arch).vocab_size", .uint32(65)) }, name: "m") },
                       "m.gguf: tensor \"token_embd.weight\" dimensions: expected {32, 65} (embedding_length × vocabulary, from the metadata), found {32, 64}")
        XCTAssertEqual(message { try ModelConfig.describe(gguf: try self.gguf { $0.set("\(arch).block_count", .uint32(3)) }, name: "m") },
                       "m.gguf: metadata \"\(arch).block_count\": expected 3 blocks of tensors, found tensors for blocks 0...1 only")
        XCTAssertEqual(message { try ModelConfig.describe(gguf: try self.gguf { $0.set("\(arch).block_count", .uint32(1)) }, name: "m") },
                       "m.gguf: tensor \"blk.1.attn_norm.weight\": expected blocks 0..<1 (\(arch).block_count), found block 1")
        XCTAssertEqual(message { try ModelConfig.describe(gguf: try self.gguf { $0.set("\(arch).rope.freq_base", .float32(-1)) }, name: "m") },
                       "m.gguf: metadata \"\(arch).rope.freq_base\": expected a number > 0, found float32 -1.0")
        // Vocabulary from the token list when vocab_size is absent; from the embedding when both are.
        let fromTokens = try gguf {
            $0.remove("\(arch).vocab_size")
            $0.set("tokenizer.ggml.tokens", .array(elementType: .string, values: (0..<64).map { .string("t\($0)") }))
        }
        XCTAssertEqual(try ModelConfig.describe(gguf: fromTokens, name: "m").vocabSize, 64)
        let fromEmbedding = try gguf {
            $0.remove("\(arch).vocab_size")
            $0.remove("tokenizer.ggml.tokens")
        }
        XCTAssertEqual(try ModelConfig.describe(gguf: fromEmbedding, name: "m").vocabSize, 64)
        let tooFewTokens = try gguf {
            $0.remove("\(arch).vocab_size")
            $0.set("tokenizer.ggml.tokens", .array(elementType: .string, values: [.string("a")]))
        }
        XCTAssertEqual(message { try ModelConfig.describe(gguf: tooFewTokens, name: "m") },
                       "m.gguf: tensor \"token_embd.weight\" dimensions: expected {32, 1} (embedding_length × vocabulary, from the metadata), found {32, 64}")
    }

    func testGGUFDefaultsAndArchitectures() throws {
        // The `bitnet` arch (1bitLLM conversions) is SiLU-gated; llama without sub-norm tensors has none.
        let bitnet = try ModelConfig.describe(gguf: try gguf { writer in
            writer = try Self.renamedArchitecture(writer, to: "bitnet")
        }, name: "m")
        XCTAssertEqual(bitnet.activation, .silu)
        XCTAssertTrue(bitnet.subNorms)
        // Without head_count_kv: MHA; without freq_base and epsilon: the documented defaults.
        var minimal = GGUFWriter()
        minimal.set("general.architecture", .string("llama"))
        for (key, value) in [("block_count", 2), ("embedding_length", 64), ("feed_forward_length", 128), ("attention.head_count", 4),
                             ("context_length", 256), ("vocab_size", 100)] {
            minimal.set("llama.\(key)", .uint64(UInt64(value)))
        }
        let llama = try ModelConfig.describe(gguf: GGUFFile(file: MappedFile(path: "l.gguf", bytes: Data(minimal.bytes()))), name: "l")
        XCTAssertEqual(llama, {
            var c = ModelConfig(name: "l", hiddenSize: 64, intermediateSize: 128, layers: 2, attentionHeads: 4, kvHeads: 4, headDim: 16,
                                vocabSize: 100, tieWordEmbeddings: true, activation: .silu, ropeTheta: 10000, maxPositionEmbeddings: 256,
                                rmsNormEps: 1e-6, subNorms: false)
            c.sourceFile = "l.gguf"
            return c
        }())
    }

    /// The tiny GGUF's metadata with every `bitnet-b1.58.` key moved to `arch`.
    private static func renamedArchitecture(_ writer: GGUFWriter, to arch: String) throws -> GGUFWriter {
        let file = try GGUFFile(file: MappedFile(path: "t", bytes: Data(writer.bytes())))
        var renamed = GGUFWriter()
        for (key, value) in file.metadata {
            let newKey = key.hasPrefix("bitnet-b1.58.") ? arch + "." + key.dropFirst("bitnet-b1.58.".count) : key
            renamed.set(newKey, key == "general.architecture" ? .string(arch) : value)
        }
        for tensor in file.tensors {
            try renamed.add(tensor.name, type: tensor.type, dimensions: tensor.dimensions, data: [UInt8](try file.data(of: tensor)))
        }
        return renamed
    }

    func testSafetensorsNeedsAConfigAndMustAgreeWithIt() throws {
        let folder = try RepositoryPaths.temporaryFolder("tritsim-describe")
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("model.safetensors")
        try Data(try WeightFixtures.tinySafetensors().bytes()).write(to: model)
        XCTAssertEqual(message { try WeightFile.open(model.path).modelConfig() },
                       "\(folder.path)/config.json: expected a Hugging Face config.json beside \(model.path) (attention heads, head size and the FFN activation are not stored in tensor shapes; the shapes give hidden 32 and vocabulary 64), found no such file")
        let config = folder.appendingPathComponent("config.json")
        func withConfig(_ replace: String, by value: String) throws -> String {
            try Data(WeightFixtures.configJSON.replacingOccurrences(of: replace, with: value).utf8).write(to: config)
            return message { try WeightFile.open(model.path).modelConfig() }
        }
        XCTAssertEqual(try withConfig("\"num_key_value_heads\": 2", by: "\"num_key_value_heads\": 4"),
                       "\(model.path): tensor \"model.layers.0.self_attn.k_proj.weight\" shape: expected [32, 32] (kv heads × head dim, hidden_size, from \(config.path)), found [16, 32] (packed [4, 32] × 4 trits per byte)")
        XCTAssertEqual(try withConfig("\"intermediate_size\": 64", by: "\"intermediate_size\": 96"),
                       "\(model.path): tensor \"model.layers.0.mlp.gate_proj.weight\" shape: expected [96, 32] (intermediate_size × hidden_size, from \(config.path)), found [64, 32] (packed [16, 32] × 4 trits per byte)")
        XCTAssertEqual(try withConfig("\"num_hidden_layers\": 2", by: "\"num_hidden_layers\": 3"),
                       "\(model.path): tensor \"model.layers.2.*\": expected 3 layers (num_hidden_layers in \(config.path)), found tensors for layers 0...1 only")
        XCTAssertEqual(try withConfig("\"hidden_act\": \"relu2\"", by: "\"hidden_act\": \"gelu\""),
                       "\(config.path): hidden_act: expected one of relu2, silu, found \"gelu\"")
        XCTAssertEqual(try withConfig("\"vocab_size\": 64", by: "\"vocab_size\": 60"),
                       "\(model.path): tensor \"model.embed_tokens.weight\" shape: expected [60, 32] (vocab_size × hidden_size, from \(config.path)), found [64, 32]")
        // A reviewer's finding: a config that says the head is separate needs an lm_head tensor.
        XCTAssertEqual(try withConfig("\"tie_word_embeddings\": true", by: "\"tie_word_embeddings\": false"),
                       "\(model.path): tensor \"lm_head.weight\": expected an LM head tensor (tie_word_embeddings is false in \(config.path)), found none")
        // Tensors decide tying and sub-norms: an lm_head makes the head separate.
        var writer = try WeightFixtures.tinySafetensors()
        try writer.add("lm_head.weight", dtype: .bf16, shape: [64, 32], data: [UInt8](repeating: 0, count: 64 * 32 * 2))
        try Data(writer.bytes()).write(to: model)
        _ = try withConfig("unchanged", by: "")
        XCTAssertEqual(try WeightFile.open(model.path).modelConfig().tieWordEmbeddings, false)
    }
}
