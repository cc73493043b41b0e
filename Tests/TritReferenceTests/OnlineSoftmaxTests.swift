import Foundation
import Testing
import TritCore
import TritReference

@Suite struct OnlineSoftmaxTests {
    /// Largest absolute difference allowed between a Double-softmax result and plain fp32 attention
    /// (outputs are within ±1; fp32 rounding is ~1e-7). A wrong rescaling misses it by far.
    static let fp32Tolerance: Float = 1e-5

    /// Every partition of the keys into contiguous blocks (one block, blocks of one key, random
    /// lengths) gives the reference's output bit for bit, and both stay close to plain fp32.
    @Test(arguments: try AttentionProblem.all())
    func everyPartitionGivesTheReferenceBitForBit(_ problem: AttentionProblem) throws {
        let reference = try problem.reference()
        Self.expectClose(reference.elements, problem.plainFP32(), "reference")
        for (index, partition) in KeyPartitions.all(keys: problem.totalKeys, seed: UInt64(problem.totalKeys)).enumerated() {
            let blocked = try problem.blocked(partition)
            let differing = zip(blocked.elements, reference.elements).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(blocked.rows == reference.rows && blocked.columns == reference.columns)
            #expect(differing == 0, "partition \(index) \(partition): \(differing) of \(reference.elements.count) outputs differ")
        }
    }

    /// The maximum grows in the later block (small scores first, large after), or shrinks (large
    /// first): both rescalings are exercised, and the result is the reference's and close to fp32.
    @Test(arguments: [false, true])
    func aMaximumThatMovesBetweenBlocksIsRescaled(largeFirst: Bool) throws {
        let headDim = 4, blockLength = 3
        var random = SplitMix64(seed: 7)
        let small = (0 ..< blockLength * headDim).map { _ in random.nextFloat(from: -0.1, to: 0.1) }
        let large = (0 ..< blockLength * headDim).map { _ in random.nextFloat(from: 2, to: 4) }
        let problem = try AttentionProblem.oneHead(
            query: Array(repeating: 1, count: headDim), keys: largeFirst ? large + small : small + large,
            values: (0 ..< 2 * blockLength * headDim).map { _ in random.nextFloat(from: -1, to: 1) })

        var state = try OnlineSoftmaxState(queries: 1, heads: 1, headDim: headDim)
        var maxima: [Float] = []
        for start in [0, blockLength] {
            let scores = try AttentionScore.block(queries: problem.queries, keys: problem.rows(problem.keys, start, blockLength),
                                                  heads: 1, kvHeads: 1, headDim: headDim)
            try state.consume(scores: scores, values: problem.rows(problem.values, start, blockLength),
                              visibleKeys: [blockLength], kvHeads: 1)
            maxima.append(state.maxima[0])
        }
        let reference = try problem.reference()
        #expect(largeFirst ? maxima[1] == maxima[0] : maxima[1] > maxima[0] + 1, "maxima after each block: \(maxima)")
        #expect(state.finish().elements.map(\.bitPattern) == reference.elements.map(\.bitPattern))
        Self.expectClose(state.finish().elements, problem.plainFP32(), "blocked")
    }

    /// A block a query row cannot see (its keys all come after the row's position) leaves that row's
    /// running maximum, sum and output untouched, and a block no row sees leaves the whole state.
    @Test func aFullyMaskedBlockLeavesTheStateUnchanged() throws {
        let problem = try AttentionProblem("prefill", queryRows: 4, totalKeys: 8, heads: 2, kvHeads: 1, headDim: 4, seed: 9)
        var state = try OnlineSoftmaxState(queries: 4, heads: 2, headDim: 4)
        func consume(start: Int, length: Int, visibleKeys: [Int]? = nil) throws {
            let scores = try AttentionScore.block(queries: problem.queries, keys: problem.rows(problem.keys, start, length),
                                                  heads: 2, kvHeads: 1, headDim: 4)
            let causal = try BlockSoftmax.causalVisibleKeys(queryRows: 4, totalKeys: 8, blockStart: start, blockKeys: length)
            try state.consume(scores: scores, values: problem.rows(problem.values, start, length),
                              visibleKeys: visibleKeys ?? causal, kvHeads: 1)
        }
        try consume(start: 0, length: 5)
        let before = state
        try consume(start: 5, length: 1, visibleKeys: [0, 0, 0, 0])
        #expect(state == before)
        try consume(start: 5, length: 3)  // row 0 (position 4) sees none of keys 5 … 7; rows 1 … 3 see 1, 2, 3
        let rowZero = 0 ..< 2, rowZeroOutputs = 0 ..< 2 * 4
        #expect(state.maxima[rowZero] == before.maxima[rowZero])
        #expect(state.sums[rowZero] == before.sums[rowZero])
        #expect(state.accumulators[rowZeroOutputs] == before.accumulators[rowZeroOutputs])
        #expect(state.sums[2 ..< 8] != before.sums[2 ..< 8])
    }

    /// Row t of Q = 3 queries over L = 5 keys sits at position 2 + t: of keys 2 … 3 it sees 1, 2, 2;
    /// of key 4 alone 0, 0, 1.
    @Test func causalVisibilityCountsKeysUpToTheRowsPosition() throws {
        #expect(try BlockSoftmax.causalVisibleKeys(queryRows: 3, totalKeys: 5, blockStart: 2, blockKeys: 2) == [1, 2, 2])
        #expect(try BlockSoftmax.causalVisibleKeys(queryRows: 3, totalKeys: 5, blockStart: 4, blockKeys: 1) == [0, 0, 1])
        #expect(try BlockSoftmax.causalVisibleKeys(queryRows: 3, totalKeys: 5, blockStart: 0, blockKeys: 2) == [2, 2, 2])
    }

    /// Scores [1, 3, 2, 99] with 3 keys visible: m_b = 3, p = [e⁻², 1, e⁻¹, 0] (the masked 99 is
    /// never read), l_b = their sum.
    @Test func blockSoftmaxByHand() throws {
        let block = try BlockSoftmax(scores: [1, 3, 2, 99], queryRows: 1, heads: 1, blockKeys: 4, visibleKeys: [3])
        #expect(block.maxima == [3])
        #expect(block.probabilities == [exp(-2.0), 1, exp(-1.0), 0])
        #expect(block.sums == [exp(-2.0) + 1 + exp(-1.0)])
    }

    @Test func rejectsShapesThatDoNotFit() throws {
        #expect(throws: InputError.self) { try OnlineSoftmaxState(queries: 1, heads: 0, headDim: 4) }
        #expect(throws: InputError.self) { try OnlineSoftmaxState(queries: -1, heads: 1, headDim: 4) }
        #expect(throws: InputError.self) { try BlockSoftmax.causalVisibleKeys(queryRows: 2, totalKeys: 4, blockStart: 3, blockKeys: 2) }
        #expect(throws: InputError.self) { try BlockSoftmax.causalVisibleKeys(queryRows: 5, totalKeys: 4, blockStart: 0, blockKeys: 1) }
        #expect(throws: InputError.self) { try BlockSoftmax(scores: [1, 2], queryRows: 1, heads: 1, blockKeys: 2, visibleKeys: [3]) }
        #expect(throws: InputError.self) { try BlockSoftmax(scores: [1, 2, 3], queryRows: 1, heads: 1, blockKeys: 2, visibleKeys: [2]) }

        var state = try OnlineSoftmaxState(queries: 1, heads: 2, headDim: 2)
        let before = state
        let values = try Matrix<Float>(rows: 1, columns: 2, elements: [1, 2])
        #expect(throws: InputError.self) { try state.consume(scores: [0, 0], values: values, visibleKeys: [1], kvHeads: 2) }
        #expect(throws: InputError.self) { try state.consume(scores: [0], values: values, visibleKeys: [1], kvHeads: 1) }
        #expect(state == before)
    }

    /// Expects |actual − expected| ≤ `fp32Tolerance` element by element.
    static func expectClose(_ actual: [Float], _ expected: [Float], _ what: String) {
        let worst = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(actual.count == expected.count)
        #expect(worst <= fp32Tolerance, "\(what): largest difference to plain fp32 \(worst)")
    }
}
