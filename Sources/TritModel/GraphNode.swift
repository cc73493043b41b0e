/// What part of the model a node belongs to, for per-layer-type breakdowns in reports.
public enum LayerCategory: String, CaseIterable, Sendable, Comparable {
    case embedding
    case norm
    case quantize
    case qkvProjection = "qkv_proj"
    case rope
    case kvCache = "kv_cache"
    case attention
    case outputProjection = "o_proj"
    case ffnGateUp = "ffn_gate_up"
    case ffnActivation = "ffn_act"
    case ffnDown = "ffn_down"
    case residual
    case lmHead = "lm_head"

    /// Orders categories as they occur in a transformer block (`allCases` order).
    public static func < (lhs: LayerCategory, rhs: LayerCategory) -> Bool {
        let order = LayerCategory.allCases
        return (order.firstIndex(of: lhs) ?? 0) < (order.firstIndex(of: rhs) ?? 0)
    }
}

/// One operator instance in a step's graph: a name, where it sits, and its shape.
public struct GraphNode: Equatable, Sendable {
    /// Hugging Face-style tensor name, e.g. `model.layers.3.self_attn.q_proj`.
    public var name: String
    /// The transformer block index, or nil for nodes outside the blocks.
    public var layer: Int?
    /// The breakdown category.
    public var category: LayerCategory
    /// The operator and its shape.
    public var operation: Operator
    /// Indices (in `Graph.nodes`) of the nodes whose outputs this node reads. Always earlier
    /// nodes, so `Graph.nodes` is a topological order.
    public var inputs: [Int]

    /// The prefix of every node name of decoder layer `layer`: `model.layers.3.`.
    public static func layerPrefix(_ layer: Int) -> String { "model.layers.\(layer)." }

    /// The name within its decoder layer (`self_attn.q_proj` for `model.layers.3.self_attn.q_proj`);
    /// the whole name for a node outside the layers.
    public var nameInLayer: String {
        guard let layer else { return name }
        let prefix = GraphNode.layerPrefix(layer)
        return name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : name
    }

    /// Creates a node.
    public init(name: String, layer: Int?, category: LayerCategory, operation: Operator, inputs: [Int]) {
        self.name = name
        self.layer = layer
        self.category = category
        self.operation = operation
        self.inputs = inputs
    }

    // MARK: Parameters

    /// Learned parameters this node owns (0 for a tied LM head, whose weights the embedding owns).
    public var parameterCount: Int64 {
        switch operation {
        case let .embedding(_, vocab, hidden): return Int64(vocab) * Int64(hidden)
        case let .rmsNorm(_, width): return Int64(width)
        case let .bitLinear(_, inFeatures, outFeatures): return Int64(inFeatures) * Int64(outFeatures)
        case let .denseLinear(_, inFeatures, outFeatures, shared): return shared ? 0 : Int64(inFeatures) * Int64(outFeatures)
        default: return 0
        }
    }

    /// Ternary weights this node owns (BitLinear only).
    public var ternaryParameterCount: Int64 {
        if case let .bitLinear(_, inFeatures, outFeatures) = operation { return Int64(inFeatures) * Int64(outFeatures) }
        return 0
    }

    // MARK: Operation counts

    /// Ternary multiply-accumulates: each is an add, subtract or skip of an int8 value.
    public var ternaryMACs: Int64 {
        if case let .bitLinear(tokens, inFeatures, outFeatures) = operation {
            return Int64(tokens) * Int64(inFeatures) * Int64(outFeatures)
        }
        return 0
    }

    /// Full-precision multiply-accumulates (LM head, QKᵀ, AV). One MAC = 2 FLOPs.
    public var fullPrecisionMACs: Int64 {
        switch operation {
        case let .denseLinear(tokens, inFeatures, outFeatures, _): return Int64(tokens) * Int64(inFeatures) * Int64(outFeatures)
        case let .attentionScores(a), let .attentionValues(a): return a.scoredPairs * Int64(a.heads) * Int64(a.headDim)
        default: return 0
        }
    }

    /// Elementwise vector operations (adds, multiplies, compares), excluding special functions.
    ///
    /// Per element: RMSNorm 4 (square, accumulate, scale, weight), absmax quantisation 3
    /// (abs-max, scale, round/clamp), BitLinear dequantisation 1 per output, RoPE 3,
    /// softmax 4 (max, subtract, accumulate, normalise), gating 3 (act, square or sigmoid-mul, ⊙),
    /// residual 1. These are operation counts of the formulas in DESIGN.md §1.
    public var vectorOps: Int64 {
        switch operation {
        case let .rmsNorm(tokens, width): return 4 * Int64(tokens) * Int64(width)
        case let .activationQuant(tokens, width): return 3 * Int64(tokens) * Int64(width)
        case let .bitLinear(tokens, _, outFeatures): return Int64(tokens) * Int64(outFeatures)
        case let .rope(tokens, heads, kvHeads, headDim): return 3 * Int64(tokens) * Int64(heads + kvHeads) * Int64(headDim)
        case let .softmax(a): return 4 * a.scoredPairs * Int64(a.heads)
        case let .gatedActivation(tokens, width, _): return 3 * Int64(tokens) * Int64(width)
        case let .residualAdd(tokens, width): return Int64(tokens) * Int64(width)
        default: return 0
        }
    }

    /// Special-function evaluations (exp, rsqrt, reciprocal, sin/cos).
    ///
    /// RMSNorm and quantisation: one per token row; RoPE: one sin/cos pair per rotated pair;
    /// softmax: one exp per score; SiLU: one exp per element (ReLU² needs none).
    public var specialFunctionOps: Int64 {
        switch operation {
        case let .rmsNorm(tokens, _), let .activationQuant(tokens, _): return Int64(tokens)
        case let .rope(tokens, _, _, headDim): return Int64(tokens) * Int64(headDim)
        case let .softmax(a): return a.scoredPairs * Int64(a.heads)
        case let .gatedActivation(tokens, width, activation): return activation == .silu ? Int64(tokens) * Int64(width) : 0
        default: return 0
        }
    }

    // MARK: Bytes

    /// Bytes of weights this node reads: packed ternary weights, full-precision weights
    /// (embedding rows gathered, LM head, norm weights).
    public func weightBytes(_ precision: Precision) -> Int64 {
        let fp = Int64(precision.fullPrecisionWeightBytes)
        switch operation {
        case let .embedding(tokens, vocab, hidden): return min(Int64(tokens), Int64(vocab)) * Int64(hidden) * fp
        case let .rmsNorm(_, width): return Int64(width) * fp
        case .bitLinear: return precision.ternaryWeightBytes(ternaryParameterCount)
        case let .denseLinear(_, inFeatures, outFeatures, _): return Int64(inFeatures) * Int64(outFeatures) * fp
        default: return 0
        }
    }

    /// Bytes of KV cache this node reads (cached keys for QKᵀ, cached values for AV).
    public func kvCacheReadBytes(_ precision: Precision) -> Int64 {
        switch operation {
        case let .attentionScores(a), let .attentionValues(a):
            return precision.kvBytes(Int64(a.sequences) * Int64(a.cachedKeys) * Int64(a.kvHeads) * Int64(a.headDim))
        default: return 0
        }
    }

    /// Bytes of KV cache this node writes (the new keys and values).
    public func kvCacheWriteBytes(_ precision: Precision) -> Int64 {
        if case let .kvAppend(tokens, kvHeads, headDim) = operation {
            return precision.kvBytes(2 * Int64(tokens) * Int64(kvHeads) * Int64(headDim))
        }
        return 0
    }

    /// Bytes of activations this node reads (inputs other than weights and KV cache).
    public func activationReadBytes(_ precision: Precision) -> Int64 {
        let act = Int64(precision.activationBytes)
        switch operation {
        case .embedding: return 0
        case let .rmsNorm(tokens, width), let .activationQuant(tokens, width): return Int64(tokens) * Int64(width) * act
        case let .bitLinear(tokens, inFeatures, _): return Int64(tokens) * Int64(inFeatures) * Int64(precision.quantizedActivationBytes)
        case let .rope(tokens, heads, kvHeads, headDim): return Int64(tokens) * Int64(heads + kvHeads) * Int64(headDim) * act
        case let .kvAppend(tokens, kvHeads, headDim): return 2 * Int64(tokens) * Int64(kvHeads) * Int64(headDim) * act
        case let .attentionScores(a): return Int64(a.sequences * a.queries) * Int64(a.heads * a.headDim) * act
        case let .softmax(a): return a.scoredPairs * Int64(a.heads) * act
        case let .attentionValues(a): return a.scoredPairs * Int64(a.heads) * act
        case let .gatedActivation(tokens, width, _): return 2 * Int64(tokens) * Int64(width) * Int64(precision.linearOutputBytes)
        case let .residualAdd(tokens, width): return 2 * Int64(tokens) * Int64(width) * act
        case let .denseLinear(tokens, inFeatures, _, _): return Int64(tokens) * Int64(inFeatures) * act
        }
    }

    /// Bytes of activations this node writes.
    public func activationWriteBytes(_ precision: Precision) -> Int64 {
        let act = Int64(precision.activationBytes)
        switch operation {
        case let .embedding(tokens, _, hidden): return Int64(tokens) * Int64(hidden) * act
        case let .rmsNorm(tokens, width): return Int64(tokens) * Int64(width) * act
        case let .activationQuant(tokens, width):
            // int8 values plus one fp32 scale per token row.
            return Int64(tokens) * Int64(width) * Int64(precision.quantizedActivationBytes) + Int64(tokens) * 4
        case let .bitLinear(tokens, _, outFeatures): return Int64(tokens) * Int64(outFeatures) * Int64(precision.linearOutputBytes)
        case let .rope(tokens, heads, kvHeads, headDim): return Int64(tokens) * Int64(heads + kvHeads) * Int64(headDim) * act
        case .kvAppend: return 0
        case let .attentionScores(a), let .softmax(a): return a.scoredPairs * Int64(a.heads) * act
        case let .attentionValues(a): return Int64(a.sequences * a.queries) * Int64(a.heads * a.headDim) * act
        case let .gatedActivation(tokens, width, _): return Int64(tokens) * Int64(width) * act
        case let .residualAdd(tokens, width): return Int64(tokens) * Int64(width) * act
        case let .denseLinear(tokens, _, outFeatures, _): return Int64(tokens) * Int64(outFeatures) * act
        }
    }
}
