import TritCore

/// Root-mean-square normalisation of each token row, with a learned per-feature weight.
///
/// y[t, i] = (x[t, i] × r[t]) × g[i], r[t] = 1 / sqrt(mean_i x[t, i]² + ε), all in fp32, the sum of
/// squares accumulated in feature order. Source: transformers `LlamaRMSNorm` (BitNet's
/// `BitNetRMSNorm` is the same class): `hidden_states * torch.rsqrt(variance + eps)`, then
/// `weight * …`; no bias, no mean subtraction. If mean + ε is 0 (an all-zero row with ε = 0) the
/// row maps to zeros instead of NaN.
public enum RMSNorm {
    /// Normalises every row of `x`.
    /// - Parameters:
    ///   - x: `[tokens × width]` fp32.
    ///   - weight: g, `width` fp32 values.
    ///   - epsilon: ε (the config's `rms_norm_eps`).
    /// - Returns: `[tokens × width]` fp32.
    /// - Throws: `InputError` if `weight.count ≠ width`.
    /// - Complexity: O(tokens × width).
    public static func apply(_ x: Matrix<Float>, weight: [Float], epsilon: Float) throws -> Matrix<Float> {
        let width = x.columns
        guard weight.count == width else {
            throw InputError(source: "RMSNorm", location: "weight", expected: "\(width) elements", found: "\(weight.count)")
        }
        var output = [Float](repeating: 0, count: x.elements.count)
        x.elements.withUnsafeBufferPointer { input in
            weight.withUnsafeBufferPointer { g in
                output.withUnsafeMutableBufferPointer { y in
                    for row in 0 ..< x.rows {
                        let base = row * width
                        var sumOfSquares: Float = 0
                        for i in 0 ..< width { sumOfSquares += input[base + i] * input[base + i] }
                        let denominator = (sumOfSquares / Float(width) + epsilon).squareRoot()
                        let r: Float = denominator > 0 ? 1 / denominator : 0
                        for i in 0 ..< width { y[base + i] = (input[base + i] * r) * g[i] }
                    }
                }
            }
        }
        return Matrix(uncheckedRows: x.rows, columns: width, elements: output)
    }
}
