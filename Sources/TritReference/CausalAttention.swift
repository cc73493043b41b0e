import Foundation
import TritCore

/// Causal grouped-query attention over a KV cache, in fp32.
///
/// For query row t (at position p = L − S + t, where L keys are cached including this step's S)
/// and query head h, reading KV head g = h / (heads / kvHeads):
/// score_j = (q_{t,h} · k_{j,g}) × c for j = 0 … p, with c = Float(1 / √d);
/// prob_j = exp(score_j − max_j score) / Σ_j exp(score_j − max); out_{t,h} = Σ_j prob_j × v_{j,g}.
/// Dot products and sums run in index order. Keys after p are masked (never read), which is the
/// causal mask. Source: transformers `eager_attention_forward` (`matmul(q, kᵀ) * scaling`,
/// `softmax(dim=-1, dtype=float32)`, `matmul(probs, v)`) and `repeat_kv` (query head h reads KV
/// head h / n_rep), which `modular_bitnet.py` uses; `scaling = head_dim ** -0.5` (`LlamaAttention`).
/// With kvHeads = heads this is multi-head attention.
public enum CausalAttention {
    /// Attends `queries` (this step's S tokens) to all `keys`/`values` (L ≥ S rows, the last S
    /// of which belong to this step's tokens).
    /// - Parameters:
    ///   - queries: `[S × heads·d]` fp32, after RoPE.
    ///   - keys: `[L × kvHeads·d]` fp32, after RoPE.
    ///   - values: `[L × kvHeads·d]` fp32.
    ///   - heads: query heads.
    ///   - kvHeads: KV heads, a divisor of `heads`.
    ///   - headDim: d.
    /// - Returns: `[S × heads·d]` fp32, head h in columns h·d ..< (h+1)·d.
    /// - Throws: `InputError` if the head counts or shapes do not fit together.
    /// - Complexity: O(S × L × heads × d).
    public static func apply(queries: Matrix<Float>, keys: Matrix<Float>, values: Matrix<Float>,
                             heads: Int, kvHeads: Int, headDim: Int) throws -> Matrix<Float> {
        guard heads >= 1, kvHeads >= 1, headDim >= 1, heads % kvHeads == 0 else {
            throw InputError(source: "attention", location: "heads", expected: "heads ≥ 1 a multiple of kvHeads ≥ 1, head_dim ≥ 1",
                             found: "heads \(heads), kvHeads \(kvHeads), head_dim \(headDim)")
        }
        let kvWidth = kvHeads * headDim, queryWidth = heads * headDim
        guard queries.columns == queryWidth, keys.columns == kvWidth, values.columns == kvWidth,
              keys.rows == values.rows, keys.rows >= queries.rows else {
            throw InputError(source: "attention", location: "shapes",
                             expected: "queries [S × \(queryWidth)], keys and values [L × \(kvWidth)] with L ≥ S",
                             found: "queries [\(queries.rows) × \(queries.columns)], keys [\(keys.rows) × \(keys.columns)], values [\(values.rows) × \(values.columns)]")
        }
        let groupSize = heads / kvHeads
        let scaling = Float(1 / Double(headDim).squareRoot())
        let firstPosition = keys.rows - queries.rows
        var output = [Float](repeating: 0, count: queries.rows * queryWidth)
        var scores = [Float](repeating: 0, count: keys.rows)
        queries.elements.withUnsafeBufferPointer { q in
            keys.elements.withUnsafeBufferPointer { k in
                values.elements.withUnsafeBufferPointer { v in
                    output.withUnsafeMutableBufferPointer { out in
                        for t in 0 ..< queries.rows {
                            let visible = firstPosition + t + 1
                            for h in 0 ..< heads {
                                let qBase = t * queryWidth + h * headDim
                                let kvOffset = (h / groupSize) * headDim
                                var maximum = -Float.infinity
                                for j in 0 ..< visible {
                                    let kBase = j * kvWidth + kvOffset
                                    var dot: Float = 0
                                    for d in 0 ..< headDim { dot += q[qBase + d] * k[kBase + d] }
                                    scores[j] = dot * scaling
                                    if scores[j] > maximum { maximum = scores[j] }
                                }
                                var sum: Float = 0
                                for j in 0 ..< visible {
                                    scores[j] = exp(scores[j] - maximum)
                                    sum += scores[j]
                                }
                                let outBase = t * queryWidth + h * headDim
                                for j in 0 ..< visible {
                                    let probability = scores[j] / sum
                                    let vBase = j * kvWidth + kvOffset
                                    for d in 0 ..< headDim { out[outBase + d] += probability * v[vBase + d] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Matrix(uncheckedRows: queries.rows, columns: queryWidth, elements: output)
    }
}
