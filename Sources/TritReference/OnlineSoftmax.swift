import Foundation
import TritCore

/// The running state of blocked attention with an online softmax (FlashAttention style), for Q
/// query rows × query heads: the keys are consumed in contiguous blocks in increasing key order,
/// and `finish()` gives `CausalAttention.apply`'s output bit for bit with overwhelming probability,
/// whatever the partition into blocks.
///
/// Per query row t and head h it holds the running maximum m of the scores seen (fp32, −∞ before
/// any), the running sum l = Σ_j exp(Double(s_j) − Double(m)) and the running output numerator
/// a = Σ_j exp(Double(s_j) − Double(m)) × Double(v_j) (Double, d per head). Merging a block
/// (`BlockSoftmax`: block maximum m_b, numerators p_j relative to m_b, their sum l_b) with
/// m' = max(m, m_b):
/// l ← l × exp(Double(m) − Double(m')) + l_b × exp(Double(m_b) − Double(m')),
/// a ← a × exp(Double(m) − Double(m')) + (Σ_j p_j × Double(v_j)) × exp(Double(m_b) − Double(m')),
/// where a factor is exactly 1 (not computed) when its maximum already is m', and a side whose
/// maximum is −∞ below m' contributes 0 (its exp(−∞ − m') in the reference). m' is the same fp32
/// value as the reference's maximum over the same keys, and a single block reproduces the reference's
/// operations exactly; with several blocks the extra Double roundings (relative ~1e-16 each) are far
/// below fp32's 6e-8, so `Float(a / l)` lands on the reference's fp32 value except with a probability
/// of order 1e-8 per output.
public struct OnlineSoftmaxState: Sendable, Equatable {
    /// Q, the number of query rows.
    public let queryRows: Int
    /// Query heads.
    public let heads: Int
    /// d, the head dimension.
    public let headDim: Int
    /// `[Q × heads]` m, fp32 scores; −∞ until a key is seen. (t, h) at t·heads + h.
    public private(set) var maxima: [Float]
    /// `[Q × heads]` l, Double; (t, h) at t·heads + h.
    public private(set) var sums: [Double]
    /// `[Q × heads·d]` a, Double, in value units; head h of row t in t·heads·d + h·d ..< t·heads·d + (h+1)·d.
    public private(set) var accumulators: [Double]

    /// The state before any key: m = −∞, l = 0, a = 0.
    /// - Parameters:
    ///   - queries: Q ≥ 0, the query rows.
    ///   - heads: query heads, ≥ 1.
    ///   - headDim: d ≥ 1.
    /// - Throws: `InputError` if a count is out of range or Q × heads × d overflows.
    public init(queries: Int, heads: Int, headDim: Int) throws {
        guard queries >= 0, heads >= 1, headDim >= 1 else {
            throw InputError(source: "attention", location: "online softmax", expected: "queries ≥ 0, heads ≥ 1, head_dim ≥ 1",
                             found: "queries \(queries), heads \(heads), head_dim \(headDim)")
        }
        let outputs = try Checked.product([Int64(queries), Int64(heads), Int64(headDim)], "attention output")
        queryRows = queries
        self.heads = heads
        self.headDim = headDim
        maxima = Array(repeating: -.infinity, count: queries * heads)
        sums = Array(repeating: 0, count: queries * heads)
        accumulators = Array(repeating: 0, count: Int(outputs))
    }

    /// The second half of an online-softmax step: merges one block's numerators, weighted by the
    /// block's value rows, into the running state. A row that sees none of the block's keys
    /// (v_t = 0) is left unchanged.
    /// - Parameters:
    ///   - block: the block's `BlockSoftmax`, for the same Q and heads.
    ///   - values: the block's `[n × kvHeads·d]` fp32 value rows; query head h reads KV head
    ///     h / (heads / kvHeads).
    ///   - kvHeads: KV heads, a divisor of `heads`.
    /// - Throws: `InputError` if the shapes do not fit together; the state is then unchanged.
    /// - Complexity: O(Q × heads × n × d).
    public mutating func merge(_ block: BlockSoftmax, values: Matrix<Float>, kvHeads: Int) throws {
        let groupSize = try AttentionScore.checkHeads(heads: heads, kvHeads: kvHeads, headDim: headDim)
        let kvWidth = kvHeads * headDim
        guard block.queryRows == queryRows, block.heads == heads, values.rows == block.blockKeys, values.columns == kvWidth else {
            throw InputError(source: "attention", location: "online softmax merge",
                             expected: "a block for \(queryRows) queries × \(heads) heads and its values [n × \(kvWidth)]",
                             found: "a block for \(block.queryRows) queries × \(block.heads) heads of \(block.blockKeys) keys, values [\(values.rows) × \(values.columns)]")
        }
        var weighted = [Double](repeating: 0, count: headDim)
        for t in 0 ..< queryRows where block.visibleKeys[t] > 0 {
            for h in 0 ..< heads {
                let row = t * heads + h
                let newMaximum = block.maxima[row] > maxima[row] ? block.maxima[row] : maxima[row]
                let runningFactor = Self.rescaleFactor(from: maxima[row], to: newMaximum)
                let blockFactor = Self.rescaleFactor(from: block.maxima[row], to: newMaximum)
                Self.weightedValues(block, row: row, visibleKeys: block.visibleKeys[t], values: values,
                                    kvOffset: (h / groupSize) * headDim, into: &weighted)
                sums[row] = Self.combine(sums[row], runningFactor, block.sums[row], blockFactor)
                for d in 0 ..< headDim {
                    let index = row * headDim + d
                    accumulators[index] = Self.combine(accumulators[index], runningFactor, weighted[d], blockFactor)
                }
                maxima[row] = newMaximum
            }
        }
    }

    /// Both halves for one block: `merge(BlockSoftmax(scores: …), values: values, kvHeads: kvHeads)`.
    /// - Parameters:
    ///   - scores: the block's `[Q × heads × n]` fp32 scores (`AttentionScore.block`).
    ///   - values: the block's `[n × kvHeads·d]` fp32 value rows.
    ///   - visibleKeys: `[Q]` keys of the block each row sees (`BlockSoftmax.causalVisibleKeys`).
    ///   - kvHeads: KV heads, a divisor of `heads`.
    /// - Throws: `InputError` if the shapes do not fit together; the state is then unchanged.
    public mutating func consume(scores: [Float], values: Matrix<Float>, visibleKeys: [Int], kvHeads: Int) throws {
        let block = try BlockSoftmax(scores: scores, queryRows: queryRows, heads: heads, blockKeys: values.rows, visibleKeys: visibleKeys)
        try merge(block, values: values, kvHeads: kvHeads)
    }

    /// The attention output Float(a / l).
    /// - Returns: `[Q × heads·d]` fp32, head h in columns h·d ..< (h+1)·d, as `CausalAttention.apply`.
    ///   A row that has seen no key is NaN (0 / 0).
    public func finish() -> Matrix<Float> {
        let output = accumulators.indices.map { Float(accumulators[$0] / sums[$0 / headDim]) }
        return Matrix(uncheckedRows: queryRows, columns: heads * headDim, elements: output)
    }

    /// How a sum taken relative to maximum `from` moves to maximum `to` (`to` ≥ `from`, or `from`
    /// is −∞ and `to` too): 1 when they are equal; nil (the sum becomes 0) when `from` is −∞ below
    /// `to`, as the reference's exp(−∞ − to) = 0 (the side's own numerators are exp(−∞ − (−∞)) = NaN);
    /// otherwise exp(Double(from) − Double(to)).
    private static func rescaleFactor(from: Float, to: Float) -> Double? {
        guard to > from else { return 1 }
        guard from > -.infinity else { return nil }
        return exp(Double(from) - Double(to))
    }

    /// running × runningFactor + block × blockFactor, a nil factor dropping its side.
    private static func combine(_ running: Double, _ runningFactor: Double?, _ block: Double, _ blockFactor: Double?) -> Double {
        (runningFactor.map { running * $0 } ?? 0) + (blockFactor.map { block * $0 } ?? 0)
    }

    /// Σ_j p_j × Double(v_j[kvOffset + d]) for the row's visible keys, j ascending, into `weighted[d]`.
    private static func weightedValues(_ block: BlockSoftmax, row: Int, visibleKeys: Int, values: Matrix<Float>,
                                       kvOffset: Int, into weighted: inout [Double]) {
        for d in weighted.indices { weighted[d] = 0 }
        let base = row * block.blockKeys
        for j in 0 ..< visibleKeys {
            let probability = block.probabilities[base + j]
            let valueBase = j * values.columns + kvOffset
            for d in weighted.indices { weighted[d] += probability * Double(values.elements[valueBase + d]) }
        }
    }
}
