/// What one group of identical chips of a multi-chip system did in one phase: the chips that run
/// the same program (a pipeline stage's tensor-parallel group), with per-chip quantities.
/// One row of the report's "per chip" table; single-chip reports have none.
public struct ChipUsageRow: Sendable, Equatable {
    /// `"prefill"` or `"decode"`.
    public var phase: String
    /// The chips of the group, e.g. `"0–7"` (chip indices of the system).
    public var chips: String
    /// What the chips run, e.g. `"stage 2/16: layers 10–14, tensor-parallel 8"`.
    public var program: String
    /// Time the group's stage takes over the whole phase, s (stages run one after another).
    public var seconds: Double
    /// Peak SRAM one chip occupies in the phase's steps, bytes (resident weights and KV cache on an
    /// SRAM-only chip; weight and KV slots plus the activation working set otherwise).
    public var sramHighWaterBytes: Double
    /// SRAM of one chip, bytes.
    public var sramCapacityBytes: Double
    /// Off-chip bytes one chip reads and writes over the phase.
    public var dramBytes: Double
    /// Bytes one chip sends over its links over the phase.
    public var linkBytesSent: Double
    /// Bytes one chip receives over its links over the phase.
    public var linkBytesReceived: Double

    /// Creates a row; see the properties for units.
    public init(phase: String, chips: String, program: String, seconds: Double, sramHighWaterBytes: Double,
                sramCapacityBytes: Double, dramBytes: Double, linkBytesSent: Double, linkBytesReceived: Double) {
        self.phase = phase
        self.chips = chips
        self.program = program
        self.seconds = seconds
        self.sramHighWaterBytes = sramHighWaterBytes
        self.sramCapacityBytes = sramCapacityBytes
        self.dramBytes = dramBytes
        self.linkBytesSent = linkBytesSent
        self.linkBytesReceived = linkBytesReceived
    }
}
