import Foundation
import TritCore

/// Causal grouped-query attention over a KV cache: fp32 scores, softmax and weighted sum in Double.
///
/// For query row t (at position p = L − S + t, where L keys are cached including this step's S)
/// and query head h, reading KV head g = h / (heads / kvHeads):
/// score_j = (q_{t,h} · k_{j,g}) × c for j = 0 … p, in fp32 (`AttentionScore.score`: the dot product
/// in index order, then one multiply by c = Float(1 / √d)); m = max_j score_j in fp32;
/// p_j = exp(Double(score_j) − Double(m)), l = Σ_j p_j and a = Σ_j p_j × Double(v_{j,g}) in Double,
/// j ascending; out_{t,h} = Float(a / l), rounded to fp32 once. Keys after p are masked (never
/// read), which is the causal mask. Source: transformers `eager_attention_forward`
/// (`matmul(q, kᵀ) * scaling`, `softmax(dim=-1, dtype=float32)`, `matmul(probs, v)`) and `repeat_kv`
/// (query head h reads KV head h / n_rep), which `modular_bitnet.py` uses;
/// `scaling = head_dim ** -0.5` (`LlamaAttention`). With kvHeads = heads this is multi-head attention.
///
/// Why Double after the scores: the chip computes attention block by block with an online softmax
/// (`BlockSoftmax`, `OnlineSoftmaxState`), which rescales partial sums whenever the running maximum
/// grows. In fp32 those rescalings change the last bits with the partition into blocks; in Double
/// their error (~1e-16) is far below fp32 rounding, so every partition rounds to this function's
/// fp32 output (bit for bit, with overwhelming probability). It differs from transformers' fp32
/// softmax only by that computation's own fp32 rounding error (below 1e-6 for outputs within ±1 in
/// the tests: a few fp32 ulps).
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
        let groupSize = try AttentionScore.checkHeads(heads: heads, kvHeads: kvHeads, headDim: headDim)
        let kvWidth = kvHeads * headDim, queryWidth = heads * headDim
        guard queries.columns == queryWidth, keys.columns == kvWidth, values.columns == kvWidth,
              keys.rows == values.rows, keys.rows >= queries.rows else {
            throw InputError(source: "attention", location: "shapes",
                             expected: "queries [S × \(queryWidth)], keys and values [L × \(kvWidth)] with L ≥ S",
                             found: "queries [\(queries.rows) × \(queries.columns)], keys [\(keys.rows) × \(keys.columns)], values [\(values.rows) × \(values.columns)]")
        }
        let scaling = AttentionScore.scaling(headDim: headDim)
        let firstPosition = keys.rows - queries.rows
        var output = [Float](repeating: 0, count: queries.rows * queryWidth)
        var scores = [Float](repeating: 0, count: keys.rows)
        var probabilities = [Double](repeating: 0, count: keys.rows)
        var weighted = [Double](repeating: 0, count: headDim)
        queries.elements.withUnsafeBufferPointer { q in
            keys.elements.withUnsafeBufferPointer { k in
                values.elements.withUnsafeBufferPointer { v in
                    for t in 0 ..< queries.rows {
                        let visible = firstPosition + t + 1
                        for h in 0 ..< heads {
                            let qBase = t * queryWidth + h * headDim
                            let query = UnsafeBufferPointer(rebasing: q[qBase ..< qBase + headDim])
                            let kvOffset = (h / groupSize) * headDim
                            var maximum = -Float.infinity
                            for j in 0 ..< visible {
                                let kBase = j * kvWidth + kvOffset
                                scores[j] = AttentionScore.score(query: query, key: UnsafeBufferPointer(rebasing: k[kBase ..< kBase + headDim]),
                                                                 scaling: scaling)
                                if scores[j] > maximum { maximum = scores[j] }
                            }
                            var sum: Double = 0
                            for j in 0 ..< visible {
                                probabilities[j] = exp(Double(scores[j]) - Double(maximum))
                                sum += probabilities[j]
                            }
                            for d in 0 ..< headDim { weighted[d] = 0 }
                            for j in 0 ..< visible {
                                let vBase = j * kvWidth + kvOffset
                                for d in 0 ..< headDim { weighted[d] += probabilities[j] * Double(v[vBase + d]) }
                            }
                            for d in 0 ..< headDim { output[qBase + d] = Float(weighted[d] / sum) }
                        }
                    }
                }
            }
        }
        return Matrix(uncheckedRows: queries.rows, columns: queryWidth, elements: output)
    }
}
