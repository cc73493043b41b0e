/// The weights of one transformer block, named as in the Hugging Face checkpoint
/// (`model.layers.N.<field>`). Widths: d = hidden size, q = heads × head_dim, kv = KV heads ×
/// head_dim, f = intermediate (FFN) size.
public struct LayerWeights: Equatable, Sendable {
    /// `input_layernorm`: d fp32 RMSNorm weights.
    public var inputNorm: [Float]
    /// `self_attn.q_proj`: [q × d] trits.
    public var qProj: TernaryMatrix
    /// `self_attn.k_proj`: [kv × d] trits.
    public var kProj: TernaryMatrix
    /// `self_attn.v_proj`: [kv × d] trits.
    public var vProj: TernaryMatrix
    /// `self_attn.attn_sub_norm`: q fp32 weights, present exactly when the config has sub-norms.
    public var attnSubNorm: [Float]?
    /// `self_attn.o_proj`: [d × q] trits.
    public var oProj: TernaryMatrix
    /// `post_attention_layernorm`: d fp32 weights.
    public var postAttentionNorm: [Float]
    /// `mlp.gate_proj`: [f × d] trits.
    public var gateProj: TernaryMatrix
    /// `mlp.up_proj`: [f × d] trits.
    public var upProj: TernaryMatrix
    /// `mlp.ffn_sub_norm`: f fp32 weights, present exactly when the config has sub-norms.
    public var ffnSubNorm: [Float]?
    /// `mlp.down_proj`: [d × f] trits.
    public var downProj: TernaryMatrix

    /// Memberwise initialiser; `ReferenceModel.init` checks the shapes against the config.
    public init(inputNorm: [Float], qProj: TernaryMatrix, kProj: TernaryMatrix, vProj: TernaryMatrix,
                attnSubNorm: [Float]?, oProj: TernaryMatrix, postAttentionNorm: [Float],
                gateProj: TernaryMatrix, upProj: TernaryMatrix, ffnSubNorm: [Float]?, downProj: TernaryMatrix) {
        self.inputNorm = inputNorm
        self.qProj = qProj
        self.kProj = kProj
        self.vProj = vProj
        self.attnSubNorm = attnSubNorm
        self.oProj = oProj
        self.postAttentionNorm = postAttentionNorm
        self.gateProj = gateProj
        self.upProj = upProj
        self.ffnSubNorm = ffnSubNorm
        self.downProj = downProj
    }
}
