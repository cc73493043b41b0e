extension Graph {
    /// The graph of one pipeline stage, built from a graph whose model has exactly the stage's
    /// layers (`layers` = the stage's layer count, so KV-cache sizes and per-layer tables fit the
    /// stage).
    ///
    /// The embedding is kept only on the first stage (`embedding`) and the final norm and LM head
    /// only on the last (`head`); node inputs are renumbered, and inputs produced on the previous
    /// stage are dropped — on a later stage the first layer's input norm has no input in the
    /// graph: it reads the activations the previous stage sent. Layer indices stay relative to the
    /// stage (0 ..< layers); node names carry the model's layer numbers (`firstLayer` + index).
    /// - Parameters:
    ///   - firstLayer: the model layer the stage starts at (for names).
    ///   - embedding: whether the stage starts the model (embedding gather).
    ///   - head: whether the stage ends the model (final norm, LM head).
    /// - Complexity: O(nodes).
    public func pipelineStage(firstLayer: Int, embedding: Bool, head: Bool) -> Graph {
        var kept: [GraphNode] = []
        kept.reserveCapacity(nodes.count)
        var newIndex = Array(repeating: -1, count: nodes.count)
        for (index, node) in nodes.enumerated() {
            if node.layer == nil {
                let isEmbedding: Bool
                if case .embedding = node.operation { isEmbedding = true } else { isEmbedding = false }
                if isEmbedding ? !embedding : !head { continue }
            }
            var copy = node
            copy.inputs = node.inputs.compactMap { newIndex[$0] >= 0 ? newIndex[$0] : nil }
            if let layer = node.layer, firstLayer != 0 {
                let prefix = "model.layers.\(layer)."
                if node.name.hasPrefix(prefix) {
                    copy.name = "model.layers.\(layer + firstLayer)." + node.name.dropFirst(prefix.count)
                }
            }
            newIndex[index] = kept.count
            kept.append(copy)
        }
        return Graph(model: model, phase: phase, nodes: kept)
    }

    /// The step one device of a Megatron-style tensor-parallel group of `degree` devices runs: the
    /// same phase built for `model.tensorParallelShard(degree:context:)` (query heads, KV heads and
    /// FFN width / degree, vocabulary ⌈vocab / degree⌉, hidden size and norms unchanged). `self`
    /// must be a whole step as `Graph.prefill` / `Graph.decode` build it (not a pipeline stage).
    /// Degree 1 returns `self`.
    /// - Parameter context: what asks for the split, for the error message (e.g. `--gpus 3`).
    /// - Throws: `InputError` naming the model file and the field that `degree` does not divide
    ///   (`num_attention_heads`, `num_key_value_heads`, `intermediate_size`), or any error of
    ///   `Graph.prefill` / `Graph.decode`.
    public func tensorParallelShard(degree: Int, context: String) throws -> Graph {
        guard degree > 1 else { return self }
        let shard = try model.tensorParallelShard(degree: degree, context: context)
        switch phase {
        case .prefill(let tokens): return try Graph.prefill(shard, tokens: tokens)
        case .decode(let batch, let context): return try Graph.decode(shard, batch: batch, context: context)
        }
    }

    /// A graph with exactly `nodes` (each input an earlier node's index).
    init(model: ModelConfig, phase: Phase, nodes: [GraphNode]) {
        self.model = model
        self.phase = phase
        self.nodes = nodes
    }
}

extension GraphNode {
    /// Whether the node is one of BitNet's sub-layer norms (`attn_sub_norm` before o_proj,
    /// `ffn_sub_norm` before down_proj), which normalise a row that tensor parallelism splits over
    /// the chips (so their sum of squares must be all-reduced).
    public var isSubLayerNorm: Bool {
        guard case .rmsNorm = operation, layer != nil else { return false }
        return name.hasSuffix("_sub_norm")
    }

    /// Whether the node is a row-parallel linear layer under Megatron-style tensor parallelism
    /// (o_proj, down_proj): its inputs are split over the devices, so its output is a partial sum
    /// that the group must all-reduce before the residual add.
    public var isRowParallelLinear: Bool {
        guard case .bitLinear = operation else { return false }
        return category == .outputProjection || category == .ffnDown
    }

    /// Bytes of one token's RMSNorm statistic, its fp32 sum of squares, which a tensor-parallel
    /// group all-reduces before a sub-layer norm.
    public static let normStatisticBytes = Int64(MemoryLayout<Float32>.size)

    /// The bytes a Megatron-style tensor-parallel group all-reduces after this node (each device's
    /// range, b of the ring all-reduce), or nil when it reduces nothing. In a device's graph
    /// (`Graph.tensorParallelShard`):
    /// - a row-parallel linear layer (`isRowParallelLinear`): its tokens × outFeatures outputs at
    ///   `precision.linearOutputBytes` each;
    /// - the vocab-parallel embedding: its gathered tokens × hidden rows (`activationWriteBytes`);
    /// - a sub-layer norm (`isSubLayerNorm`): tokens × `normStatisticBytes`.
    /// The LM head's logits stay distributed (the reduction that picks the next token is not
    /// modelled). The chip compiler all-reduces the same tensors (`LoweringContext+Links.swift`).
    public func tensorParallelAllReduceBytes(_ precision: Precision) -> Int64? {
        switch operation {
        case .bitLinear where isRowParallelLinear, .embedding:
            return activationWriteBytes(precision)
        case let .rmsNorm(tokens, _) where isSubLayerNorm:
            return Int64(tokens) * GraphNode.normStatisticBytes
        default:
            return nil
        }
    }
}
