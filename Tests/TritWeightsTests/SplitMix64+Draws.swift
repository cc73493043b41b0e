import TritCore

/// Values drawn from TritCore's deterministic `SplitMix64` by these tests (the fixture generator
/// in TritTestSupport keeps its own copy, which other modules cannot see).
extension SplitMix64 {
    /// A value in 0..<bound.
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    /// A trit in {−1, 0, +1}.
    mutating func trit() -> Int8 { Int8(below(3)) - 1 }
}
