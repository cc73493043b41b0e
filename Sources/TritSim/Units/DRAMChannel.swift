import TritChip

/// The off-chip memory channel shared by every DMA engine.
///
/// Timing equation: a transfer of b bytes issued at cycle t starts at s = max(t, free), occupies
/// the channel for ⌈b / (peak × efficiency / clock)⌉ cycles, and its data is usable
/// `accessLatency` cycles after the last byte crossed: done = s + ⌈b / B⌉ + latency.
/// Transfers are served first come, first served; latency overlaps the next transfer (requests
/// are pipelined), so a stream of transfers runs at the achievable bandwidth.
struct DRAMChannel {
    let bytesPerCycle: Double
    let latencyCycles: Int64
    private(set) var freeAtCycle: Int64 = 0
    private(set) var busyCycles: Int64 = 0

    init(chip: ResolvedChip) {
        bytesPerCycle = chip.dramBytesPerCycle
        latencyCycles = chip.dramLatencyCycles
    }

    /// Reserves the channel for `bytes` at or after `cycle`; returns when the transfer leaves the
    /// channel and when its data is usable.
    @inline(__always)
    mutating func transfer(bytes: Int64, at cycle: Int64) -> (channelDone: Int64, dataReady: Int64) {
        let start = max(cycle, freeAtCycle)
        let occupancy = bytes > 0 ? max(1, Int64((Double(bytes) / bytesPerCycle).rounded(.up))) : 0
        freeAtCycle = start + occupancy
        busyCycles += occupancy
        return (freeAtCycle, freeAtCycle + latencyCycles)
    }
}
