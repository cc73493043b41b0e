/// SplitMix64: a tiny, fast, deterministic 64-bit generator, so seeded random models are the same
/// on every platform and toolchain (the standard library's `random(in:using:)` algorithms are not
/// guaranteed stable across versions).
///
/// Source: G. L. Steele, D. Lea, C. H. Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014 (the `mix64` variant 13 finaliser constants, as in Java's `SplittableRandom`).
/// From seed 0 the first outputs are 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose stream is fully determined by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 uniformly distributed bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform `Float` in [0, 1) with 24 random bits (the top bits of `next()`), exact on every
    /// platform: k / 2²⁴ for k in 0 ..< 2²⁴.
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// A uniform `Float` in [lower, upper): lower + (upper − lower) × `nextUnitFloat()`, in fp32.
    public mutating func nextFloat(from lower: Float, to upper: Float) -> Float {
        lower + (upper - lower) * nextUnitFloat()
    }
}
