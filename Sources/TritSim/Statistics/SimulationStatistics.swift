import TritChip
import TritISA

/// What one unit did during a run, in chip cycles.
public struct UnitStatistics: Equatable, Sendable {
    /// The unit.
    public var unit: UnitDescriptor
    /// Cycles spent executing (for DMA engines: from issue until the last byte crossed the memory
    /// channel, including waiting for the channel).
    public var busyCycles: Int64 = 0
    /// Cycles the unit had an instruction ready but waited for a token signalled by a DMA engine
    /// (data from off-chip memory, or a KV write).
    public var waitingOnMemoryCycles: Int64 = 0
    /// Cycles it waited for a token signalled by a compute unit (a dependency or a full buffer).
    public var waitingOnComputeCycles: Int64 = 0
    /// Instructions executed.
    public var instructions: Int64 = 0

    /// Statistics of a unit that did nothing yet.
    public init(unit: UnitDescriptor) { self.unit = unit }
}

/// Everything the engine measured in one run of a program.
public struct SimulationStatistics: Equatable, Sendable {
    /// Cycle at which the last instruction completed.
    public var totalCycles: Int64
    /// `totalCycles` in seconds at the chip clock.
    public var seconds: Double
    /// Per unit, in `Program.units` order.
    public var units: [UnitStatistics]
    /// All actions of the run.
    public var counters: ActionCounters
    /// Actions per statistics tag (`Program.tags` order).
    public var countersByTag: [ActionCounters]
    /// Busy cycles per tag, summed over units.
    public var busyCyclesByTag: [Int64]
    /// Per tag, the cycles of its busiest resource: the off-chip channel's transfer cycles for
    /// the tag, or for each compute unit kind its busy cycles divided by the number of units of
    /// that kind, whichever is largest. An estimate of the tag's share of the run's wall time
    /// that, unlike `busyCyclesByTag`, does not add up overlapping units.
    public var bottleneckCyclesByTag: [Int64]
    /// Tag names.
    public var tags: [String]
    /// Cycles the off-chip memory channel was transferring.
    public var dramBusyCycles: Int64
    /// Off-chip bytes (read + written) per `DMAStream` (indexed by raw value).
    public var dramBytesByStream: [Int64]
    /// Instructions executed.
    public var instructionCount: Int

    /// Summed statistics of the units of one kind.
    public func total(of kind: UnitKind) -> UnitStatistics {
        var sum = UnitStatistics(unit: UnitDescriptor(kind: kind, name: kind.rawValue))
        for u in units where u.unit.kind == kind {
            sum.busyCycles += u.busyCycles
            sum.waitingOnMemoryCycles += u.waitingOnMemoryCycles
            sum.waitingOnComputeCycles += u.waitingOnComputeCycles
            sum.instructions += u.instructions
        }
        return sum
    }

    /// Number of units of one kind.
    public func count(of kind: UnitKind) -> Int { units.filter { $0.unit.kind == kind }.count }
}
