import TritCore

/// What one BitLinear computed for a block of tokens: the exact integer sums and the dequantised
/// fp32 outputs. The integer sums are what the chip's ternary arrays must reproduce bit for bit.
public struct BitLinearTrace: Equatable, Sendable {
    /// `[tokens × outFeatures]` exact sums acc[t, o] = Σ_i x_q[t, i] × W̃[o, i].
    public let accumulators: Matrix<Int32>
    /// `[tokens × outFeatures]` fp32 outputs y[t, o] = Float(acc[t, o]) × (γ / s[t]).
    public let output: Matrix<Float>

    /// Wraps sums and outputs of the same `[tokens × out]` shape (e.g. produced by the chip).
    public init(accumulators: Matrix<Int32>, output: Matrix<Float>) {
        self.accumulators = accumulators
        self.output = output
    }
}

/// The ternary linear layer of BitNet b1.58: int8 activations × ternary weights with int32
/// accumulation, then one multiply per output to dequantise. No bias (2B4T has none).
///
/// Source: BitNet b1.58 (arXiv 2402.17764) §2; transformers `integrations/bitnet.py` `BitLinear`
/// (`F.linear(input_quant, w_quant)`, then divide by both scales); DESIGN.md §1 ("one multiply by
/// γ/s per output dequantises it").
public enum BitLinear {
    /// The largest input width whose sums provably fit `Int32`: |acc| ≤ 128 × in ≤ 2³¹ − 1.
    public static let maximumInFeatures = Int(Int32.max) / 128

    /// Exact integer sums acc[t, o] = Σ_i x_q[t, i] × W̃[o, i], i in input order.
    ///
    /// Each term is an add, a subtract or a skip of an int8 value; the sum is exact (no rounding,
    /// no overflow: |acc| ≤ 128 × in ≤ `Int32.max` by `maximumInFeatures`), so its order does not matter.
    /// - Parameters:
    ///   - x: `[tokens × in]` int8 activations.
    ///   - weights: `[out × in]` trits.
    /// - Returns: `[tokens × out]` sums.
    /// - Throws: `InputError` if the widths differ or `in > maximumInFeatures`.
    /// - Complexity: O(tokens × in × out).
    public static func accumulate(_ x: QuantizedActivations, _ weights: TernaryMatrix) throws -> Matrix<Int32> {
        let width = weights.inFeatures
        guard x.values.columns == width else {
            throw InputError(source: "BitLinear", location: "input width", expected: "\(width) (the weights' in features)",
                             found: "\(x.values.columns)")
        }
        guard width <= maximumInFeatures else {
            throw InputError(source: "BitLinear", location: "in features", expected: "≤ \(maximumInFeatures) (int32 sums)",
                             found: "\(width)")
        }
        let tokens = x.values.rows, outputs = weights.outFeatures
        var sums = [Int32](repeating: 0, count: tokens * outputs)
        // Pointer loops with wrapping arithmetic (no overflow is possible, see above): the plain
        // indexed form is ~10× slower in debug builds, where the tests run.
        x.values.elements.withUnsafeBufferPointer { activationBuffer in
            weights.trits.elements.withUnsafeBufferPointer { tritBuffer in
                sums.withUnsafeMutableBufferPointer { resultBuffer in
                    guard let activations = activationBuffer.baseAddress, let trits = tritBuffer.baseAddress,
                          let result = resultBuffer.baseAddress else { return }
                    for t in 0 ..< tokens {
                        let row = activations + t * width
                        for o in 0 ..< outputs {
                            let weightRow = trits + o * width
                            var acc: Int32 = 0
                            var i = 0
                            while i < width {
                                acc &+= Int32(truncatingIfNeeded: row[i]) &* Int32(truncatingIfNeeded: weightRow[i])
                                i &+= 1
                            }
                            result[t * outputs + o] = acc
                        }
                    }
                }
            }
        }
        return Matrix(uncheckedRows: tokens, columns: outputs, elements: sums)
    }

    /// The per-token dequantisation factor γ / s, computed once per token row in fp32.
    /// - Parameters:
    ///   - weightScale: γ of the weights.
    ///   - activationScale: s of the token (int8 steps per unit).
    public static func dequantizationFactor(weightScale: Float, activationScale: Float) -> Float {
        weightScale / activationScale
    }

    /// Quantised matrix product and dequantisation: y[t, o] = Float(acc[t, o]) × (γ / s[t]), fp32.
    ///
    /// `Float(acc)` is exact for |acc| ≤ 2²⁴ (every layer with in ≤ 131,072 features).
    /// - Parameters:
    ///   - x: `[tokens × in]` int8 activations with per-token scales.
    ///   - weights: `[out × in]` trits and γ.
    /// - Returns: the `[tokens × out]` sums and outputs.
    /// - Throws: `InputError` as `accumulate` does.
    public static func apply(_ x: QuantizedActivations, _ weights: TernaryMatrix) throws -> BitLinearTrace {
        let sums = try accumulate(x, weights)
        var output = [Float](repeating: 0, count: sums.elements.count)
        for t in 0 ..< sums.rows {
            let factor = dequantizationFactor(weightScale: weights.scale, activationScale: x.scales[t])
            for o in 0 ..< sums.columns {
                output[t * sums.columns + o] = Float(sums[t, o]) * factor
            }
        }
        return BitLinearTrace(accumulators: sums,
                              output: Matrix(uncheckedRows: sums.rows, columns: sums.columns, elements: output))
    }
}
