import Foundation
import TritCore
import TritReference

/// One seeded attention problem (queries, keys, values after RoPE) and the ways to solve it that the
/// online-softmax tests compare: the reference, blocked with an online softmax, and plain fp32.
struct AttentionProblem: CustomStringConvertible, Sendable {
    let name: String
    /// S, this step's query rows.
    let queryRows: Int
    /// L ≥ S, all keys (L − S cached before this step).
    let totalKeys: Int
    let heads: Int
    let kvHeads: Int
    let headDim: Int
    let queries: Matrix<Float>
    let keys: Matrix<Float>
    let values: Matrix<Float>

    var description: String { name }

    /// Half-width of the uniform range of query and key elements: with d = 16 and scaling ¼ the
    /// scores spread over several units, so block maxima differ and later blocks raise the maximum.
    static let queryKeyRange: Float = 3
    /// Half-width of the uniform range of value elements.
    static let valueRange: Float = 1

    /// A problem over the given matrices (`[S × heads·d]` queries, `[L × kvHeads·d]` keys and values).
    init(_ name: String, heads: Int, kvHeads: Int, headDim: Int, queries: Matrix<Float>, keys: Matrix<Float>, values: Matrix<Float>) {
        self.name = name
        queryRows = queries.rows
        totalKeys = keys.rows
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.queries = queries
        self.keys = keys
        self.values = values
    }

    /// Queries, keys and values uniform in ±`queryKeyRange` (±`valueRange` for values) from `seed`.
    init(_ name: String, queryRows: Int, totalKeys: Int, heads: Int, kvHeads: Int, headDim: Int, seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        func draw(_ rows: Int, _ columns: Int, _ range: Float) throws -> Matrix<Float> {
            try Matrix(rows: rows, columns: columns, elements: (0 ..< rows * columns).map { _ in random.nextFloat(from: -range, to: range) })
        }
        self.init(name, heads: heads, kvHeads: kvHeads, headDim: headDim,
                  queries: try draw(queryRows, heads * headDim, Self.queryKeyRange),
                  keys: try draw(totalKeys, kvHeads * headDim, Self.queryKeyRange),
                  values: try draw(totalKeys, kvHeads * headDim, Self.valueRange))
    }

    /// A decode step of one head: one query row and the given key and value rows, d elements each.
    static func oneHead(query: [Float], keys: [Float], values: [Float]) throws -> AttentionProblem {
        let headDim = query.count
        return AttentionProblem("one head", heads: 1, kvHeads: 1, headDim: headDim,
                                queries: try Matrix(rows: 1, columns: headDim, elements: query),
                                keys: try Matrix(rows: keys.count / headDim, columns: headDim, elements: keys),
                                values: try Matrix(rows: values.count / headDim, columns: headDim, elements: values))
    }

    /// Prefill and decode, GQA (4 query heads on 1 KV head) and MHA.
    static func all() throws -> [AttentionProblem] {
        [
            try AttentionProblem("prefill GQA 4/1, 7 queries after 12 cached keys", queryRows: 7, totalKeys: 19, heads: 4, kvHeads: 1, headDim: 16, seed: 1),
            try AttentionProblem("decode GQA 4/1, 1 query over 64 keys", queryRows: 1, totalKeys: 64, heads: 4, kvHeads: 1, headDim: 16, seed: 2),
            try AttentionProblem("prefill MHA 3/3, 6 queries after 9 cached keys", queryRows: 6, totalKeys: 15, heads: 3, kvHeads: 3, headDim: 16, seed: 3),
            try AttentionProblem("decode MHA 2/2, 1 query over 50 keys", queryRows: 1, totalKeys: 50, heads: 2, kvHeads: 2, headDim: 16, seed: 4),
            try AttentionProblem("prefill without cache, GQA 4/2, 9 queries", queryRows: 9, totalKeys: 9, heads: 4, kvHeads: 2, headDim: 8, seed: 5),
        ]
    }

    /// `CausalAttention.apply` on the problem.
    func reference() throws -> Matrix<Float> {
        try CausalAttention.apply(queries: queries, keys: keys, values: values, heads: heads, kvHeads: kvHeads, headDim: headDim)
    }

    /// Blocked attention: the keys in contiguous blocks of `blockLengths` (summing to L), in key
    /// order, each through `AttentionScore.block`, the causal mask and `OnlineSoftmaxState.consume`.
    func blocked(_ blockLengths: [Int]) throws -> Matrix<Float> {
        var state = try OnlineSoftmaxState(queries: queryRows, heads: heads, headDim: headDim)
        var start = 0
        for length in blockLengths {
            let scores = try AttentionScore.block(queries: queries, keys: rows(keys, start, length),
                                                  heads: heads, kvHeads: kvHeads, headDim: headDim)
            let visible = try BlockSoftmax.causalVisibleKeys(queryRows: queryRows, totalKeys: totalKeys, blockStart: start, blockKeys: length)
            try state.consume(scores: scores, values: rows(values, start, length), visibleKeys: visible, kvHeads: kvHeads)
            start += length
        }
        return state.finish()
    }

    /// Plain fp32 attention (fp32 exp, probabilities normalised before weighting), independent of
    /// the code under test: the reference and the blocked result must stay close to it.
    func plainFP32() -> [Float] {
        let groupSize = heads / kvHeads, scaling = Float(1 / Double(headDim).squareRoot())
        var output = [Float](repeating: 0, count: queryRows * heads * headDim)
        for t in 0 ..< queryRows {
            let visible = totalKeys - queryRows + t + 1
            for h in 0 ..< heads {
                let g = h / groupSize
                let scores = (0 ..< visible).map { j in
                    (0 ..< headDim).reduce(Float(0)) { $0 + queries[t, h * headDim + $1] * keys[j, g * headDim + $1] } * scaling
                }
                let maximum = scores.max() ?? 0
                let exps = scores.map { Foundation.exp($0 - maximum) }
                let sum = exps.reduce(0, +)
                for j in 0 ..< visible {
                    for d in 0 ..< headDim { output[(t * heads + h) * headDim + d] += exps[j] / sum * values[j, g * headDim + d] }
                }
            }
        }
        return output
    }

    /// Rows `start ..< start + count` of `matrix`.
    func rows(_ matrix: Matrix<Float>, _ start: Int, _ count: Int) throws -> Matrix<Float> {
        try Matrix(rows: count, columns: matrix.columns, elements: Array(matrix.elements[start * matrix.columns ..< (start + count) * matrix.columns]))
    }
}

/// Partitions of L keys into contiguous blocks (lengths ≥ 1 summing to L).
enum KeyPartitions {
    /// Number of random partitions per problem.
    static let randomCount = 6
    /// Longest block a random partition draws (the last block may be shorter).
    static let longestRandomBlock = 9

    /// One block; blocks of one key; `randomCount` seeded random partitions.
    static func all(keys: Int, seed: UInt64) -> [[Int]] {
        var random = SplitMix64(seed: seed)
        let randomPartitions = (0 ..< randomCount).map { _ in
            var lengths: [Int] = []
            var remaining = keys
            while remaining > 0 {
                let length = min(Int(random.next() % UInt64(longestRandomBlock)) + 1, remaining)
                lengths.append(length)
                remaining -= length
            }
            return lengths
        }
        return [[keys], Array(repeating: 1, count: keys)] + randomPartitions
    }
}
