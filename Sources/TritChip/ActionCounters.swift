/// Counts of energy-bearing actions. The simulator increments these; `EnergyModel` prices them.
public struct ActionCounters: Equatable, Sendable {
    /// Ternary MACs of the `adderTree` datapath: each an int8 add, subtract or skip.
    public var ternaryAdds: Int64 = 0
    /// `lut` datapath: adds that build the per-token tables ((3^g − 1) / 2 − g per group of g activations).
    public var lutBuildAdds: Int64 = 0
    /// `lut` datapath: table lookups (one per group of g weights per token).
    public var lutLookups: Int64 = 0
    /// `lut` datapath: adds or subtracts of looked-up entries into the column sums (one per lookup).
    public var lutAccumulateAdds: Int64 = 0
    /// Int32 partial-sum accumulations.
    public var int32Adds: Int64 = 0
    /// Weights decoded by the unpack stage (TL2, base-3).
    public var unpackedWeights: Int64 = 0
    /// FP16 multiply-accumulates on the attention unit (QKᵀ, AV, LM head).
    public var fp16MACs: Int64 = 0
    /// Elementwise vector operations (priced as fp16 multiplies, the dearer fp16 op).
    public var vectorOps: Int64 = 0
    /// Special-function evaluations.
    public var specialFunctionOps: Int64 = 0
    /// Bytes read from on-chip SRAM.
    public var sramReadBytes: Int64 = 0
    /// Bytes written to on-chip SRAM.
    public var sramWriteBytes: Int64 = 0
    /// Bytes read from off-chip memory.
    public var dramReadBytes: Int64 = 0
    /// Bytes written to off-chip memory.
    public var dramWriteBytes: Int64 = 0
    /// Bytes this chip sent over its chip-to-chip links (priced per bit sent).
    public var linkBytesSent: Int64 = 0
    /// Bytes this chip received over its links (the sender pays for them).
    public var linkBytesReceived: Int64 = 0

    /// Zero counters.
    public init() {}

    /// Adds `other` into `self`.
    public mutating func add(_ other: ActionCounters) {
        ternaryAdds += other.ternaryAdds
        lutBuildAdds += other.lutBuildAdds
        lutLookups += other.lutLookups
        lutAccumulateAdds += other.lutAccumulateAdds
        int32Adds += other.int32Adds
        unpackedWeights += other.unpackedWeights
        fp16MACs += other.fp16MACs
        vectorOps += other.vectorOps
        specialFunctionOps += other.specialFunctionOps
        sramReadBytes += other.sramReadBytes
        sramWriteBytes += other.sramWriteBytes
        dramReadBytes += other.dramReadBytes
        dramWriteBytes += other.dramWriteBytes
        linkBytesSent += other.linkBytesSent
        linkBytesReceived += other.linkBytesReceived
    }
}
