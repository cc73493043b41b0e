import TritCore
import TritModel

extension ReferenceModel {
    /// A model of `config` with seeded random weights: the same seed gives the same model, bit for
    /// bit, on every platform.
    ///
    /// Each tensor draws from its own `SplitMix64` stream, seeded with `seed` XOR the 64-bit FNV-1a
    /// hash of its Hugging Face name (e.g. `model.layers.0.self_attn.q_proj.weight`), in row-major
    /// order; so a tensor does not change when another one's shape does. Values:
    /// - BitLinear fp32 master weights uniform in [−1, 1), quantised by absmean
    ///   (`TernaryMatrix.quantize(master:epsilon:)`): γ ≈ 0.5, about 1/4 of the trits 0 and 3/8
    ///   each ±1;
    /// - embedding and (untied) LM head uniform in [−1, 1);
    /// - RMSNorm weights (`input_layernorm`, `post_attention_layernorm`, the sub-norms,
    ///   `model.norm`) uniform in [0.5, 1.5), so a norm that ignored its weight would be caught.
    /// - Parameters:
    ///   - config: the architecture; must be runnable (`checkRunnable`).
    ///   - seed: any 64-bit value.
    ///   - epsilon: the absmean form (the reference code's by default).
    ///   - ropePairing: the RoPE convention (Hugging Face's rotate-half by default).
    /// - Throws: `InputError` if the config cannot run.
    /// - Complexity: O(parameters); memory: 1 byte per ternary weight, 4 per full-precision weight.
    public static func random(config: ModelConfig, seed: UInt64, epsilon: AbsmeanEpsilon = .clampedScale,
                              ropePairing: RoPEPairing = .rotateHalf) throws -> ReferenceModel {
        try checkRunnable(config)
        let d = config.hiddenSize, q = config.queryWidth, kv = config.kvWidth, f = config.intermediateSize

        func uniform(_ name: String, rows: Int, columns: Int, from lower: Float, to upper: Float) -> Matrix<Float> {
            var random = SplitMix64(seed: seed ^ fnv1a64(name))
            var elements = [Float](repeating: 0, count: rows * columns)
            elements.withUnsafeMutableBufferPointer { buffer in
                guard let values = buffer.baseAddress else { return }
                var i = 0
                while i < buffer.count {
                    values[i] = random.nextFloat(from: lower, to: upper)
                    i &+= 1
                }
            }
            return Matrix(uncheckedRows: rows, columns: columns, elements: elements)
        }
        func norm(_ name: String, _ width: Int) -> [Float] {
            uniform(name + ".weight", rows: 1, columns: width, from: 0.5, to: 1.5).elements
        }
        func ternary(_ name: String, out: Int, in inFeatures: Int) throws -> TernaryMatrix {
            let master = uniform(name + ".weight", rows: out, columns: inFeatures, from: -1, to: 1)
            return try TernaryMatrix.quantize(master: master, epsilon: epsilon, name: name)
        }

        var layers: [LayerWeights] = []
        layers.reserveCapacity(config.layers)
        for index in 0 ..< config.layers {
            let p = "model.layers.\(index)."
            layers.append(LayerWeights(
                inputNorm: norm(p + "input_layernorm", d),
                qProj: try ternary(p + "self_attn.q_proj", out: q, in: d),
                kProj: try ternary(p + "self_attn.k_proj", out: kv, in: d),
                vProj: try ternary(p + "self_attn.v_proj", out: kv, in: d),
                attnSubNorm: config.subNorms ? norm(p + "self_attn.attn_sub_norm", q) : nil,
                oProj: try ternary(p + "self_attn.o_proj", out: d, in: q),
                postAttentionNorm: norm(p + "post_attention_layernorm", d),
                gateProj: try ternary(p + "mlp.gate_proj", out: f, in: d),
                upProj: try ternary(p + "mlp.up_proj", out: f, in: d),
                ffnSubNorm: config.subNorms ? norm(p + "mlp.ffn_sub_norm", f) : nil,
                downProj: try ternary(p + "mlp.down_proj", out: d, in: f)))
        }
        return try ReferenceModel(
            config: config,
            embedding: uniform("model.embed_tokens.weight", rows: config.vocabSize, columns: d, from: -1, to: 1),
            layers: layers,
            finalNorm: norm("model.norm", d),
            lmHead: config.tieWordEmbeddings ? nil : uniform("lm_head.weight", rows: config.vocabSize, columns: d, from: -1, to: 1),
            ropePairing: ropePairing)
    }
}

/// 64-bit FNV-1a of the UTF-8 bytes of `text` (offset basis 0xCBF29CE484222325, prime
/// 0x100000001B3; Fowler, Noll, Vo). Used to give each tensor its own random stream.
func fnv1a64(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01B3
    }
    return hash
}
