import TritCore

/// Per-token int8 activations, the input of a BitLinear: `[tokens × width]` int8 values and one
/// scale per token.
///
/// Quantisation (per-token absmax): s = 127 / max(max|x|, ε) with ε = 1e-5, in fp32;
/// x_q = clamp(round(x × s), −128, 127), round half to even. The real value each int8 stands for
/// is x ≈ x_q / s. Sources: transformers `integrations/bitnet.py` `BitLinear.activation_quant`
/// (Qn = −128, Qp = 127, `clamp(min=1e-5)`) and `ActQuant`; microsoft/BitNet `gpu/model.py`
/// `quant_input` (same formula); BitNet b1.58 (arXiv 2402.17764) §2 (per-token absmax, no zero
/// point); `torch.round` rounds half to even (PyTorch docs). See `docs/reference/bitnet-facts.md` §5.
///
/// Since max|x × s| ≤ 127 up to one rounding, finite inputs never produce −128; the clamp range is
/// the reference code's. An all-zero row gives s = 127 / 1e-5 = 1.27e7 and all-zero values.
public struct QuantizedActivations: Equatable, Sendable {
    /// `[tokens × width]` int8 values.
    public let values: Matrix<Int8>
    /// s per token (`tokens` entries), in int8 steps per unit of activation: x ≈ x_q / s.
    public let scales: [Float]

    /// ε guarding the absmax: 1e-5, as in the reference code.
    public static let absmaxEpsilon: Float = 1e-5

    /// Quantises each row of `x` on its own.
    ///
    /// Non-finite inputs (which only non-finite or overflowing weights can produce) stay total:
    /// NaN is ignored by the absmax and becomes 0; ±∞ clamps to 127 / −128.
    /// - Parameter x: `[tokens × width]` fp32 activations.
    /// - Complexity: O(tokens × width).
    public init(quantizing x: Matrix<Float>) {
        var values = [Int8](repeating: 0, count: x.rows * x.columns)
        var scales = [Float](repeating: 0, count: x.rows)
        let width = x.columns
        x.elements.withUnsafeBufferPointer { input in
            values.withUnsafeMutableBufferPointer { output in
                for row in 0 ..< x.rows {
                    let base = row * width
                    var absmax: Float = 0
                    for i in base ..< base + width where input[i].magnitude > absmax { absmax = input[i].magnitude }
                    let s = 127 / max(absmax, QuantizedActivations.absmaxEpsilon)
                    scales[row] = s
                    for i in base ..< base + width { output[i] = QuantizedActivations.roundClip(input[i] * s) }
                }
            }
        }
        self.values = Matrix(uncheckedRows: x.rows, columns: width, elements: values)
        self.scales = scales
    }

    /// Wraps already-quantised activations (e.g. produced by the chip), for comparisons.
    /// - Throws: `InputError` if `scales.count ≠ values.rows`.
    public init(values: Matrix<Int8>, scales: [Float]) throws {
        guard scales.count == values.rows else {
            throw InputError(source: "quantized activations", location: "scales", expected: "\(values.rows) (one per token)",
                             found: "\(scales.count)")
        }
        self.values = values
        self.scales = scales
    }

    /// clamp(round_half_even(v), −128, 127); NaN → 0.
    static func roundClip(_ v: Float) -> Int8 {
        let r = v.rounded(.toNearestOrEven)
        if r.isNaN { return 0 }
        if r >= 127 { return 127 }
        if r <= -128 { return -128 }
        return Int8(r)
    }
}
