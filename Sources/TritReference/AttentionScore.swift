import TritCore

/// Attention scores, computed one way for everyone: `CausalAttention` (the reference) and the
/// chip's blocked online softmax (`BlockSoftmax`, `OnlineSoftmaxState`) call the same code, so a
/// block of keys gets the reference's scores bit for bit.
///
/// score = (q · k) × c in fp32: the dot product accumulated in `Float` in index order, then one
/// `Float` multiply by c = Float(1 / √d) (transformers `matmul(q, kᵀ) * scaling`,
/// `scaling = head_dim ** -0.5`).
public enum AttentionScore {
    /// c = Float(1 / √d), the factor every dot product is multiplied by (dimensionless).
    /// - Parameter headDim: d, ≥ 1 (0 gives +∞).
    public static func scaling(headDim: Int) -> Float {
        Float(1 / Double(headDim).squareRoot())
    }

    /// One score: (query · key) accumulated in `Float` in index order, then `× scaling` in `Float`.
    /// - Parameters:
    ///   - query: d fp32 values (one query head of one query row).
    ///   - key: d fp32 values (the KV head that query head reads, of one key row). If the two
    ///     lengths differ, the longer one's tail is ignored.
    ///   - scaling: `scaling(headDim: d)`.
    /// - Returns: the score, fp32.
    @inlinable
    public static func score(query: some Sequence<Float>, key: some Sequence<Float>, scaling: Float) -> Float {
        var dot: Float = 0
        for (q, k) in zip(query, key) { dot += q * k }
        return dot * scaling
    }

    /// The scores of every query row and query head against every row of one block of keys.
    ///
    /// Query head h reads KV head h / (heads / kvHeads), as in `CausalAttention`. Every (t, h, j)
    /// is computed, including keys the causal mask hides from row t; `BlockSoftmax` never reads those.
    /// - Parameters:
    ///   - queries: `[Q × heads·d]` fp32, after RoPE.
    ///   - keys: the block's `[n × kvHeads·d]` fp32 key rows, after RoPE.
    ///   - heads: query heads.
    ///   - kvHeads: KV heads, a divisor of `heads`.
    ///   - headDim: d.
    /// - Returns: `[Q × heads × n]` fp32, score (t, h, j) at index (t·heads + h)·n + j.
    /// - Throws: `InputError` if the head counts or shapes do not fit together.
    /// - Complexity: O(Q × n × heads × d).
    public static func block(queries: Matrix<Float>, keys: Matrix<Float>, heads: Int, kvHeads: Int, headDim: Int) throws -> [Float] {
        let groupSize = try checkHeads(heads: heads, kvHeads: kvHeads, headDim: headDim)
        let queryWidth = heads * headDim, kvWidth = kvHeads * headDim
        guard queries.columns == queryWidth, keys.columns == kvWidth else {
            throw InputError(source: "attention", location: "block scores",
                             expected: "queries [Q × \(queryWidth)] and keys [n × \(kvWidth)]",
                             found: "queries [\(queries.rows) × \(queries.columns)], keys [\(keys.rows) × \(keys.columns)]")
        }
        let blockKeys = keys.rows
        let scale = scaling(headDim: headDim)
        let count = try Checked.product([Int64(queries.rows), Int64(heads), Int64(blockKeys)], "attention block scores")
        var scores = [Float](repeating: 0, count: Int(count))
        queries.elements.withUnsafeBufferPointer { q in
            keys.elements.withUnsafeBufferPointer { k in
                for t in 0 ..< queries.rows {
                    for h in 0 ..< heads {
                        let query = UnsafeBufferPointer(rebasing: q[t * queryWidth + h * headDim ..< t * queryWidth + (h + 1) * headDim])
                        let kvOffset = (h / groupSize) * headDim
                        let rowBase = (t * heads + h) * blockKeys
                        for j in 0 ..< blockKeys {
                            let key = UnsafeBufferPointer(rebasing: k[j * kvWidth + kvOffset ..< j * kvWidth + kvOffset + headDim])
                            scores[rowBase + j] = score(query: query, key: key, scaling: scale)
                        }
                    }
                }
            }
        }
        return scores
    }

    /// Checks that the head counts fit together (heads ≥ 1 a multiple of kvHeads ≥ 1, d ≥ 1).
    /// - Returns: the group size heads / kvHeads (query heads per KV head).
    /// - Throws: `InputError` otherwise.
    static func checkHeads(heads: Int, kvHeads: Int, headDim: Int) throws -> Int {
        guard heads >= 1, kvHeads >= 1, headDim >= 1, heads % kvHeads == 0 else {
            throw InputError(source: "attention", location: "heads", expected: "heads ≥ 1 a multiple of kvHeads ≥ 1, head_dim ≥ 1",
                             found: "heads \(heads), kvHeads \(kvHeads), head_dim \(headDim)")
        }
        return heads / kvHeads
    }
}
