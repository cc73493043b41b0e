import TritCore

/// The weights of one BitLinear: `[outFeatures × inFeatures]` trits in {−1, 0, +1} and one fp32
/// scale γ for the whole tensor (BitNet b1.58 quantises per tensor, not per row).
///
/// The real-valued weight the trits stand for is W ≈ γ × W̃. Source: BitNet b1.58 (arXiv
/// 2402.17764) eq. 1–3; transformers `integrations/bitnet.py` (`weight_scale` of shape [1]);
/// `docs/reference/bitnet-facts.md` §5.
public struct TernaryMatrix: Equatable, Sendable {
    /// `[outFeatures × inFeatures]` trits, row-major (output feature o is row o), each −1, 0 or +1.
    public let trits: Matrix<Int8>
    /// γ, the per-tensor weight scale (dimensionless; the dequantisation multiplier).
    public let scale: Float

    /// Rows: output features.
    public var outFeatures: Int { trits.rows }
    /// Columns: input features.
    public var inFeatures: Int { trits.columns }

    /// Wraps already-quantised weights (e.g. read from a checkpoint).
    /// - Parameters:
    ///   - trits: `[out × in]` values, each −1, 0 or +1.
    ///   - scale: γ, finite and ≥ 0.
    ///   - name: the tensor's name, for error messages.
    /// - Throws: `InputError` naming the tensor if a value is not a trit or the scale is negative or not finite.
    public init(trits: Matrix<Int8>, scale: Float, name: String = "ternary weights") throws {
        if let index = trits.elements.firstIndex(where: { $0 < -1 || $0 > 1 }) {
            throw InputError(source: name, location: "element \(index)", expected: "a trit −1, 0 or +1",
                             found: "\(trits.elements[index])")
        }
        guard scale.isFinite, scale >= 0 else {
            throw InputError(source: name, location: "weight_scale", expected: "a finite scale ≥ 0", found: "\(scale)")
        }
        self.trits = trits
        self.scale = scale
    }

    /// Wraps trits and a scale the caller has built valid.
    init(uncheckedTrits trits: Matrix<Int8>, scale: Float) {
        self.trits = trits
        self.scale = scale
    }
}
