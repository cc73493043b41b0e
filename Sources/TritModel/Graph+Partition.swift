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
}
