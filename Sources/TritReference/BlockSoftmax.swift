import Foundation
import TritCore

/// The first half of an online-softmax step: one block of keys' scores turned into block-local
/// softmax numerators, their maximum and their sum, per query row and query head.
///
/// For query row t, query head h and the block's keys j = 0 ..< v_t that row t may see
/// (v_t = `visibleKeys[t]`, the causal mask):
/// m_b = max_j s_j (fp32, the first maximum in key order; −∞ if v_t = 0),
/// p_j = exp(Double(s_j) − Double(m_b)) (Double, ≤ 1), l_b = Σ_j p_j in key order (Double).
/// Keys j ≥ v_t are masked: their scores are never read and p_j = 0.
///
/// `OnlineSoftmaxState.merge` is the second half: it rescales p and l_b to the running maximum
/// and adds p × v to the running output. The halves share nothing but this value, so the chip
/// can run them on different units.
public struct BlockSoftmax: Sendable, Equatable {
    /// Q, the number of query rows.
    public let queryRows: Int
    /// Query heads.
    public let heads: Int
    /// n, the number of keys in the block.
    public let blockKeys: Int
    /// `[Q]` v_t: row t sees the block's keys 0 ..< v_t, 0 ≤ v_t ≤ n.
    public let visibleKeys: [Int]
    /// `[Q × heads]` m_b, fp32 scores; (t, h) at t·heads + h.
    public let maxima: [Float]
    /// `[Q × heads]` l_b = Σ_j p_j, Double; (t, h) at t·heads + h.
    public let sums: [Double]
    /// `[Q × heads × n]` p_j, Double, 0 for masked keys; (t, h, j) at (t·heads + h)·n + j.
    public let probabilities: [Double]

    /// Keys of a block that each query row may see under the causal mask.
    ///
    /// Query row t sits at position L − Q + t (the last Q of the L keys are its step's tokens) and
    /// sees keys 0 … L − Q + t; of the block's keys `blockStart ..< blockStart + n` that is
    /// v_t = clamp(L − Q + t + 1 − blockStart, 0, n).
    /// - Parameters:
    ///   - queryRows: Q ≥ 0.
    ///   - totalKeys: L ≥ Q, all keys the queries attend to (cached ones and this step's).
    ///   - blockStart: index of the block's first key among the L, ≥ 0.
    ///   - blockKeys: n ≥ 0, with blockStart + n ≤ L.
    /// - Returns: `[Q]` v_t.
    /// - Throws: `InputError` if the counts do not fit together.
    public static func causalVisibleKeys(queryRows: Int, totalKeys: Int, blockStart: Int, blockKeys: Int) throws -> [Int] {
        guard queryRows >= 0, totalKeys >= queryRows, blockStart >= 0, blockKeys >= 0, blockStart <= totalKeys,
              blockKeys <= totalKeys - blockStart else {
            throw InputError(source: "attention", location: "key block",
                             expected: "0 ≤ queries ≤ keys, a block 0 ≤ start ≤ start + length ≤ keys",
                             found: "queries \(queryRows), keys \(totalKeys), block start \(blockStart), length \(blockKeys)")
        }
        let firstPosition = totalKeys - queryRows
        return (0 ..< queryRows).map { t in
            let position = firstPosition + t
            return position < blockStart ? 0 : min(position - blockStart + 1, blockKeys)
        }
    }

    /// Computes the block-local numerators, maxima and sums from one block's scores.
    /// - Parameters:
    ///   - scores: `[Q × heads × n]` fp32 scores as `AttentionScore.block` returns them
    ///     ((t, h, j) at (t·heads + h)·n + j); masked entries may hold anything.
    ///   - queryRows: Q ≥ 0.
    ///   - heads: query heads, ≥ 1.
    ///   - blockKeys: n ≥ 0.
    ///   - visibleKeys: `[Q]` v_t in 0 … n (`causalVisibleKeys` for the causal mask).
    /// - Throws: `InputError` if the shapes do not fit together or a v_t is out of range.
    /// - Complexity: O(Q × heads × n).
    public init(scores: [Float], queryRows: Int, heads: Int, blockKeys: Int, visibleKeys: [Int]) throws {
        guard queryRows >= 0, heads >= 1, blockKeys >= 0 else {
            throw InputError(source: "attention", location: "block softmax", expected: "queries ≥ 0, heads ≥ 1, block keys ≥ 0",
                             found: "queries \(queryRows), heads \(heads), block keys \(blockKeys)")
        }
        let count = try Checked.product([Int64(queryRows), Int64(heads), Int64(blockKeys)], "attention block scores")
        let outOfRange = visibleKeys.first { !(0 ... blockKeys).contains($0) }
        guard scores.count == count, visibleKeys.count == queryRows, outOfRange == nil else {
            throw InputError(source: "attention", location: "block softmax",
                             expected: "\(count) scores ([\(queryRows) × \(heads) × \(blockKeys)]) and \(queryRows) visible-key counts in 0 … \(blockKeys)",
                             found: "\(scores.count) scores, \(visibleKeys.count) visible-key counts" + (outOfRange.map { ", one of them \($0)" } ?? ""))
        }
        var maxima = [Float](repeating: -.infinity, count: queryRows * heads)
        var sums = [Double](repeating: 0, count: queryRows * heads)
        var probabilities = [Double](repeating: 0, count: scores.count)
        for t in 0 ..< queryRows {
            for h in 0 ..< heads {
                let row = t * heads + h, base = row * blockKeys
                let visible = base ..< base + visibleKeys[t]
                var maximum = -Float.infinity
                for j in visible where scores[j] > maximum { maximum = scores[j] }
                var sum: Double = 0
                for j in visible {
                    probabilities[j] = exp(Double(scores[j]) - Double(maximum))
                    sum += probabilities[j]
                }
                maxima[row] = maximum
                sums[row] = sum
            }
        }
        self.queryRows = queryRows
        self.heads = heads
        self.blockKeys = blockKeys
        self.visibleKeys = visibleKeys
        self.maxima = maxima
        self.sums = sums
        self.probabilities = probabilities
    }
}
