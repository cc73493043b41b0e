import TritCore
import TritModel

/// A BitNet b1.58 model with concrete weights, ready for the reference forward pass: fp32
/// embedding, norms and LM head; ternary BitLinear weights with one scale per tensor.
///
/// Build one from a config and a seed (`random(config:seed:)`) or from weights read elsewhere
/// (`init(config:embedding:layers:finalNorm:lmHead:ropePairing:)`). Run it with
/// `forward(tokens:cache:logits:)`, `prefill(tokens:)`, `decode(token:cache:)` or
/// `greedyDecode(prompt:steps:)`.
public struct ReferenceModel: Equatable, Sendable {
    /// The architecture.
    public let config: ModelConfig
    /// `model.embed_tokens`: [vocab × hidden] fp32.
    public let embedding: Matrix<Float>
    /// The transformer blocks, in order.
    public let layers: [LayerWeights]
    /// `model.norm`: hidden fp32 RMSNorm weights.
    public let finalNorm: [Float]
    /// `lm_head`: [vocab × hidden] fp32, or nil when the config ties it to the embedding.
    public let separateLMHead: Matrix<Float>?
    /// The RoPE of every block (head_dim, the config's θ, the pairing convention).
    public let rope: RotaryEmbedding

    /// The LM head's weights: `separateLMHead`, or the embedding when tied.
    public var lmHead: Matrix<Float> { separateLMHead ?? embedding }

    /// A model over the given weights.
    /// - Parameters:
    ///   - config: the architecture; must be runnable (`ReferenceModel.checkRunnable`).
    ///   - embedding: [vocab × hidden] fp32.
    ///   - layers: `config.layers` blocks whose shapes match the config, with sub-norm weights
    ///     exactly when `config.subNorms`.
    ///   - finalNorm: hidden fp32.
    ///   - lmHead: [vocab × hidden] fp32 when `config.tieWordEmbeddings` is false; nil when true.
    ///   - ropePairing: which elements RoPE rotates together (Hugging Face's rotate-half by default).
    /// - Throws: `InputError` naming the tensor for a config that cannot run, a wrong shape, a
    ///   missing or unexpected tensor, or a non-finite full-precision weight.
    public init(config: ModelConfig, embedding: Matrix<Float>, layers: [LayerWeights], finalNorm: [Float],
                lmHead: Matrix<Float>?, ropePairing: RoPEPairing = .rotateHalf) throws {
        try ReferenceModel.checkRunnable(config)
        let check = ShapeCheck(config: config)
        try check.matrix(embedding, "model.embed_tokens", rows: config.vocabSize, columns: config.hiddenSize)
        guard layers.count == config.layers else {
            throw check.error("model.layers", expected: "\(config.layers) blocks (num_hidden_layers)", found: "\(layers.count)")
        }
        for (index, layer) in layers.enumerated() { try check.layer(layer, index: index) }
        try check.vector(finalNorm, "model.norm", count: config.hiddenSize)
        switch (config.tieWordEmbeddings, lmHead) {
        case (true, nil): break
        case (true, .some): throw check.error("lm_head", expected: "no separate LM head (tie_word_embeddings is true)", found: "one")
        case (false, nil): throw check.error("lm_head", expected: "an LM head (tie_word_embeddings is false)", found: "none")
        case (false, .some(let head)):
            try check.matrix(head, "lm_head", rows: config.vocabSize, columns: config.hiddenSize)
        }
        self.config = config
        self.embedding = embedding
        self.layers = layers
        self.finalNorm = finalNorm
        self.separateLMHead = lmHead
        self.rope = try RotaryEmbedding(headDim: config.headDim, theta: config.ropeTheta, pairing: ropePairing)
    }
}

/// Shape and value checks of a model's tensors against its config.
private struct ShapeCheck {
    let config: ModelConfig

    var source: String { config.sourceFile.isEmpty ? config.name : config.sourceFile }

    func error(_ tensor: String, expected: String, found: String) -> InputError {
        InputError(source: source, location: tensor, expected: expected, found: found)
    }

    func matrix(_ m: Matrix<Float>, _ name: String, rows: Int, columns: Int) throws {
        guard m.rows == rows, m.columns == columns else {
            throw error(name, expected: "shape [\(rows) × \(columns)]", found: "[\(m.rows) × \(m.columns)]")
        }
        try finite(m.elements, name)
    }

    func vector(_ v: [Float], _ name: String, count: Int) throws {
        guard v.count == count else { throw error(name, expected: "\(count) weights", found: "\(v.count)") }
        try finite(v, name)
    }

    func finite(_ values: [Float], _ name: String) throws {
        if let index = values.firstIndex(where: { !$0.isFinite }) {
            throw error(name, expected: "finite weights", found: "\(values[index]) at element \(index)")
        }
    }

    func ternary(_ w: TernaryMatrix, _ name: String, out: Int, in inFeatures: Int) throws {
        guard w.outFeatures == out, w.inFeatures == inFeatures else {
            throw error(name, expected: "shape [\(out) × \(inFeatures)]", found: "[\(w.outFeatures) × \(w.inFeatures)]")
        }
    }

    func optionalNorm(_ v: [Float]?, _ name: String, count: Int) throws {
        switch (config.subNorms, v) {
        case (true, .some(let weights)): try vector(weights, name, count: count)
        case (true, nil): throw error(name, expected: "sub-norm weights (the config has sub-norms)", found: "none")
        case (false, .some): throw error(name, expected: "no sub-norm (the config has none)", found: "weights")
        case (false, nil): break
        }
    }

    func layer(_ w: LayerWeights, index: Int) throws {
        let p = "model.layers.\(index)."
        let d = config.hiddenSize, q = config.queryWidth, kv = config.kvWidth, f = config.intermediateSize
        try vector(w.inputNorm, p + "input_layernorm", count: d)
        try ternary(w.qProj, p + "self_attn.q_proj", out: q, in: d)
        try ternary(w.kProj, p + "self_attn.k_proj", out: kv, in: d)
        try ternary(w.vProj, p + "self_attn.v_proj", out: kv, in: d)
        try optionalNorm(w.attnSubNorm, p + "self_attn.attn_sub_norm", count: q)
        try ternary(w.oProj, p + "self_attn.o_proj", out: d, in: q)
        try vector(w.postAttentionNorm, p + "post_attention_layernorm", count: d)
        try ternary(w.gateProj, p + "mlp.gate_proj", out: f, in: d)
        try ternary(w.upProj, p + "mlp.up_proj", out: f, in: d)
        try optionalNorm(w.ffnSubNorm, p + "mlp.ffn_sub_norm", count: f)
        try ternary(w.downProj, p + "mlp.down_proj", out: d, in: f)
    }
}
