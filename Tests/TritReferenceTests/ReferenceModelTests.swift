import Testing
import TritCore
import TritModel
import TritReference

@Suite struct ReferenceModelTests {
    private func tiny(_ edit: (inout ModelConfig) -> Void = { _ in }) -> ModelConfig {
        var config = ModelConfig(name: "tiny", hiddenSize: 8, intermediateSize: 16, layers: 2, attentionHeads: 2, kvHeads: 1,
                                 headDim: 4, vocabSize: 11, tieWordEmbeddings: true, activation: .relu2, ropeTheta: 10_000,
                                 maxPositionEmbeddings: 32, rmsNormEps: 1e-5, subNorms: true)
        edit(&config)
        return config
    }

    /// Configs that cannot run are refused with an error naming the field.
    @Test func refusesConfigsThatCannotRun() {
        let cases: [(String, (inout ModelConfig) -> Void)] = [
            ("head_dim", { $0.headDim = 3 }),
            ("num_key_value_heads", { $0.kvHeads = 3 }),
            ("hidden_size", { $0.hiddenSize = 0 }),
            ("vocab_size", { $0.vocabSize = -1 }),
            ("rope_theta", { $0.ropeTheta = 0 }),
            ("rms_norm_eps", { $0.rmsNormEps = .nan }),
            ("max_position_embeddings", { $0.maxPositionEmbeddings = 0 }),
        ]
        for (field, edit) in cases {
            #expect { try ReferenceModel.random(config: tiny(edit), seed: 1) } throws: { error in
                (error as? InputError)?.location == field
            }
        }
    }

    /// Shapes, tying and sub-norm presence are checked tensor by tensor.
    @Test func refusesWeightsThatDoNotMatchTheConfig() throws {
        let config = tiny()
        let good = try ReferenceModel.random(config: config, seed: 1)
        func build(_ layers: [LayerWeights]? = nil, embedding: Matrix<Float>? = nil, lmHead: Matrix<Float>? = nil,
                   config: ModelConfig? = nil) throws -> ReferenceModel {
            try ReferenceModel(config: config ?? good.config, embedding: embedding ?? good.embedding, layers: layers ?? good.layers,
                               finalNorm: good.finalNorm, lmHead: lmHead)
        }
        _ = try build()
        func refused(_ tensor: String, _ make: () throws -> ReferenceModel) {
            #expect { _ = try make() } throws: { ($0 as? InputError)?.location == tensor }
        }
        var wrongK = good.layers
        wrongK[1].kProj = good.layers[1].qProj
        refused("model.layers.1.self_attn.k_proj") { try build(wrongK) }
        var noSubNorm = good.layers
        noSubNorm[0].ffnSubNorm = nil
        refused("model.layers.0.mlp.ffn_sub_norm") { try build(noSubNorm) }
        refused("model.layers") { try build(Array(good.layers.prefix(1))) }
        refused("lm_head") { try build(lmHead: good.embedding) }
        var untied = config
        untied.tieWordEmbeddings = false
        refused("lm_head") { try build(config: untied) }
        var withoutSubNorms = config
        withoutSubNorms.subNorms = false
        refused("model.layers.0.self_attn.attn_sub_norm") { try build(config: withoutSubNorms) }
        var nan = good.embedding.elements
        nan[3] = .nan
        refused("model.embed_tokens") { try build(embedding: try Matrix(rows: 11, columns: 8, elements: nan)) }
    }

    /// Sub-norms follow the config: present (and used) for BitNet, absent for Llama conversions.
    @Test func subNormsFollowTheConfig() throws {
        let withNorms = try ReferenceModel.random(config: tiny(), seed: 2)
        #expect(withNorms.layers.allSatisfy { $0.attnSubNorm?.count == 4 * 2 && $0.ffnSubNorm?.count == 16 })
        let trace = try withNorms.prefill(tokens: [1, 2]).trace
        #expect(trace.layers.allSatisfy { $0.attnSubNorm != nil && $0.ffnSubNorm != nil })
        let without = try ReferenceModel.random(config: tiny { $0.subNorms = false }, seed: 2)
        #expect(without.layers.allSatisfy { $0.attnSubNorm == nil && $0.ffnSubNorm == nil })
        let plain = try without.prefill(tokens: [1, 2]).trace
        #expect(plain.layers.allSatisfy { $0.attnSubNorm == nil && $0.oInput == QuantizedActivations(quantizing: $0.attention) })
        // Per-tensor random streams: dropping the sub-norms changes no other tensor.
        #expect(without.layers[1].downProj == withNorms.layers[1].downProj)
        #expect(without.embedding == withNorms.embedding)
    }

    /// The random model's trits are ternary with about 1/4 zeros (uniform masters, |W/γ| < 1/2).
    @Test func randomTritsLookLikeAbsmeanOfUniform() throws {
        let model = try ReferenceModel.random(config: try ScaledModels.bitnet2B4T(), seed: 4)
        let trits = model.layers[0].gateProj.trits.elements
        let zeros = Double(trits.filter { $0 == 0 }.count) / Double(trits.count)
        #expect(abs(zeros - 0.25) < 0.01)
        #expect(abs(model.layers[0].gateProj.scale - 0.5) < 0.01)
        #expect(Set(trits) == [-1, 0, 1])
    }
}
