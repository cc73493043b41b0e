import TritCore

/// Which step of inference a graph describes.
public enum Phase: Equatable, Sendable, CustomStringConvertible {
    /// Process a prompt of `tokens` positions for one sequence (compute-bound: every weight tile
    /// is reused across all prompt tokens). The LM head runs for the last position only.
    case prefill(tokens: Int)
    /// Generate one token for each of `batch` sequences, each with `context` tokens already in
    /// its KV cache (memory-bound: every weight is read once per step, reused across the batch).
    case decode(batch: Int, context: Int)

    /// Token positions processed per step (S or B).
    public var tokensPerStep: Int {
        switch self {
        case .prefill(let tokens): return tokens
        case .decode(let batch, _): return batch
        }
    }

    /// Short name: `prefill` or `decode`.
    public var name: String {
        switch self {
        case .prefill: return "prefill"
        case .decode: return "decode"
        }
    }

    /// `prefill(S=512)` or `decode(B=1, L=512)`.
    public var description: String {
        switch self {
        case .prefill(let tokens): return "prefill(S=\(tokens))"
        case .decode(let batch, let context): return "decode(B=\(batch), L=\(context))"
        }
    }
}

/// The operator graph of one transformer step of a BitNet b1.58 model, in execution order.
///
/// Per block: input RMSNorm → int8 quantisation → BitLinear q, k, v (GQA) → RoPE → KV append →
/// QKᵀ → softmax → AV → `attn_sub_norm` → quantisation → BitLinear o_proj → residual add →
/// post-attention RMSNorm → quantisation → BitLinear gate, up → ReLU² (or SiLU) gating →
/// `ffn_sub_norm` → quantisation → BitLinear down → residual add. Around the blocks: embedding
/// gather, final RMSNorm, full-precision LM head. Source: DESIGN.md §1, transformers
/// `modular_bitnet.py`, microsoft/BitNet `gpu/model.py` (see `docs/reference/bitnet-facts.md` §5).
public struct Graph: Sendable {
    /// Largest batch accepted, so that byte counts of 70B-class models stay far below `Int64.max`.
    public static let maximumBatch = 65_536

    /// The model the graph was built from.
    public let model: ModelConfig
    /// The step it describes.
    public let phase: Phase
    /// Nodes in execution order.
    public let nodes: [GraphNode]

    /// Builds the graph of one prefill step of `tokens` prompt positions.
    /// - Throws: `InputError` if `tokens` is not in 1...`model.maxPositionEmbeddings`.
    public static func prefill(_ model: ModelConfig, tokens: Int) throws -> Graph {
        guard tokens >= 1, tokens <= model.maxPositionEmbeddings else {
            throw InputError(source: "prefill", location: "prompt tokens",
                             expected: "1...\(model.maxPositionEmbeddings) (max_position_embeddings of \(model.name))", found: "\(tokens)")
        }
        return try Graph(model: model, phase: .prefill(tokens: tokens)).checkedCounts()
    }

    /// Builds the graph of one decode step for `batch` sequences with `context` cached tokens each.
    /// - Throws: `InputError` if `batch` is not in 1...`maximumBatch` or `context + 1` exceeds
    ///   `model.maxPositionEmbeddings`.
    public static func decode(_ model: ModelConfig, batch: Int, context: Int) throws -> Graph {
        guard batch >= 1, batch <= maximumBatch else {
            throw InputError(source: "decode", location: "batch", expected: "1...\(maximumBatch)", found: "\(batch)")
        }
        guard context >= 0, context < model.maxPositionEmbeddings else {
            throw InputError(source: "decode", location: "context",
                             expected: "0...\(model.maxPositionEmbeddings - 1) (max_position_embeddings of \(model.name) minus the new token)",
                             found: "\(context)")
        }
        return try Graph(model: model, phase: .decode(batch: batch, context: context)).checkedCounts()
    }

    /// Returns `self` after checking that the step's total operation and byte counts fit in
    /// `Int64`, so that every sum over nodes elsewhere is safe. (Each node's own counts fit by
    /// `ModelConfig.Limits` and the token limits.)
    /// - Throws: `InputError` if a total would overflow.
    private func checkedCounts() throws -> Graph {
        var operations: Int64 = 0
        var bytes: Int64 = 0
        let precision = Precision.fp16Everywhere
        do {
            for node in nodes {
                for count in [node.ternaryMACs, node.fullPrecisionMACs, node.vectorOps, node.specialFunctionOps] {
                    operations = try Checked.add(operations, count, "operations")
                }
                for count in [node.weightBytes(precision), node.activationReadBytes(precision), node.activationWriteBytes(precision),
                              node.kvCacheReadBytes(precision), node.kvCacheWriteBytes(precision)] {
                    bytes = try Checked.add(bytes, count, "bytes")
                }
            }
            _ = try Checked.multiply(max(operations, bytes), 16, "counts")
        } catch {
            throw InputError(source: model.sourceFile.isEmpty ? model.name : model.sourceFile, location: phase.description,
                             expected: "a step whose operation and byte counts fit in 64 bits",
                             found: "a larger one (use fewer --prompt-tokens, a smaller --batch or a smaller model)")
        }
        return self
    }

    private init(model: ModelConfig, phase: Phase) {
        self.model = model
        self.phase = phase
        self.nodes = Graph.buildNodes(model, phase)
    }

    private static func buildNodes(_ m: ModelConfig, _ phase: Phase) -> [GraphNode] {
        let t = phase.tokensPerStep
        let attention: Operator.Attention
        let lmHeadTokens: Int
        switch phase {
        case .prefill(let tokens):
            attention = .init(sequences: 1, queries: tokens, cachedKeys: 0, heads: m.attentionHeads, kvHeads: m.kvHeads, headDim: m.headDim)
            lmHeadTokens = 1
        case .decode(let batch, let context):
            attention = .init(sequences: batch, queries: 1, cachedKeys: context, heads: m.attentionHeads, kvHeads: m.kvHeads, headDim: m.headDim)
            lmHeadTokens = batch
        }
        var nodes: [GraphNode] = []
        nodes.reserveCapacity(m.layers * 24 + 3)
        @discardableResult
        func add(_ name: String, _ layer: Int?, _ category: LayerCategory, _ operation: Operator, _ inputs: [Int]) -> Int {
            nodes.append(GraphNode(name: name, layer: layer, category: category, operation: operation, inputs: inputs))
            return nodes.count - 1
        }
        var residual = add("model.embed_tokens", nil, .embedding, .embedding(tokens: t, vocab: m.vocabSize, hidden: m.hiddenSize), [])
        for layer in 0..<m.layers {
            let p = GraphNode.layerPrefix(layer)
            func block(_ name: String, _ category: LayerCategory, _ operation: Operator, _ inputs: [Int]) -> Int {
                add(p + name, layer, category, operation, inputs)
            }
            let inputNorm = block("input_layernorm", .norm, .rmsNorm(tokens: t, width: m.hiddenSize), [residual])
            let inputQuant = block("self_attn.input_quant", .quantize, .activationQuant(tokens: t, width: m.hiddenSize), [inputNorm])
            let q = block("self_attn.q_proj", .qkvProjection, .bitLinear(tokens: t, inFeatures: m.hiddenSize, outFeatures: m.queryWidth), [inputQuant])
            let k = block("self_attn.k_proj", .qkvProjection, .bitLinear(tokens: t, inFeatures: m.hiddenSize, outFeatures: m.kvWidth), [inputQuant])
            let v = block("self_attn.v_proj", .qkvProjection, .bitLinear(tokens: t, inFeatures: m.hiddenSize, outFeatures: m.kvWidth), [inputQuant])
            let rope = block("self_attn.rope", .rope, .rope(tokens: t, heads: m.attentionHeads, kvHeads: m.kvHeads, headDim: m.headDim), [q, k])
            let append = block("self_attn.kv_append", .kvCache, .kvAppend(tokens: t, kvHeads: m.kvHeads, headDim: m.headDim), [rope, v])
            let scores = block("self_attn.scores", .attention, .attentionScores(attention), [rope, append])
            let softmax = block("self_attn.softmax", .attention, .softmax(attention), [scores])
            var attended = block("self_attn.values", .attention, .attentionValues(attention), [softmax, v, append])
            if m.subNorms {
                attended = block("self_attn.attn_sub_norm", .norm, .rmsNorm(tokens: t, width: m.queryWidth), [attended])
            }
            let oQuant = block("self_attn.o_quant", .quantize, .activationQuant(tokens: t, width: m.queryWidth), [attended])
            let o = block("self_attn.o_proj", .outputProjection, .bitLinear(tokens: t, inFeatures: m.queryWidth, outFeatures: m.hiddenSize), [oQuant])
            let attnResidual = block("attn_residual", .residual, .residualAdd(tokens: t, width: m.hiddenSize), [o, residual])
            let postNorm = block("post_attention_layernorm", .norm, .rmsNorm(tokens: t, width: m.hiddenSize), [attnResidual])
            let mlpQuant = block("mlp.input_quant", .quantize, .activationQuant(tokens: t, width: m.hiddenSize), [postNorm])
            let gate = block("mlp.gate_proj", .ffnGateUp, .bitLinear(tokens: t, inFeatures: m.hiddenSize, outFeatures: m.intermediateSize), [mlpQuant])
            let up = block("mlp.up_proj", .ffnGateUp, .bitLinear(tokens: t, inFeatures: m.hiddenSize, outFeatures: m.intermediateSize), [mlpQuant])
            var hidden = block("mlp.act", .ffnActivation, .gatedActivation(tokens: t, width: m.intermediateSize, activation: m.activation), [gate, up])
            if m.subNorms {
                hidden = block("mlp.ffn_sub_norm", .norm, .rmsNorm(tokens: t, width: m.intermediateSize), [hidden])
            }
            let downQuant = block("mlp.down_quant", .quantize, .activationQuant(tokens: t, width: m.intermediateSize), [hidden])
            let down = block("mlp.down_proj", .ffnDown, .bitLinear(tokens: t, inFeatures: m.intermediateSize, outFeatures: m.hiddenSize), [downQuant])
            residual = block("mlp_residual", .residual, .residualAdd(tokens: t, width: m.hiddenSize), [down, attnResidual])
        }
        let finalNorm = add("model.norm", nil, .norm, .rmsNorm(tokens: lmHeadTokens, width: m.hiddenSize), [residual])
        add("lm_head", nil, .lmHead,
            .denseLinear(tokens: lmHeadTokens, inFeatures: m.hiddenSize, outFeatures: m.vocabSize, sharedWeights: m.tieWordEmbeddings),
            [finalNorm])
        return nodes
    }

    /// Total learned parameters (tied LM head counted once).
    public var parameterCount: Int64 { nodes.reduce(0) { $0 + $1.parameterCount } }
    /// Ternary (BitLinear) parameters.
    public var ternaryParameterCount: Int64 { nodes.reduce(0) { $0 + $1.ternaryParameterCount } }
    /// Ternary MACs in the step.
    public var ternaryMACs: Int64 { nodes.reduce(0) { $0 + $1.ternaryMACs } }
    /// Full-precision MACs in the step.
    public var fullPrecisionMACs: Int64 { nodes.reduce(0) { $0 + $1.fullPrecisionMACs } }
    /// Tokens produced by the step (1 for prefill, B for decode): the LM head's rows.
    public var outputTokens: Int {
        if case .prefill = phase { return 1 }
        return phase.tokensPerStep
    }
}
