/// Which token rows the LM head is computed for.
public enum LogitRows: Sendable {
    /// Only the last token of the step (what generation needs; the operator graph's prefill does this).
    case last
    /// Every token of the step.
    case all
}

/// A BitLinear of a block with its operator-graph node name.
public struct NamedBitLinearTrace: Equatable, Sendable {
    /// The `Graph` node name, e.g. `model.layers.3.self_attn.q_proj`.
    public let name: String
    /// Its sums and outputs.
    public let trace: BitLinearTrace
}

/// Everything one transformer block computed for the S tokens of a step, in execution order.
/// Every matrix has one row per token of the step; widths: d = hidden, q = heads × head_dim,
/// kv = KV heads × head_dim, f = intermediate size. Names follow `TritModel.Graph`'s nodes.
public struct LayerTrace: Equatable, Sendable {
    /// [S × d] residual stream entering the block.
    public let input: Matrix<Float>
    /// [S × d] `input_layernorm` output.
    public let inputNorm: Matrix<Float>
    /// `self_attn.input_quant`: [S × d] int8 input of q/k/v_proj, with per-token scales.
    public let attentionInput: QuantizedActivations
    /// `self_attn.q_proj`: [S × q] sums and outputs.
    public let qProj: BitLinearTrace
    /// `self_attn.k_proj`: [S × kv].
    public let kProj: BitLinearTrace
    /// `self_attn.v_proj`: [S × kv].
    public let vProj: BitLinearTrace
    /// [S × q] queries after RoPE.
    public let queries: Matrix<Float>
    /// [S × kv] keys after RoPE (what was appended to the KV cache).
    public let keys: Matrix<Float>
    /// [S × q] attention output (probabilities × values), before any sub-norm.
    public let attention: Matrix<Float>
    /// [S × q] `self_attn.attn_sub_norm` output, when the model has sub-norms.
    public let attnSubNorm: Matrix<Float>?
    /// `self_attn.o_quant`: [S × q] int8 input of o_proj.
    public let oInput: QuantizedActivations
    /// `self_attn.o_proj`: [S × d].
    public let oProj: BitLinearTrace
    /// [S × d] `attn_residual`: input + o_proj output.
    public let attentionResidual: Matrix<Float>
    /// [S × d] `post_attention_layernorm` output.
    public let postAttentionNorm: Matrix<Float>
    /// `mlp.input_quant`: [S × d] int8 input of gate/up_proj.
    public let mlpInput: QuantizedActivations
    /// `mlp.gate_proj`: [S × f].
    public let gateProj: BitLinearTrace
    /// `mlp.up_proj`: [S × f].
    public let upProj: BitLinearTrace
    /// [S × f] `mlp.act`: act(gate) ⊙ up.
    public let gated: Matrix<Float>
    /// [S × f] `mlp.ffn_sub_norm` output, when the model has sub-norms.
    public let ffnSubNorm: Matrix<Float>?
    /// `mlp.down_quant`: [S × f] int8 input of down_proj.
    public let downInput: QuantizedActivations
    /// `mlp.down_proj`: [S × d].
    public let downProj: BitLinearTrace
    /// [S × d] `mlp_residual`: attentionResidual + down_proj output, the block's output.
    public let output: Matrix<Float>

    /// The block's seven BitLinears in graph order, named `self_attn.q_proj` … `mlp.down_proj`
    /// (without the `model.layers.N.` prefix).
    public var bitLinears: [(name: String, trace: BitLinearTrace)] {
        [("self_attn.q_proj", qProj), ("self_attn.k_proj", kProj), ("self_attn.v_proj", vProj),
         ("self_attn.o_proj", oProj), ("mlp.gate_proj", gateProj), ("mlp.up_proj", upProj), ("mlp.down_proj", downProj)]
    }
}

/// Everything the reference forward pass computed for one step (a prefill of S tokens or a
/// decode of one), for layer-by-layer comparison with the chip.
public struct ForwardTrace: Equatable, Sendable {
    /// The step's tokens.
    public let tokens: [Int]
    /// Their positions: `firstPosition ..< firstPosition + tokens.count`.
    public let positions: Range<Int>
    /// [S × d] embedding rows gathered for the tokens (`model.embed_tokens`).
    public let embedding: Matrix<Float>
    /// One trace per block.
    public let layers: [LayerTrace]
    /// Which rows the final norm and LM head ran for.
    public let logitRows: LogitRows
    /// [R × d] `model.norm` output for those rows (R = 1 for `.last`, S for `.all`).
    public let finalNorm: Matrix<Float>
    /// [R × vocab] fp32 logits for those rows.
    public let logits: Matrix<Float>

    /// The logits of the step's last token.
    public var lastLogits: [Float] { logits.row(logits.rows - 1) }

    /// Every BitLinear of the step in graph order, with its full graph node name
    /// (`model.layers.N.self_attn.q_proj`, …).
    public var bitLinears: [NamedBitLinearTrace] {
        layers.enumerated().flatMap { index, layer in
            layer.bitLinears.map { NamedBitLinearTrace(name: "model.layers.\(index).\($0.name)", trace: $0.trace) }
        }
    }
}
