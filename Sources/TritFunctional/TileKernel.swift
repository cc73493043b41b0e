import TritCore

/// What one ternary-array instruction computes on one weight tile: int8 activations × trits, summed
/// exactly into int32 accumulators.
///
/// The tile is `rows × columns` trits: its rows are input features (a block of the layer's input
/// width), its columns output features. For every token t and column c:
/// acc[t][c] = (accumulate ? acc[t][c] : 0) + Σ_r input[t][r] × w[c][r].
///
/// Exactness: one tile's sum has |Σ| ≤ 128 × rows (|int8| ≤ 128, |trit| ≤ 1), and the sums of a
/// layer's row blocks add up to the layer's sum, |acc| ≤ 128 × in features, which fits `Int32` for
/// in ≤ `maximumRows` (the bound of `BitLinear.maximumInFeatures` in TritReference). The additions
/// wrap (`&+`), which is addition modulo 2³² and so associative: whenever the layer's true sum fits
/// `Int32` the result is that sum exactly, whatever the order of tiles and row blocks.
public enum TileKernel {
    /// The largest `rows` whose tile sums provably fit `Int32`: 128 × rows ≤ 2³¹ − 1.
    public static let maximumRows = Int(Int32.max) / 128

    /// Multiplies a block of tokens by one tile and writes or adds the sums.
    /// - Parameters:
    ///   - trits: the tile's `rows × columns` trits in column order (trit k is row k % rows of
    ///     column k / rows, as `TilePacking` lists them), each −1, 0 or +1.
    ///   - rows: input features in the tile, 0 … `maximumRows`.
    ///   - columns: output features in the tile, ≥ 0.
    ///   - input: `[tokens × rows]` int8 activations, row-major (token t's values at t × rows).
    ///   - tokens: tokens in the block, ≥ 0.
    ///   - accumulator: `[tokens × columns]` int32 sums, row-major; overwritten, or added to when
    ///     `accumulate` is true (the tile is not the first row block of its columns).
    ///   - accumulate: whether to add to `accumulator` rather than overwrite it.
    /// - Throws: `InputError` (source `ternary tile kernel`) for a negative size, `rows` above
    ///   `maximumRows`, an array whose count is not its shape's product, or a value in `trits`
    ///   that is not a trit (naming its index); `accumulator` is then unchanged.
    /// - Complexity: O(tokens × rows × columns).
    public static func run(trits: [Int8], rows: Int, columns: Int, input: [Int8], tokens: Int,
                           accumulator: inout [Int32], accumulate: Bool) throws {
        func fail(_ location: String, _ expected: String, _ found: String) -> InputError {
            InputError(source: "ternary tile kernel", location: location, expected: expected, found: found)
        }
        guard rows >= 0, columns >= 0, tokens >= 0 else {
            throw fail("shape", "sizes ≥ 0", "rows \(rows), columns \(columns), tokens \(tokens)")
        }
        guard rows <= maximumRows else { throw fail("rows", "≤ \(maximumRows) (int32 sums)", "\(rows)") }
        try checkCount(trits.count, rows, columns, "trits", "rows × columns", fail)
        try checkCount(input.count, tokens, rows, "input", "tokens × rows", fail)
        try checkCount(accumulator.count, tokens, columns, "accumulator", "tokens × columns", fail)
        if let index = trits.firstIndex(where: { $0 < -1 || $0 > 1 }) {
            throw fail("trit \(index)", "−1, 0 or +1", "\(trits[index])")
        }
        // Pointer loops with wrapping arithmetic (exact, see the type's comment): the indexed form
        // is several times slower in debug builds, where the tests run.
        trits.withUnsafeBufferPointer { tritElements in
            input.withUnsafeBufferPointer { inputElements in
                accumulator.withUnsafeMutableBufferPointer { sumElements in
                    // Base pointers (sizes checked above): a buffer pointer's subscript checks
                    // bounds on every access in debug builds.
                    guard let tritBuffer = tritElements.baseAddress, let inputBuffer = inputElements.baseAddress,
                          let sums = sumElements.baseAddress else { return }
                    for t in 0 ..< tokens {
                        let rowBase = t * rows
                        for c in 0 ..< columns {
                            let columnBase = c * rows
                            var sum: Int32 = accumulate ? sums[t * columns + c] : 0
                            var r = 0
                            while r < rows {
                                sum &+= Int32(truncatingIfNeeded: inputBuffer[rowBase + r])
                                    &* Int32(truncatingIfNeeded: tritBuffer[columnBase + r])
                                r &+= 1
                            }
                            sums[t * columns + c] = sum
                        }
                    }
                }
            }
        }
    }

    /// Throws unless `count == a × b` (and the product does not overflow).
    private static func checkCount(_ count: Int, _ a: Int, _ b: Int, _ name: String, _ shape: String,
                                   _ fail: (String, String, String) -> InputError) throws {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        guard !overflow, count == product else {
            let expected = overflow ? "\(shape) = \(a) × \(b) (overflows Int)" : "\(shape) = \(a) × \(b) = \(product) elements"
            throw fail(name, expected, "\(count)")
        }
    }
}
