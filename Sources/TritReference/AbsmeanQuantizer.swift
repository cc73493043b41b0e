import TritCore

/// How the absmean weight quantiser keeps the divisor away from zero. The two published forms
/// differ only in where ε goes, which can flip a weight that sits exactly on a rounding boundary.
public enum AbsmeanEpsilon: String, CaseIterable, Sendable {
    /// The reference code: γ = max(mean|W|, ε), W̃ = RoundClip(W × (1/γ), −1, 1), scale γ.
    /// Source: transformers `integrations/bitnet.py` `WeightQuant`
    /// (`s = 1.0 / x.abs().mean().clamp_(min=1e-5)`, `(x * s).round().clamp(-1, 1)`); microsoft/BitNet
    /// `gpu/convert_checkpoint.py` stores `weight_scale = 1/s` (bitnet-facts.md §1d, §5).
    case clampedScale
    /// The paper: γ = mean|W|, W̃ = RoundClip(W / (γ + ε), −1, 1), scale γ.
    /// Source: BitNet b1.58 (arXiv 2402.17764) eq. 1–3. The paper gives no value for ε; 1e-5 (the
    /// code's) is used.
    case addedToScale
}

extension TernaryMatrix {
    /// ε of the absmean quantiser: 1e-5, as in the reference code (see `AbsmeanEpsilon`).
    public static let absmeanEpsilon: Float = 1e-5

    /// Quantises fp32 master weights to trits with one absmean scale per tensor.
    ///
    /// γ = mean|W| over all `out × in` elements, summed in `Double` in row-major order and rounded
    /// once to `Float` (torch sums in fp32, so γ can differ from torch's in the last bit). Then, per
    /// `epsilon`, each weight is divided by the guarded γ in fp32 and rounded half to even — the
    /// rounding of `torch.round` ("round half to even", PyTorch docs), so W/γ = 0.5 gives 0 and
    /// 1.5 gives 2, clipped to 1 — and clipped to [−1, 1]. An all-zero tensor gives all-zero trits
    /// with scale ε (`clampedScale`) or 0 (`addedToScale`); either way its outputs are exactly 0.
    /// - Parameters:
    ///   - master: `[out × in]` fp32 master weights.
    ///   - epsilon: where ε goes; the reference code's form by default.
    ///   - name: the tensor's name, for error messages.
    /// - Returns: the trits and γ (`clampedScale`: max(mean|W|, ε); `addedToScale`: mean|W|).
    /// - Throws: `InputError` naming the tensor and element if a master weight is not finite.
    /// - Complexity: O(out × in).
    public static func quantize(master: Matrix<Float>, epsilon: AbsmeanEpsilon = .clampedScale,
                                name: String = "ternary weights") throws -> TernaryMatrix {
        let count = master.elements.count
        // Σ|W| in Double: finite unless some weight is NaN or ±∞ (Float values cannot overflow it).
        var sum = 0.0
        master.elements.withUnsafeBufferPointer { buffer in
            guard let w = buffer.baseAddress else { return }
            var i = 0
            while i < count {
                sum += Double(w[i].magnitude)
                i &+= 1
            }
        }
        guard sum.isFinite else {
            let index = master.elements.firstIndex { !$0.isFinite } ?? 0
            throw InputError(source: name, location: "element \(index)", expected: "a finite weight", found: "\(master.elements[index])")
        }
        let mean = count == 0 ? 0 : Float(sum / Double(count))
        let scale: Float, multiplier: Float
        switch epsilon {
        case .clampedScale:
            scale = max(mean, absmeanEpsilon)
            multiplier = 1 / scale
        case .addedToScale:
            scale = mean
            multiplier = 0
        }
        let divisor = mean + absmeanEpsilon
        let multiplies = epsilon == .clampedScale
        var trits = [Int8](repeating: 0, count: count)
        master.elements.withUnsafeBufferPointer { buffer in
            trits.withUnsafeMutableBufferPointer { output in
                guard let w = buffer.baseAddress, let q = output.baseAddress else { return }
                var i = 0
                while i < count {
                    q[i] = roundClipToTrit(multiplies ? w[i] * multiplier : w[i] / divisor)
                    i &+= 1
                }
            }
        }
        // Every value is a trit and the scale is finite and ≥ 0 by construction.
        return TernaryMatrix(uncheckedTrits: Matrix(uncheckedRows: master.rows, columns: master.columns, elements: trits), scale: scale)
    }

    /// RoundClip(x, −1, 1) = max(−1, min(1, round(x))) with round half to even, for finite x.
    ///
    /// Over the trits this is exactly: +1 if x > 0.5, −1 if x < −0.5, else 0 (0.5 rounds to the
    /// even 0; 1.5 rounds to 2 and clips to 1), which is the form computed.
    static func roundClipToTrit(_ x: Float) -> Int8 {
        x > 0.5 ? 1 : (x < -0.5 ? -1 : 0)
    }
}
