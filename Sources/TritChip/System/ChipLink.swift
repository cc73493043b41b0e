/// The chip-to-chip link of a multi-chip system, as seen from one chip.
///
/// Timing and energy (see `TritSim/Units/LinkTiming.swift`): a point-to-point send of b bytes takes
/// latency + b / bandwidth; a ring all-reduce over N chips takes 2(N − 1) × latency +
/// 2(N − 1)/N × b / bandwidth; every bit a chip sends costs `energyPicojoulesPerBit`.
public struct ChipLink: Equatable, Sendable {
    /// Bandwidth one chip can send (and, at the same time, receive) over its links, bytes/s per
    /// direction. A ring all-reduce runs at this rate (NCCL's rings use every link of a chip).
    public var bandwidthBytesPerSecond: Double
    /// Latency of one hop from the sending chip's SRAM to the receiving chip's SRAM, ns.
    public var latencyNanoseconds: Double
    /// Energy per bit sent, transmitter and receiver together, pJ/bit.
    public var energyPicojoulesPerBit: Double

    /// A link with the given bandwidth (bytes/s per direction), hop latency (ns) and energy (pJ/bit).
    public init(bandwidthBytesPerSecond: Double, latencyNanoseconds: Double, energyPicojoulesPerBit: Double) {
        self.bandwidthBytesPerSecond = bandwidthBytesPerSecond
        self.latencyNanoseconds = latencyNanoseconds
        self.energyPicojoulesPerBit = energyPicojoulesPerBit
    }
}
