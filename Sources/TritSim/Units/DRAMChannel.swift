import TritChip

/// The off-chip memory channel shared by every DMA engine.
///
/// Timing equation: a transfer of b bytes issued at cycle t starts when the channel is free,
/// s = max(t, free), and holds it for b / B cycles, B = peak × efficiency / clock bytes per cycle;
/// its data is usable `accessLatency` cycles after its last byte crossed:
/// done = ⌈s + b / B⌉ + latency. Transfers are served first come, first served; latency overlaps
/// the next transfer (requests are pipelined), so a stream of transfers runs at exactly B.
/// The channel's free time is kept in fractional cycles, so splitting a stream into more, smaller
/// transfers costs no rounding.
struct DRAMChannel {
    let bytesPerCycle: Double
    let latencyCycles: Int64
    private var freeAt: Double = 0
    private(set) var busyCycles: Double = 0

    init(chip: ResolvedChip) {
        bytesPerCycle = chip.dramBytesPerCycle
        latencyCycles = chip.dramLatencyCycles
    }

    /// Reserves the channel for `bytes` at or after `cycle`; returns the cycle the transfer leaves
    /// the channel (rounded up) and the cycle its data is usable.
    @inline(__always)
    mutating func transfer(bytes: Int64, at cycle: Int64) -> (channelDone: Int64, dataReady: Int64) {
        let start = max(Double(cycle), freeAt)
        let occupancy = Double(bytes) / bytesPerCycle
        freeAt = start + occupancy
        busyCycles += occupancy
        // Clamped so that a pathological configuration cannot trap the conversion; the engine
        // stops at `Engine.maximumCycles`, far below the clamp.
        let done = Int64(min(freeAt.rounded(.up), 4e18))
        return (done, done + latencyCycles)
    }
}
