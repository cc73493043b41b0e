import TritCore

extension ModelConfig {
    /// The slice of the model one chip (or GPU) holds under Megatron-style tensor parallelism of
    /// `degree` chips (Shoeybi et al., "Megatron-LM", arXiv 1909.08053, §3).
    ///
    /// Q, K, V and gate, up are split by columns (each chip computes `attentionHeads / degree`
    /// query heads, `kvHeads / degree` KV heads and `intermediateSize / degree` FFN features);
    /// o_proj and down_proj are split by rows (their inputs are those slices), so their outputs are
    /// partial sums that the chips all-reduce. The hidden size is unchanged. The embedding and the
    /// LM head are split over the vocabulary (`VocabParallelEmbedding` / column-parallel LM head):
    /// each chip holds ⌈vocab / degree⌉ rows, the last padded, as Megatron pads the vocabulary.
    /// `headDim` is kept explicitly (it no longer equals hidden / heads).
    /// - Parameters:
    ///   - degree: chips per tensor-parallel group (1 returns the model unchanged).
    ///   - context: what asks for the split, for the error message (e.g. `system edge-tp8`,
    ///     `--gpus 3 (NVIDIA A100 80GB SXM4)`).
    /// - Throws: `InputError` naming the model file and the field (`num_attention_heads`,
    ///   `num_key_value_heads` or `intermediate_size`) that `degree` does not divide.
    public func tensorParallelShard(degree: Int, context: String) throws -> ModelConfig {
        guard degree > 1 else { return self }
        let source = sourceFile.isEmpty ? "model \(name)" : sourceFile
        for (field, value) in [("num_attention_heads", attentionHeads), ("num_key_value_heads", kvHeads),
                               ("intermediate_size", intermediateSize)] where value % degree != 0 {
            throw InputError(source: source, location: field,
                             expected: "a multiple of the tensor-parallel degree \(degree) of \(context) (each chip or GPU holds an equal share)",
                             found: "\(value)")
        }
        var shard = self
        shard.attentionHeads = attentionHeads / degree
        shard.kvHeads = kvHeads / degree
        shard.intermediateSize = intermediateSize / degree
        shard.vocabSize = (vocabSize + degree - 1) / degree
        return shard
    }

    /// Contiguous, balanced layer ranges for `stages` pipeline stages: stage s holds layers
    /// ⌊s × L / P⌋ ..< ⌊(s + 1) × L / P⌋, so stage sizes differ by at most one.
    /// - Throws: `InputError` naming `num_hidden_layers` when there are more stages than layers.
    public func pipelineStageLayers(stages: Int, context: String) throws -> [Range<Int>] {
        guard stages >= 1, stages <= layers else {
            throw InputError(source: sourceFile.isEmpty ? "model \(name)" : sourceFile, location: "num_hidden_layers",
                             expected: "at least as many layers as the \(stages) pipeline stages of \(context)", found: "\(layers)")
        }
        return (0..<stages).map { s in (s * layers / stages) ..< ((s + 1) * layers / stages) }
    }
}
