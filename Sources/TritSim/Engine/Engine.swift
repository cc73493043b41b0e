import TritChip
import TritCore
import TritISA

/// The cycle-approximate, event-driven execution engine.
///
/// Each unit runs its instructions in program order. An instruction starts when its unit is free
/// and all its wait tokens are signalled; its duration comes from the unit's timing equation
/// (`Units/`), and DMA transfers contend for the shared `DRAMChannel`. Only two kinds of events
/// exist — a token becoming signalled and a unit becoming free — so the cost of a run grows with
/// the number of instructions, not cycles.
///
/// - Complexity: O(n log n + n·u) for n instructions and u units; no allocation per event.
public struct Engine: Sendable {
    /// Longest run simulated: 2^50 cycles (13 days at 1 GHz). Beyond it a configuration is
    /// nonsensical (e.g. a 1 MB/s memory), and summed cycle counts could leave 64 bits.
    public static let maximumCycles: Int64 = 1 << 50

    /// The chip being simulated.
    public let chip: ResolvedChip

    /// An engine for `chip`.
    public init(chip: ResolvedChip) { self.chip = chip }

    /// Runs `program` to completion.
    /// - Throws: `InputError` (source `program`) if an instruction names a unit or token outside
    ///   the program, or if the program cannot finish because a wait is never signalled;
    ///   `InputError` naming the chip file if the run exceeds `maximumCycles`, or
    ///   `ternaryArray.lutGroupSize` if a chip built in code holds a LUT group size out of range.
    public func run(_ program: Program) throws -> SimulationStatistics {
        var state = try ExecutionState(program: program, chip: chip)
        state.start()
        while !state.exceededMaximumCycles, let event = state.events.pop() {
            state.now = event.cycle
            switch event.kind {
            case .signal: state.signal(token: Int(event.payload))
            case .unitFree: state.free(unit: Int(event.payload))
            }
        }
        var statistics = try state.finish()
        statistics.seconds = chip.seconds(statistics.totalCycles)
        return statistics
    }
}
