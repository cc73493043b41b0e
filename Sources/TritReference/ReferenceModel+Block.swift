extension ReferenceModel {
    /// Runs transformer block `index` on the step's residual rows `x` and appends its keys and
    /// values to `cache` (whose other blocks may already hold this step's rows).
    ///
    /// input_layernorm → int8 quant → q/k/v_proj → RoPE (q, k) → KV append → causal GQA →
    /// [attn_sub_norm] → int8 quant → o_proj → residual add → post_attention_layernorm → int8
    /// quant → gate/up_proj → act(gate) ⊙ up → [ffn_sub_norm] → int8 quant → down_proj → residual
    /// add. q/k/v share one quantisation of their input, as do gate/up. Source: transformers
    /// `modular_bitnet.py` (`BitNetAttention.forward`, `BitNetMLP.forward`, `LlamaDecoderLayer`),
    /// microsoft/BitNet `gpu/model.py`; the same order as `TritModel.Graph`.
    /// - Parameters:
    ///   - index: the block.
    ///   - x: `[S × hidden]` residual stream entering the block.
    ///   - firstPosition: the position of row 0 of `x`.
    ///   - cache: the sequence's cache, `firstPosition` rows long in block `index`.
    func runBlock(_ index: Int, _ x: Matrix<Float>, firstPosition: Int, cache: inout KVCache) throws -> LayerTrace {
        let w = layers[index]
        let epsilon = Float(config.rmsNormEps)

        let inputNorm = try RMSNorm.apply(x, weight: w.inputNorm, epsilon: epsilon)
        let attentionInput = QuantizedActivations(quantizing: inputNorm)
        let q = try BitLinear.apply(attentionInput, w.qProj)
        let k = try BitLinear.apply(attentionInput, w.kProj)
        let v = try BitLinear.apply(attentionInput, w.vProj)
        let queries = try rope.apply(q.output, firstPosition: firstPosition)
        let keys = try rope.apply(k.output, firstPosition: firstPosition)
        cache.keys[index].appendRows(of: keys)
        cache.values[index].appendRows(of: v.output)
        let attention = try CausalAttention.apply(queries: queries, keys: cache.keys[index], values: cache.values[index],
                                                  heads: config.attentionHeads, kvHeads: config.kvHeads, headDim: config.headDim)
        let attnSubNorm = try w.attnSubNorm.map { try RMSNorm.apply(attention, weight: $0, epsilon: epsilon) }
        let oInput = QuantizedActivations(quantizing: attnSubNorm ?? attention)
        let o = try BitLinear.apply(oInput, w.oProj)
        let attentionResidual = add(x, o.output)

        let postNorm = try RMSNorm.apply(attentionResidual, weight: w.postAttentionNorm, epsilon: epsilon)
        let mlpInput = QuantizedActivations(quantizing: postNorm)
        let gate = try BitLinear.apply(mlpInput, w.gateProj)
        let up = try BitLinear.apply(mlpInput, w.upProj)
        let gated = try GatedActivation.apply(gate: gate.output, up: up.output, activation: config.activation)
        let ffnSubNorm = try w.ffnSubNorm.map { try RMSNorm.apply(gated, weight: $0, epsilon: epsilon) }
        let downInput = QuantizedActivations(quantizing: ffnSubNorm ?? gated)
        let down = try BitLinear.apply(downInput, w.downProj)

        return LayerTrace(input: x, inputNorm: inputNorm, attentionInput: attentionInput, qProj: q, kProj: k, vProj: v,
                          queries: queries, keys: keys, attention: attention, attnSubNorm: attnSubNorm, oInput: oInput,
                          oProj: o, attentionResidual: attentionResidual, postAttentionNorm: postNorm, mlpInput: mlpInput,
                          gateProj: gate, upProj: up, gated: gated, ffnSubNorm: ffnSubNorm, downInput: downInput,
                          downProj: down, output: add(attentionResidual, down.output))
    }

    /// The residual add r + y, elementwise in fp32 (same shapes by construction).
    private func add(_ residual: Matrix<Float>, _ y: Matrix<Float>) -> Matrix<Float> {
        var sum = residual
        for i in sum.elements.indices { sum.elements[i] = residual.elements[i] + y.elements[i] }
        return sum
    }
}
