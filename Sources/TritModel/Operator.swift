/// One operator of a transformer step, with its shape. Shapes are element counts.
///
/// `tokens` is the number of token positions the operator processes in this step (the prompt
/// length S for prefill, the batch B for decode).
public enum Operator: Equatable, Sendable {
    /// Gather `tokens` rows of the [vocab × hidden] full-precision embedding table.
    case embedding(tokens: Int, vocab: Int, hidden: Int)
    /// RMSNorm over rows of `width` elements, with `width` learned weights.
    case rmsNorm(tokens: Int, width: Int)
    /// Per-token absmax quantisation of `width`-element rows to int8 (s = 127 / max|x|).
    case activationQuant(tokens: Int, width: Int)
    /// Ternary linear layer: [tokens × in] int8 activations times [out × in] ternary weights,
    /// int32 accumulation, one dequantisation multiply per output.
    case bitLinear(tokens: Int, inFeatures: Int, outFeatures: Int)
    /// Rotary position embedding applied to `heads` query and `kvHeads` key heads of `headDim`.
    case rope(tokens: Int, heads: Int, kvHeads: Int, headDim: Int)
    /// Append the new keys and values ([tokens × kvHeads × headDim] each) to the KV cache.
    case kvAppend(tokens: Int, kvHeads: Int, headDim: Int)
    /// QKᵀ for `sequences` sequences: each of `queries` query positions of `heads` heads against
    /// its visible keys; `scoredPairs` is the total (query, key) pairs per head summed over
    /// sequences (causal in prefill). Keys come from the KV cache (`cachedKeys` per sequence read
    /// from memory) and from this step.
    case attentionScores(Attention)
    /// Softmax over each query's visible scores (`Attention.scoredPairs` × heads elements).
    case softmax(Attention)
    /// Scores times V, the same pairs as `attentionScores`.
    case attentionValues(Attention)
    /// Gated activation: act(gate) ⊙ up over [tokens × width].
    case gatedActivation(tokens: Int, width: Int, activation: FFNActivation)
    /// Residual add over [tokens × width].
    case residualAdd(tokens: Int, width: Int)
    /// Full-precision linear layer [tokens × in] × [out × in]ᵀ (the LM head).
    /// `sharedWeights` is true when the weights are the embedding table (tied).
    case denseLinear(tokens: Int, inFeatures: Int, outFeatures: Int, sharedWeights: Bool)

    /// The attention shape shared by the three attention operators.
    public struct Attention: Equatable, Sendable {
        /// Independent sequences (the decode batch; 1 for prefill).
        public var sequences: Int
        /// Query positions per sequence in this step.
        public var queries: Int
        /// Keys per sequence already in the KV cache before this step, read from memory.
        public var cachedKeys: Int
        /// Query heads.
        public var heads: Int
        /// KV heads (GQA groups).
        public var kvHeads: Int
        /// Elements per head.
        public var headDim: Int
        /// (query, key) pairs per head summed over all sequences: causal within the step,
        /// full over the cache.
        public var scoredPairs: Int64

        /// Builds the shape; `scoredPairs` = sequences × Σ_q (cachedKeys + q + 1), q in 0..<queries.
        public init(sequences: Int, queries: Int, cachedKeys: Int, heads: Int, kvHeads: Int, headDim: Int) {
            self.sequences = sequences
            self.queries = queries
            self.cachedKeys = cachedKeys
            self.heads = heads
            self.kvHeads = kvHeads
            self.headDim = headDim
            let q = Int64(queries)
            let perSequence = q * Int64(cachedKeys) + q * (q + 1) / 2
            self.scoredPairs = Int64(sequences) * perSequence
        }
    }
}
