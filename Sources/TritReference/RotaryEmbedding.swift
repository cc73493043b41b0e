import Foundation
import TritCore

/// Which elements of a head RoPE rotates together.
public enum RoPEPairing: String, CaseIterable, Sendable {
    /// Element i pairs with i + d/2 (i < d/2), both at frequency i: the Hugging Face / GPT-NeoX
    /// convention. Source: transformers `modeling_llama.py` `rotate_half` (`cat(-x2, x1)` of the two
    /// halves) and `apply_rotary_pos_emb` (`q * cos + rotate_half(q) * sin`, cos = `cat(freqs, freqs)`),
    /// which `modular_bitnet.py` imports for BitNet. Weights converted to HF format are permuted for it.
    case rotateHalf
    /// Element 2i pairs with 2i + 1 at frequency i: the original Meta Llama / GPT-J convention
    /// (`torch.view_as_complex` pairs), as in xformers `rope_padded` used by microsoft/BitNet `gpu/model.py`.
    case interleaved
}

/// Rotary position embedding: each pair (a, b) of a head's elements at frequency i is rotated by
/// the angle p × θ^(−2i/d) for a token at position p:
/// a′ = a·cos − b·sin, b′ = b·cos + a·sin (fp32 products and sums).
///
/// Source: RoFormer (arXiv 2104.09864) eq. 34; transformers `LlamaRotaryEmbedding`
/// (`inv_freq = 1 / base ** (arange(0, d, 2) / d)`, freqs = position × inv_freq). The angle and its
/// cos/sin are computed in `Double` and rounded once to `Float` (transformers forms the angle in
/// fp32, which differs from this by up to a few 1e-4 rad at position 4096). At position 0 cos = 1 and
/// sin = 0, so RoPE is exactly the identity there.
public struct RotaryEmbedding: Equatable, Sendable {
    /// Elements per head, d (even).
    public let headDim: Int
    /// The base θ (the config's `rope_theta`).
    public let theta: Double
    /// Which elements are rotated together.
    public let pairing: RoPEPairing

    /// - Throws: `InputError` if `headDim` is not even and ≥ 2, or `theta` is not finite and > 0.
    public init(headDim: Int, theta: Double, pairing: RoPEPairing = .rotateHalf) throws {
        guard headDim >= 2, headDim % 2 == 0 else {
            throw InputError(source: "RoPE", location: "head_dim", expected: "an even number ≥ 2 (RoPE rotates pairs)", found: "\(headDim)")
        }
        guard theta.isFinite, theta > 0 else {
            throw InputError(source: "RoPE", location: "rope_theta", expected: "a finite number > 0", found: "\(theta)")
        }
        self.headDim = headDim
        self.theta = theta
        self.pairing = pairing
    }

    /// cos and sin of the d/2 angles p × θ^(−2i/d), i in 0 ..< d/2, each rounded to `Float`.
    /// A chip computing RoPE must use these same table values to match bit for bit.
    public func cosSin(position: Int) -> (cos: [Float], sin: [Float]) {
        let half = headDim / 2
        var cosines = [Float](repeating: 1, count: half)
        var sines = [Float](repeating: 0, count: half)
        for i in 0 ..< half {
            let angle = Double(position) * pow(theta, -Double(2 * i) / Double(headDim))
            cosines[i] = Float(cos(angle))
            sines[i] = Float(sin(angle))
        }
        return (cosines, sines)
    }

    /// The indices (a, b) of pair i within a head.
    public func pair(_ i: Int) -> (Int, Int) {
        switch pairing {
        case .rotateHalf: return (i, i + headDim / 2)
        case .interleaved: return (2 * i, 2 * i + 1)
        }
    }

    /// Rotates every head of every token row.
    /// - Parameters:
    ///   - x: `[tokens × heads·d]` fp32, head h in columns h·d ..< (h+1)·d.
    ///   - firstPosition: the position of row 0; row t is at `firstPosition + t`.
    /// - Returns: `[tokens × heads·d]` fp32.
    /// - Throws: `InputError` if the width is not a multiple of d.
    /// - Complexity: O(tokens × heads × d).
    public func apply(_ x: Matrix<Float>, firstPosition: Int) throws -> Matrix<Float> {
        guard x.columns % headDim == 0 else {
            throw InputError(source: "RoPE", location: "width", expected: "a multiple of head_dim \(headDim)", found: "\(x.columns)")
        }
        var output = x
        for t in 0 ..< x.rows {
            let (cosines, sines) = cosSin(position: firstPosition + t)
            for head in 0 ..< x.columns / headDim {
                let base = t * x.columns + head * headDim
                for i in 0 ..< headDim / 2 {
                    let (ia, ib) = pair(i)
                    let a = x.elements[base + ia], b = x.elements[base + ib]
                    output.elements[base + ia] = a * cosines[i] - b * sines[i]
                    output.elements[base + ib] = b * cosines[i] + a * sines[i]
                }
            }
        }
        return output
    }
}
