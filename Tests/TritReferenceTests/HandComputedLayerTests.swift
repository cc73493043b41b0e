import Foundation
import Testing
import TritModel
import TritReference

/// A one-block model with hidden 4 whose every BitLinear sum is derived by hand below.
///
/// Config: hidden 4, FFN 4, 2 query heads sharing 1 KV head (head_dim 2), vocab 3, ReLU², tied,
/// sub-norms, ε = 0 (so the norms are exact where the arithmetic allows), one token at position 0
/// (RoPE is the identity there and attention over one key returns its value).
@Suite struct HandComputedLayerTests {
    static let config = ModelConfig(name: "hand", hiddenSize: 4, intermediateSize: 4, layers: 1, attentionHeads: 2, kvHeads: 1,
                                    headDim: 2, vocabSize: 3, tieWordEmbeddings: true, activation: .relu2, ropeTheta: 10_000,
                                    maxPositionEmbeddings: 16, rmsNormEps: 0, subNorms: true)
    static let embedding: [Float] = [2, -2, 2, -2, /**/ 1, 0, -1, 0, /**/ 0, 1, 0, -1]

    static func ternary(_ rows: Int, _ trits: [Int8], _ scale: Float) throws -> TernaryMatrix {
        try TernaryMatrix(trits: Matrix(rows: rows, columns: trits.count / rows, elements: trits), scale: scale)
    }

    static func model() throws -> ReferenceModel {
        let layer = LayerWeights(
            inputNorm: [1, 0.5, 2, 1],
            qProj: try ternary(4, [1, -1, 0, 0, /**/ 0, 0, 1, 1, /**/ -1, 0, 0, 1, /**/ 1, 1, 1, 1], 0.5),
            kProj: try ternary(2, [1, 1, 0, 0, /**/ 0, 0, -1, 1], 0.25),
            vProj: try ternary(2, [1, 0, 1, 0, /**/ 0, -1, 0, -1], 1),
            attnSubNorm: [1, 1.5, 1, 1],
            oProj: try ternary(4, [1, 0, 0, 0, /**/ 0, 1, 0, -1, /**/ 1, 1, 1, 1, /**/ 0, 0, -1, 0], 0.5),
            postAttentionNorm: [2, 1, 1, 0.5],
            gateProj: try ternary(4, [1, 1, 0, 0, /**/ 0, -1, 1, 0, /**/ 1, 0, 0, -1, /**/ -1, 1, 1, 1], 0.25),
            upProj: try ternary(4, [1, 0, 0, 1, /**/ 1, 1, 1, 0, /**/ 0, 0, 1, -1, /**/ 1, -1, 0, 0], 0.5),
            ffnSubNorm: [1, 1, 1, 1],
            downProj: try ternary(4, [1, 0, -1, 0, /**/ 0, 1, 0, 1, /**/ 1, 1, 1, 0, /**/ 0, 0, -1, 1], 0.5))
        return try ReferenceModel(config: config, embedding: Matrix(rows: 3, columns: 4, elements: embedding), layers: [layer],
                                  finalNorm: [1, 1, 1, 1], lmHead: nil)
    }

    /// Token 0, x = [2, −2, 2, −2].
    @Test func everyIntegerSumByHand() throws {
        let (trace, cache) = try Self.model().prefill(tokens: [0])
        let layer = try #require(trace.layers.first)
        // input_layernorm: mean x² = 4, r = 1/2 → [1, −1, 1, −1] ⊙ [1, 0.5, 2, 1] = [1, −0.5, 2, −1].
        #expect(layer.inputNorm.elements == [1, -0.5, 2, -1])
        // Quantise: s = 127 / 2 = 63.5; x·s = [63.5, −31.75, 127, −63.5] → [64, −32, 127, −64] (±63.5 tie to even 64).
        #expect(layer.attentionInput.values.elements == [64, -32, 127, -64])
        #expect(layer.attentionInput.scales == [63.5])
        // q: [64 + 32, 127 − 64, −64 − 64, 64 − 32 + 127 − 64]; k: [64 − 32, −127 − 64]; v: [64 + 127, 32 + 64].
        #expect(layer.qProj.accumulators.elements == [96, 63, -128, 95])
        #expect(layer.kProj.accumulators.elements == [32, -191])
        #expect(layer.vProj.accumulators.elements == [191, 96])
        // Dequantised with γ / s: q × 0.5/63.5, k × 0.25/63.5, v × 1/63.5.
        #expect(layer.qProj.output.elements == [96, 63, -128, 95].map { $0 * (Float(0.5) / 63.5) })
        #expect(layer.vProj.output.elements == [191, 96].map { $0 * (Float(1) / 63.5) })
        // Position 0: RoPE is the identity; one key, so both heads (sharing KV head 0) return v.
        #expect(layer.queries == layer.qProj.output)
        #expect(layer.keys == layer.kProj.output)
        let v = layer.vProj.output.elements
        #expect(layer.attention.elements == [v[0], v[1], v[0], v[1]])
        // attn_sub_norm with g = [1, 1.5, 1, 1] is ∝ [191, 144, 191, 96]; absmax quantisation drops
        // the norm's scale: round(127 × [191, 144, 191, 96] / 191) = [127, 95.75 → 96, 127, 63.83 → 64].
        #expect(layer.oInput.values.elements == [127, 96, 127, 64])
        // o: [127, 96 − 64, 127 + 96 + 127 + 64, −127].
        #expect(layer.oProj.accumulators.elements == [127, 32, 414, -127])
        // post_attention_layernorm of h = x + o, g = [2, 1, 1, 0.5]: ∝ [5.264, −1.841, 4.060, −1.316]
        // → round(127 × · / 5.264) = [127, −44.4 → −44, 97.9 → 98, −31.75 → −32].
        #expect(layer.mlpInput.values.elements == [127, -44, 98, -32])
        // gate: [127 − 44, 44 + 98, 127 + 32, −127 − 44 + 98 − 32]; up: [127 − 32, 127 − 44 + 98, 98 + 32, 127 + 44].
        #expect(layer.gateProj.accumulators.elements == [83, 142, 159, -105])
        #expect(layer.upProj.accumulators.elements == [95, 181, 130, 171])
        // ReLU²(gate) ⊙ up ∝ [83²·95, 142²·181, 159²·130, 0] = [654455, 3649684, 3286530, 0] (gate 3 < 0);
        // ffn_sub_norm (g = 1) then absmax: round(127 × · / 3649684) = [22.8 → 23, 127, 114.4 → 114, 0].
        #expect(layer.gated.elements[3] == 0)
        #expect(layer.downInput.values.elements == [23, 127, 114, 0])
        // down: [23 − 114, 127 + 0, 23 + 127 + 114, −114 + 0].
        #expect(layer.downProj.accumulators.elements == [-91, 127, 264, -114])
        #expect(cache.length == 1)
        #expect(trace.bitLinears.map(\.name) == (try Graph.prefill(Self.config, tokens: 1)).nodes.compactMap {
            if case .bitLinear = $0.operation { return $0.name } else { return nil }
        })
    }

    /// The fp32 values, recomputed in Double from the hand-derived sums above.
    @Test func floatOutputsFollowFromTheSums() throws {
        let (trace, _) = try Self.model().prefill(tokens: [0])
        let layer = try #require(trace.layers.first)
        func rms(_ x: [Double]) -> Double { (x.reduce(0) { $0 + $1 * $1 } / Double(x.count)).squareRoot() }
        let x: [Double] = [2, -2, 2, -2]
        let v = [191.0, 96.0].map { $0 * 1 / 63.5 }
        let a = [v[0], v[1], v[0], v[1]]
        let maxA = v[0] / rms(a)                                       // max |attn_sub_norm| (weight 1 there)
        let o = [127.0, 32, 414, -127].map { $0 * 0.5 * maxA / 127 }   // acc × γ / s, s = 127 / max
        let h = zip(x, o).map { $0 + $1 }
        let n2 = zip(h, [2.0, 1, 1, 0.5]).map { $0 / rms(h) * $1 }
        let max2 = n2.map(abs).max() ?? 0
        let gate = [83.0, 142, 159, -105].map { $0 * 0.25 * max2 / 127 }
        let up = [95.0, 181, 130, 171].map { $0 * 0.5 * max2 / 127 }
        let act = zip(gate, up).map { max($0, 0) * max($0, 0) * $1 }
        let maxF = act.max().map { $0 / rms(act) } ?? 0
        let down = [-91.0, 127, 264, -114].map { $0 * 0.5 * maxF / 127 }
        let out = zip(h, down).map { $0 + $1 }
        let final = out.map { $0 / rms(out) }
        let e = Self.embedding.map(Double.init)
        let logits = (0 ..< 3).map { row in (0 ..< 4).reduce(0.0) { $0 + final[$1] * e[row * 4 + $1] } }

        func close(_ actual: [Float], _ expected: [Double], _ what: String) {
            for (got, want) in zip(actual, expected) {
                #expect(abs(Double(got) - want) <= 1e-5 * max(abs(want), 1e-3), "\(what): \(actual) vs \(expected)")
            }
        }
        close(layer.oProj.output.elements, o, "o_proj")
        close(layer.attentionResidual.elements, h, "attention residual")
        close(layer.gated.elements, act, "gated")
        close(layer.downProj.output.elements, down, "down_proj")
        close(layer.output.elements, out, "block output")
        close(trace.logits.elements, logits, "logits")                 // ≈ [7.000, −1.009, 0.634]
        #expect(ReferenceModel.argmax(trace.lastLogits) == 0)
        #expect(try Self.model().greedyDecode(prompt: [0], steps: 1) == [0])
    }
}
