import Testing
import TritChip
import TritCore
import TritFunctional
import TritReference

/// The ternary tile kernel: against a naive triple loop, and against TritReference's `BitLinear`
/// when a whole layer is cut into packed tiles, including ragged edges and row-block accumulation.
@Suite struct TileKernelTests {
    private func randomTrits(_ count: Int, _ rng: inout SplitMix64) -> [Int8] {
        (0 ..< count).map { _ in Int8(truncatingIfNeeded: Int(rng.next() % 3)) - 1 }
    }

    /// Full int8 range, −128 included.
    private func randomInt8s(_ count: Int, _ rng: inout SplitMix64) -> [Int8] {
        (0 ..< count).map { _ in Int8(truncatingIfNeeded: rng.next()) }
    }

    /// acc[t][c] (+)= Σ_r input[t][r] × trits[c × rows + r], in Int (no overflow possible here).
    private func naive(trits: [Int8], rows: Int, columns: Int, input: [Int8], tokens: Int,
                       accumulator: [Int32], accumulate: Bool) -> [Int32] {
        var result = accumulator
        for t in 0 ..< tokens {
            for c in 0 ..< columns {
                var sum = accumulate ? Int(accumulator[t * columns + c]) : 0
                for r in 0 ..< rows { sum += Int(input[t * rows + r]) * Int(trits[c * rows + r]) }
                result[t * columns + c] = Int32(sum)
            }
        }
        return result
    }

    /// 1 token, a 2-row × 3-column tile; columns (1, −1), (0, 1), (−1, −1); input (100, −128):
    /// 100 + 128 = 228; −128; −100 + 128 = 28. Accumulating onto (1, 2, 3) adds them.
    @Test func handComputedTile() throws {
        var acc: [Int32] = [1, 2, 3]
        try TileKernel.run(trits: [1, -1, 0, 1, -1, -1], rows: 2, columns: 3, input: [100, -128], tokens: 1,
                           accumulator: &acc, accumulate: false)
        #expect(acc == [228, -128, 28])
        acc = [1, 2, 3]
        try TileKernel.run(trits: [1, -1, 0, 1, -1, -1], rows: 2, columns: 3, input: [100, -128], tokens: 1,
                           accumulator: &acc, accumulate: true)
        #expect(acc == [229, -126, 31])
    }

    @Test func equalsANaiveTripleLoop() throws {
        var rng = SplitMix64(seed: 11)
        for (rows, columns, tokens) in [(0, 3, 2), (3, 0, 2), (5, 4, 0), (1, 1, 1), (7, 5, 3), (128, 128, 4), (37, 91, 5)] {
            let trits = randomTrits(rows * columns, &rng), input = randomInt8s(tokens * rows, &rng)
            let start = (0 ..< tokens * columns).map { _ in Int32(truncatingIfNeeded: rng.next() % 100_000) - 50_000 }
            for accumulate in [false, true] {
                var acc = start
                try TileKernel.run(trits: trits, rows: rows, columns: columns, input: input, tokens: tokens,
                                   accumulator: &acc, accumulate: accumulate)
                #expect(acc == naive(trits: trits, rows: rows, columns: columns, input: input, tokens: tokens,
                                     accumulator: start, accumulate: accumulate), "\(rows)×\(columns)×\(tokens) \(accumulate)")
            }
        }
    }

    /// A [out 200 × in 300] layer cut into 128 × 128 tiles (ragged: 128 + 128 + 44 rows, 128 + 72
    /// columns), each tile packed and unpacked in every format, run over its row blocks with
    /// `accumulate` after the first: the sums equal `BitLinear.accumulate` exactly.
    @Test(arguments: WeightFormat.allCases)
    func tiledLayerEqualsBitLinear(format: WeightFormat) throws {
        let inFeatures = 300, outFeatures = 200, tokens = 7, tile = 128
        var rng = SplitMix64(seed: 0xB17 + UInt64(format.rawValue.count))
        let weights = randomTrits(outFeatures * inFeatures, &rng)  // [out × in], row-major
        var x = randomInt8s(tokens * inFeatures, &rng)
        x[0] = -128
        let reference = try BitLinear.accumulate(
            QuantizedActivations(values: Matrix(rows: tokens, columns: inFeatures, elements: x),
                                 scales: [Float](repeating: 1, count: tokens)),
            TernaryMatrix(trits: Matrix(rows: outFeatures, columns: inFeatures, elements: weights), scale: 1))

        var output = [Int32](repeating: 0, count: tokens * outFeatures)
        var tilesRun = 0
        for c0 in stride(from: 0, to: outFeatures, by: tile) {
            let columns = min(tile, outFeatures - c0)
            var acc = [Int32](repeating: 999, count: tokens * columns)  // overwritten by the first row block
            for r0 in stride(from: 0, to: inFeatures, by: tile) {
                let rows = min(tile, inFeatures - r0)
                // The tile column by column: trit k = c × rows + r is W[c0 + c][r0 + r].
                var trits: [Int8] = []
                for c in 0 ..< columns { for r in 0 ..< rows { trits.append(weights[(c0 + c) * inFeatures + r0 + r]) } }
                let packed = try TilePacking.pack(trits, format: format)
                #expect(Int64(packed.count) == format.packedTileBytes(weights: Int64(rows * columns)))
                let unpacked = try TilePacking.unpack(packed, count: rows * columns, format: format, source: "tile (\(r0), \(c0))")
                var input: [Int8] = []
                for t in 0 ..< tokens { input += x[t * inFeatures + r0 ..< t * inFeatures + r0 + rows] }
                try TileKernel.run(trits: unpacked, rows: rows, columns: columns, input: input, tokens: tokens,
                                   accumulator: &acc, accumulate: r0 > 0)
                tilesRun += 1
            }
            for t in 0 ..< tokens {
                for c in 0 ..< columns { output[t * outFeatures + c0 + c] = acc[t * columns + c] }
            }
        }
        #expect(tilesRun == 6)
        #expect(output == reference.elements)
    }

    /// The extreme sums stay exact: −128 × −1 over 128 rows = 16,384 per tile, accumulated over 3 row blocks.
    @Test func extremeValuesAccumulateExactly() throws {
        var acc: [Int32] = [0, 0]
        for block in 0 ..< 3 {
            try TileKernel.run(trits: [Int8](repeating: -1, count: 256), rows: 128, columns: 2,
                               input: [Int8](repeating: -128, count: 128), tokens: 1, accumulator: &acc, accumulate: block > 0)
        }
        #expect(acc == [49_152, 49_152])
    }

    /// Wrapping addition is addition modulo 2³²: a partial sum may pass `Int32.max` and come back,
    /// and the result is the exact total whenever that fits.
    @Test func wrappingPartialSumsComeBackExactly() throws {
        var acc: [Int32] = [Int32.max]
        try TileKernel.run(trits: [1], rows: 1, columns: 1, input: [100], tokens: 1, accumulator: &acc, accumulate: true)
        #expect(acc == [Int32.min + 99])
        try TileKernel.run(trits: [-1], rows: 1, columns: 1, input: [100], tokens: 1, accumulator: &acc, accumulate: true)
        #expect(acc == [Int32.max])
    }

    private func message(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch let error as InputError {
            return error.description
        } catch {
            return "not an InputError: \(error)"
        }
    }

    @Test func mismatchedSizesAndNonTritsAreRefusedLeavingTheAccumulator() {
        var acc: [Int32] = [5, 6]
        #expect(message { try TileKernel.run(trits: [1, 0, 1], rows: 2, columns: 2, input: [1, 2], tokens: 1, accumulator: &acc, accumulate: false) }
            == "ternary tile kernel: trits: expected rows × columns = 2 × 2 = 4 elements, found 3")
        #expect(message { try TileKernel.run(trits: [1, 0, 1, 0], rows: 2, columns: 2, input: [1], tokens: 1, accumulator: &acc, accumulate: false) }
            == "ternary tile kernel: input: expected tokens × rows = 1 × 2 = 2 elements, found 1")
        #expect(message { try TileKernel.run(trits: [1, 0, 1, 0], rows: 2, columns: 2, input: [1, 2, 3, 4], tokens: 2, accumulator: &acc, accumulate: false) }
            == "ternary tile kernel: accumulator: expected tokens × columns = 2 × 2 = 4 elements, found 2")
        #expect(message { try TileKernel.run(trits: [1, 0, 2, 0], rows: 2, columns: 2, input: [1, 2], tokens: 1, accumulator: &acc, accumulate: false) }
            == "ternary tile kernel: trit 2: expected −1, 0 or +1, found 2")
        #expect(message { try TileKernel.run(trits: [], rows: -1, columns: 0, input: [], tokens: 0, accumulator: &acc, accumulate: false) }
            == "ternary tile kernel: shape: expected sizes ≥ 0, found rows -1, columns 0, tokens 0")
        #expect(message { try TileKernel.run(trits: [], rows: TileKernel.maximumRows + 1, columns: 0, input: [], tokens: 0, accumulator: &acc, accumulate: false) }
            == "ternary tile kernel: rows: expected ≤ 16777215 (int32 sums), found 16777216")
        #expect(message { try TileKernel.run(trits: [], rows: 1 << 20, columns: 1 << 50, input: [], tokens: 0, accumulator: &acc, accumulate: false) }
            == "ternary tile kernel: trits: expected rows × columns = 1048576 × 1125899906842624 (overflows Int), found 0")
        #expect(acc == [5, 6])
        #expect(TileKernel.maximumRows == BitLinear.maximumInFeatures)
    }
}
