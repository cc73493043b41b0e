/// Where the chip's time goes in one phase, as fractions of the phase latency in `0...1`.
///
/// `computeFraction + memoryWaitFraction + otherFraction` describes the ternary array and is
/// expected to be 1; `dramBusyFraction` describes the off-chip memory channel independently
/// (it overlaps compute when DMA runs ahead).
public struct ChipTimeBreakdown: Sendable, Equatable {
    /// Equal when every fraction and every unit entry is equal.
    public static func == (lhs: ChipTimeBreakdown, rhs: ChipTimeBreakdown) -> Bool {
        lhs.computeFraction == rhs.computeFraction && lhs.memoryWaitFraction == rhs.memoryWaitFraction
            && lhs.otherFraction == rhs.otherFraction && lhs.dramBusyFraction == rhs.dramBusyFraction
            && lhs.unitBusyFractions.map(\.unit) == rhs.unitBusyFractions.map(\.unit)
            && lhs.unitBusyFractions.map(\.fraction) == rhs.unitBusyFractions.map(\.fraction)
    }

    /// Fraction of the time the ternary array is busy (loading tiles and streaming tokens).
    public var computeFraction: Double
    /// Fraction of the time the array is idle waiting on DRAM data.
    public var memoryWaitFraction: Double
    /// Fraction of the time the array is idle for other reasons (vector or attention units,
    /// dependencies).
    public var otherFraction: Double
    /// Fraction of the time the off-chip memory channel is busy.
    public var dramBusyFraction: Double
    /// Busy fraction of each kind of unit (averaged over units of a kind), in display order,
    /// e.g. `[("arrays", 0.3), ("vector", 0.6), ("attention", 0.2), ("DRAM", 0.5)]`: the largest
    /// is the phase's bottleneck.
    public var unitBusyFractions: [(unit: String, fraction: Double)] = []

    /// Creates a breakdown; every argument is a fraction in `0...1`.
    public init(computeFraction: Double, memoryWaitFraction: Double, otherFraction: Double, dramBusyFraction: Double) {
        self.computeFraction = computeFraction
        self.memoryWaitFraction = memoryWaitFraction
        self.otherFraction = otherFraction
        self.dramBusyFraction = dramBusyFraction
    }
}
