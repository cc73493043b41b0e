/// Bits per weight as an exact fraction numerator / denominator.
public struct BitsPerWeight: Equatable, Sendable {
    /// Bits per `denominator` weights.
    public var numerator: Int64
    /// Weights per `numerator` bits.
    public var denominator: Int64

    /// A fraction of bits per weight; both parts must be positive.
    public init(numerator: Int64, denominator: Int64) {
        self.numerator = numerator
        self.denominator = denominator
    }

    /// The value as a number (5/3 → 1.667).
    public var value: Double { Double(numerator) / Double(denominator) }

    /// Bytes that `count` packed weights occupy: ⌈count × numerator / (8 × denominator)⌉, exact.
    public func bytes(forWeights count: Int64) -> Int64 {
        count <= 0 ? 0 : (count * numerator - 1) / (8 * denominator) + 1
    }
}
