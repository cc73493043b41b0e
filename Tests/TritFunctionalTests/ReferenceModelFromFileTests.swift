import Foundation
import Testing
import TritCore
import TritFunctional
import TritReference
import TritTestSupport
import TritWeights

/// `ReferenceModel.load(_:)`: the model-file fixtures (one tiny BitNet as a safetensors checkpoint,
/// the same sharded, and as bitnet.cpp's I2_S GGUF) load to the weights `WeightFixtures` drew, and
/// defective files are refused naming the file and the tensor.
@Suite struct ReferenceModelFromFileTests {
    private static let folder = RepositoryPaths.fixtures.appendingPathComponent("weights")
    private typealias Fixture = WeightFixtures

    private func load(_ path: String) throws -> ReferenceModel {
        try ReferenceModel.load(WeightFile.open(path))
    }

    private func loadFixture(_ relative: String) throws -> ReferenceModel {
        try load(Self.folder.appendingPathComponent(relative).path)
    }

    /// The error `body` throws, as the one line the command line prints (nil if it does not throw).
    private func message(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return "\(error)"
        }
    }

    private func projection(_ layer: LayerWeights, _ hfName: String) -> TernaryMatrix? {
        switch hfName {
        case "self_attn.q_proj": return layer.qProj
        case "self_attn.k_proj": return layer.kProj
        case "self_attn.v_proj": return layer.vProj
        case "self_attn.o_proj": return layer.oProj
        case "mlp.gate_proj": return layer.gateProj
        case "mlp.up_proj": return layer.upProj
        case "mlp.down_proj": return layer.downProj
        default: return nil
        }
    }

    private func norm(_ layer: LayerWeights, _ hfName: String) -> [Float]? {
        switch hfName {
        case "input_layernorm": return layer.inputNorm
        case "self_attn.attn_sub_norm": return layer.attnSubNorm
        case "post_attention_layernorm": return layer.postAttentionNorm
        case "mlp.ffn_sub_norm": return layer.ffnSubNorm
        default: return nil
        }
    }

    private func bfloat16(_ values: [Float]) -> [Float] {
        values.map { ElementCoding.float(bfloat16: ElementCoding.bfloat16($0)) }
    }

    /// Every tensor of `model` equals the generator's, norms and final norm after `normRounding`
    /// (the file's storage type: bf16 in the safetensors fixtures, exact f32 in the GGUF one).
    private func expectGeneratorWeights(_ model: ReferenceModel, normRounding: ([Float]) -> [Float]) {
        let drawn = Fixture.model
        #expect(model.config.hiddenSize == Fixture.hidden && model.config.intermediateSize == Fixture.ffn)
        #expect(model.config.layers == Fixture.layers && model.config.vocabSize == Fixture.vocab)
        #expect(model.config.attentionHeads == Fixture.heads && model.config.kvHeads == Fixture.kvHeads)
        #expect(model.config.activation == .relu2 && model.config.subNorms && model.config.tieWordEmbeddings)
        // Embedding values have 8 significant bits: bf16 and f16 both hold them exactly.
        #expect(model.embedding.rows == Fixture.vocab && model.embedding.columns == Fixture.hidden)
        #expect(model.embedding.elements == drawn.embedding)
        #expect(model.separateLMHead == nil)
        #expect(model.finalNorm == normRounding(drawn.finalNorm))
        #expect(model.layers.count == Fixture.layers)
        for (index, layer) in model.layers.enumerated() {
            for p in Fixture.projections {
                let key = "\(index).\(p.hf)"
                let weights = projection(layer, p.hf)
                #expect(weights?.outFeatures == p.out && weights?.inFeatures == p.in, "\(key)")
                #expect(weights?.trits.elements == drawn.trits[key], "\(key)")
                #expect(weights?.scale == drawn.scales[key], "\(key)")
            }
            for n in Fixture.norms {
                #expect(norm(layer, n.hf) == drawn.norms["\(index).\(n.hf)"].map(normRounding), "\(index).\(n.hf)")
            }
        }
    }

    // MARK: the fixtures

    @Test func safetensorsFixtureHoldsTheGeneratorsWeights() throws {
        expectGeneratorWeights(try loadFixture("tiny-bitnet/model.safetensors"), normRounding: bfloat16)
    }

    @Test func ggufFixtureHoldsTheGeneratorsWeights() throws {
        expectGeneratorWeights(try loadFixture("tiny-bitnet-i2_s.gguf"), normRounding: { $0 })
    }

    @Test func shardedCheckpointLoadsTheSameModelAsTheSingleFile() throws {
        let single = try loadFixture("tiny-bitnet/model.safetensors")
        let sharded = try loadFixture("tiny-bitnet-sharded/model.safetensors.index.json")
        #expect(sharded.embedding == single.embedding)
        #expect(sharded.layers == single.layers)
        #expect(sharded.finalNorm == single.finalNorm)
        #expect(sharded.rope == single.rope)
        let prompt = [3, 17, 42, 0, 63]
        #expect(try sharded.prefill(tokens: prompt, logits: .all).trace.logits == single.prefill(tokens: prompt, logits: .all).trace.logits)
    }

    /// The GGUF and the safetensors copies hold the same trits and γ per tensor and the same
    /// embedding; their norms differ only by the safetensors copy's bf16 rounding. With the GGUF
    /// norms rounded to bf16 the two are the same model and give the same logits.
    @Test func ggufAndSafetensorsCopiesAreTheSameModel() throws {
        let hf = try loadFixture("tiny-bitnet/model.safetensors")
        let gguf = try loadFixture("tiny-bitnet-i2_s.gguf")
        #expect(gguf.embedding == hf.embedding)
        for (g, h) in zip(gguf.layers, hf.layers) {
            for p in Fixture.projections { #expect(projection(g, p.hf) == projection(h, p.hf), "\(p.hf)") }
        }
        // Norms 1 + k/512 need up to 10 significant bits: the bf16 copy rounds some of them.
        #expect(gguf.finalNorm != hf.finalNorm && bfloat16(gguf.finalNorm) == hf.finalNorm)
        #expect(Float(gguf.config.rmsNormEps) == Float(hf.config.rmsNormEps))
        #expect(gguf.config.ropeTheta == hf.config.ropeTheta && gguf.rope == hf.rope)
        let rounded = gguf.layers.map { layer -> LayerWeights in
            var layer = layer
            layer.inputNorm = bfloat16(layer.inputNorm)
            layer.attnSubNorm = layer.attnSubNorm.map(bfloat16)
            layer.postAttentionNorm = bfloat16(layer.postAttentionNorm)
            layer.ffnSubNorm = layer.ffnSubNorm.map(bfloat16)
            return layer
        }
        let ggufInBF16 = try ReferenceModel(config: hf.config, embedding: gguf.embedding, layers: rounded,
                                            finalNorm: bfloat16(gguf.finalNorm), lmHead: nil)
        #expect(ggufInBF16 == hf)
        let prompt = [1, 2, 60, 33]
        let logits = try ggufInBF16.prefill(tokens: prompt).trace.logits
        #expect(logits == (try hf.prefill(tokens: prompt).trace.logits))
        #expect(logits.elements.count == Fixture.vocab && logits.elements.allSatisfy(\.isFinite))
    }

    // MARK: weight_scale

    /// A copy of the safetensors fixture whose config.json has `quantizationConfig` (nil: none).
    private func checkpoint(quantizationConfig: String?, edit: (inout [WeightFixtures.SafetensorsTensor]) throws -> Void = { _ in }) throws -> String {
        let folder = try RepositoryPaths.temporaryFolder("reference-from-file")
        let fixtureLine = #"  "quantization_config": {"quant_method": "bitnet", "offline_quantization": true}"#
        #expect(Fixture.configJSON.contains(fixtureLine))
        let config = Fixture.configJSON.replacingOccurrences(
            of: ",\n" + fixtureLine, with: quantizationConfig.map { ",\n  \"quantization_config\": \($0)" } ?? "")
        try Data(config.utf8).write(to: folder.appendingPathComponent("config.json"))
        let model = folder.appendingPathComponent("model.safetensors")
        try Data(try Fixture.tinySafetensors(edit: edit).bytes()).write(to: model)
        return model.path
    }

    /// transformers' `AutoBitLinear` multiplies by weight_scale (γ = weight_scale); `BitLinear`
    /// divides by it (γ = 1 / weight_scale). The fixture's config (`offline_quantization`) selects
    /// AutoBitLinear, as 2B-4T's (`linear_class: autobitlinear`) does.
    @Test func weightScaleFollowsTheLinearClassOfTheConfig() throws {
        let key = "1.mlp.down_proj"
        let stored = try #require(Fixture.model.scales[key])
        let auto = try load(try checkpoint(quantizationConfig: #"{"quant_method": "bitnet", "linear_class": "autobitlinear", "quantization_mode": "offline"}"#))
        #expect(auto.layers[1].downProj.scale == stored)
        let divided = try load(try checkpoint(quantizationConfig: #"{"quant_method": "bitnet", "linear_class": "bitlinear"}"#))
        #expect(divided.layers[1].downProj.scale == 1 / stored)
        #expect(divided.layers[1].downProj.trits == auto.layers[1].downProj.trits)
        let defaultClass = try load(try checkpoint(quantizationConfig: #"{"quant_method": "bitnet"}"#))
        #expect(defaultClass.layers[1].downProj.scale == 1 / stored)
    }

    @Test func aConfigThatDoesNotSayHowWeightScaleAppliesIsRefused() throws {
        let none = message { _ = try load(try checkpoint(quantizationConfig: nil)) }
        #expect(none?.contains("config.json: quantization_config: expected") == true, "\(none ?? "no error")")
        let online = message {
            _ = try load(try checkpoint(quantizationConfig: #"{"quant_method": "bitnet", "linear_class": "autobitlinear", "quantization_mode": "online"}"#))
        }
        #expect(online?.contains("online quantisation") == true, "\(online ?? "no error")")
    }

    // MARK: refusals

    @Test func aMissingTensorIsRefusedNamingIt() throws {
        let path = try checkpoint(quantizationConfig: #"{"quant_method": "bitnet", "offline_quantization": true}"#) { tensors in
            tensors.removeAll { $0.name == "model.layers.1.mlp.ffn_sub_norm.weight" }
        }
        let hf = message { _ = try load(path) }
        #expect(hf == "\(path): tensor \"model.layers.1.mlp.ffn_sub_norm.weight\": expected a full-precision (F32, F16 or BF16) tensor of shape [64], found none in the checkpoint")

        let ggufPath = try write(try Fixture.tinyGGUF { $0.removeAll { $0.name == "blk.1.ffn_up.weight" } })
        let gguf = message { _ = try load(ggufPath) }
        #expect(gguf == "\(ggufPath): tensor \"blk.1.ffn_up.weight\": expected I2_S ternary weights of dimensions {32, 64} ([64 × 32] trits), found none in the file")
    }

    @Test func aWrongShapeIsRefusedNamingTheTensor() throws {
        let path = try checkpoint(quantizationConfig: #"{"quant_method": "bitnet", "offline_quantization": true}"#) { tensors in
            let index = try #require(tensors.firstIndex { $0.name == "model.layers.0.input_layernorm.weight" })
            tensors[index].shape = [31]
            tensors[index].data = Array(tensors[index].data.dropLast(2))
        }
        let hf = message { _ = try load(path) }
        #expect(hf == "\(path): tensor \"model.layers.0.input_layernorm.weight\": expected a full-precision (F32, F16 or BF16) tensor of shape [32], found BF16 [31]")

        let ggufPath = try write(try Fixture.tinyGGUF { tensors in
            let index = try #require(tensors.firstIndex { $0.name == "blk.0.ffn_sub_norm.weight" })
            tensors[index].dimensions = [16, 4]
        })
        let gguf = message { _ = try load(ggufPath) }
        #expect(gguf == "\(ggufPath): tensor \"blk.0.ffn_sub_norm.weight\": expected a full-precision (F32, F16 or BF16) tensor of dimensions {64}, found F32 {16, 4}")
    }

    @Test func aProjectionThatIsNotTernaryIsRefused() throws {
        // A bf16 master weight (as in an online-quantised -bf16 checkpoint), with its scale kept.
        let path = try checkpoint(quantizationConfig: #"{"quant_method": "bitnet", "offline_quantization": true}"#) { tensors in
            let index = try #require(tensors.firstIndex { $0.name == "model.layers.0.self_attn.v_proj.weight" })
            tensors[index] = (tensors[index].name, .bf16, [16, 32], ElementCoding.bytes(bfloat16: [Float](repeating: 0.5, count: 16 * 32)))
        }
        let hf = message { _ = try load(path) }
        #expect(hf?.hasPrefix("\(path): tensor \"model.layers.0.self_attn.v_proj.weight\": expected a packed ternary weight") == true, "\(hf ?? "no error")")
        #expect(hf?.contains("found BF16 [16, 32]: full-precision master weights") == true, "\(hf ?? "no error")")

        let ggufPath = try write(try Fixture.tinyGGUF { tensors in
            let index = try #require(tensors.firstIndex { $0.name == "blk.1.attn_k.weight" })
            tensors[index].type = .f16
            tensors[index].data = ElementCoding.bytes(float16: [Float](repeating: 0, count: 16 * 32))
        })
        let gguf = message { _ = try load(ggufPath) }
        #expect(gguf == "\(ggufPath): tensor \"blk.1.attn_k.weight\": expected I2_S ternary weights of dimensions {32, 16} ([16 × 32] trits), found F16, not a ternary format (a BitLinear projection must be ternary)")
    }

    @Test func aTL1ProjectionIsRefusedAsNotDecodedYet() throws {
        let ggufPath = try write(try Fixture.tinyGGUF { tensors in
            let index = try #require(tensors.firstIndex { $0.name == "blk.0.attn_output.weight" })
            tensors[index].type = .tl1   // same size as I2_S: elements / 4 + 32 bytes
        })
        let gguf = message { _ = try load(ggufPath) }
        #expect(gguf?.hasPrefix("\(ggufPath): tensor \"blk.0.attn_output.weight\": expected I2_S ternary weights") == true, "\(gguf ?? "no error")")
        #expect(gguf?.contains("found TL1, bitnet.cpp's lookup-table layout, which tritsim does not decode yet") == true, "\(gguf ?? "no error")")
    }

    /// TL2's size formula needs ne[0] ≥ 256, so this one is a 1-block model of width 256.
    @Test func aTL2ProjectionIsRefusedAsNotDecodedYet() throws {
        let arch = "bitnet-b1.58", d: Int64 = 256, vocab: Int64 = 4
        var writer = GGUFWriter()
        writer.set("general.architecture", .string(arch))
        for (key, value) in [("vocab_size", vocab), ("context_length", 16), ("embedding_length", d), ("block_count", 1),
                             ("feed_forward_length", d), ("attention.head_count", 4), ("attention.head_count_kv", 4)] {
            writer.set("\(arch).\(key)", .uint32(UInt32(value)))
        }
        try writer.add("token_embd.weight", type: .f32, dimensions: [d, vocab], data: ElementCoding.bytes(float32: [Float](repeating: 0.5, count: Int(d * vocab))))
        try writer.add("output_norm.weight", type: .f32, dimensions: [d], data: ElementCoding.bytes(float32: [Float](repeating: 1, count: Int(d))))
        for norm in ["attn_norm", "attn_sub_norm", "ffn_norm", "ffn_sub_norm"] {
            try writer.add("blk.0.\(norm).weight", type: .f32, dimensions: [d], data: ElementCoding.bytes(float32: [Float](repeating: 1, count: Int(d))))
        }
        for projection in ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"] {
            let type: GGMLType = projection == "ffn_gate" ? .tl2 : .i2S
            let bytes = try type.dataBytes(dimensions: [d, d], source: "test", location: projection)
            try writer.add("blk.0.\(projection).weight", type: type, dimensions: [d, d], data: [UInt8](repeating: 0x55, count: Int(bytes)))
        }
        let path = try write(writer)
        let gguf = message { _ = try load(path) }
        #expect(gguf?.hasPrefix("\(path): tensor \"blk.0.ffn_gate.weight\": expected I2_S ternary weights of dimensions {256, 256}") == true, "\(gguf ?? "no error")")
        #expect(gguf?.contains("found TL2, bitnet.cpp's lookup-table layout, which tritsim does not decode yet") == true, "\(gguf ?? "no error")")
    }

    @Test func biasesAreRefused() throws {
        let ggufPath = try write(try Fixture.tinyGGUF { tensors in
            tensors.append(("blk.0.attn_q.bias", .f32, [32], ElementCoding.bytes(float32: [Float](repeating: 0, count: 32))))
        })
        let gguf = message { _ = try load(ggufPath) }
        #expect(gguf == "\(ggufPath): tensor \"blk.0.attn_q.bias\": expected no bias tensors (BitNet has none, and the reference models none), found a bias")
    }

    /// Seeded byte corruption of both fixtures, mostly in the tensor data (the readers' header
    /// checks are fuzzed in TritWeightsTests): every load either succeeds or throws an
    /// `InputError`; none traps (a NaN scale, a code 3, a non-finite norm are all refused).
    @Test func corruptedFilesLoadOrThrowInputErrors() throws {
        let folder = try RepositoryPaths.temporaryFolder("reference-from-file")
        try Data(Fixture.configJSON.utf8).write(to: folder.appendingPathComponent("config.json"))
        let safetensorsPath = folder.appendingPathComponent("model.safetensors").path
        let gguf = try Fixture.tinyGGUF().bytes()
        let safetensors = try Fixture.tinySafetensors().bytes()
        var random = SplitMix64(seed: 58)
        var loaded = 0, refused = 0
        for round in 0 ..< 300 {
            let original = round % 2 == 0 ? gguf : safetensors
            var bytes = original
            let dataStart = original.count / 8   // past most of the header
            for _ in 0 ... Int(random.next() % 4) {
                let position = dataStart + Int(random.next() % UInt64(original.count - dataStart))
                bytes[position] ^= UInt8(1 + random.next() % 255)
            }
            do {
                let file: WeightFile = round % 2 == 0
                    ? .gguf(try GGUFFile(file: MappedFile(path: folder.appendingPathComponent("model.gguf").path, bytes: Data(bytes))))
                    : .safetensors(SafetensorsCheckpoint(file: try SafetensorsFile(file: MappedFile(path: safetensorsPath, bytes: Data(bytes)))))
                _ = try ReferenceModel.load(file)
                loaded += 1
            } catch is InputError {
                refused += 1
            }
        }
        #expect(loaded > 0 && refused > 0, "loaded \(loaded), refused \(refused)")
    }

    private func write(_ writer: GGUFWriter) throws -> String {
        let url = try RepositoryPaths.temporaryFolder("reference-from-file").appendingPathComponent("model.gguf")
        try Data(writer.bytes()).write(to: url)
        return url.path
    }
}
