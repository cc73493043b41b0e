import TritChip
import TritCompiler
import TritISA
import TritModel
import TritSim

/// One simulated step on the chip, and what it cost.
/// The program itself is not kept: a run holds one program at a time.
struct ChipStep {
    let chip: ResolvedChip
    let plan: MemoryPlan
    let statistics: SimulationStatistics
    let energy: EnergyBreakdown
    /// Peak SRAM the step occupies.
    let sramHighWater: SRAMHighWater
}

/// A whole phase (prefill of every prompt, or all decode steps) on the chip, assembled from
/// simulated steps weighted as `PhaseSteps` says.
struct ChipPhase {
    /// The simulated steps and the weight of each in the phase (sums to the number of steps).
    let steps: [(step: ChipStep, weight: Double)]
    /// Tokens the phase processes or produces.
    let tokens: Int
    /// Wall time of the phase, s.
    var totalSeconds: Double { steps.reduce(0) { $0 + $1.step.statistics.seconds * $1.weight } }
    /// Energy of the phase by component.
    var energy: EnergyBreakdown { steps.reduce(.zero) { $0 + $1.step.energy.scaled(by: $1.weight) } }

    /// Fractions of the phase's array time (busy, waiting on DRAM), and the busy fraction of each
    /// kind of unit (averaged over the units of a kind) and of the off-chip channel.
    func timeShares() -> (compute: Double, memoryWait: Double, unitBusy: [(unit: String, fraction: Double)]) {
        var kinds: [(UnitKind, String)] = [(.ternaryArray, "arrays"), (.vector, "vector"), (.attention, "attention")]
        if steps.contains(where: { $0.step.statistics.count(of: .link) > 0 }) { kinds.append((.link, "link")) }
        var arrayBusy = 0.0, memoryWait = 0.0, dram = 0.0, total = 0.0
        var busy = Array(repeating: 0.0, count: kinds.count)
        for (step, weight) in steps {
            let s = step.statistics
            let cycles = Double(s.totalCycles) * weight
            total += cycles
            dram += Double(s.dramBusyCycles) * weight
            let arrays = s.total(of: .ternaryArray)
            let arrayCount = Double(max(1, s.count(of: .ternaryArray)))
            arrayBusy += Double(arrays.busyCycles) / arrayCount * weight
            memoryWait += Double(arrays.waitingOnMemoryCycles) / arrayCount * weight
            for (index, kind) in kinds.enumerated() {
                busy[index] += Double(s.total(of: kind.0).busyCycles) / Double(max(1, s.count(of: kind.0))) * weight
            }
        }
        guard total > 0 else { return (0, 0, []) }
        let units = kinds.indices.map { (unit: kinds[$0].1, fraction: busy[$0] / total) } + [(unit: "DRAM", fraction: dram / total)]
        return (arrayBusy / total, memoryWait / total, units)
    }

    /// Per layer category: seconds of its busiest resource (`bottleneckCyclesByTag`), dynamic
    /// joules, DRAM bytes.
    func byCategory() -> [LayerCategory: (seconds: Double, joules: Double, dramBytes: Double)] {
        var result: [LayerCategory: (seconds: Double, joules: Double, dramBytes: Double)] = [:]
        for (step, weight) in steps {
            let s = step.statistics
            for (index, name) in s.tags.enumerated() {
                guard let category = LayerCategory(rawValue: name) else { continue }
                let counters = s.countersByTag[index]
                let joules = EnergyModel.energy(of: counters, on: step.chip, seconds: 0).totalJoules
                var entry = result[category] ?? (0, 0, 0)
                entry.seconds += step.chip.seconds(s.bottleneckCyclesByTag[index]) * weight
                entry.joules += joules * weight
                entry.dramBytes += Double(counters.dramReadBytes + counters.dramWriteBytes) * weight
                result[category] = entry
            }
        }
        return result
    }
}

/// Compiles and simulates the steps of a run on one chip (in `role`, for a chip of a system).
struct ChipPhaseRunner {
    let chip: ResolvedChip
    var role: ChipRole = .single

    func step(_ graph: Graph) throws -> ChipStep {
        let compiled = try Compiler(chip: chip, role: role).compile(graph)
        let statistics = try Engine(chip: chip).run(compiled.program)
        return ChipStep(chip: chip, plan: compiled.plan, statistics: statistics,
                        energy: EnergyModel.energy(of: statistics.counters, on: chip, seconds: statistics.seconds),
                        sramHighWater: compiled.sramHighWater(on: chip))
    }

    /// Plans (without lowering or simulating) every step of `phases`, so that a model that does
    /// not fit, or a step too large to simulate, is refused before any work is done. Steps are
    /// checked largest context first (the last decode step holds the largest KV cache).
    func preflight(_ phases: [PhaseSteps]) throws {
        let compiler = Compiler(chip: chip, role: role)
        for (graph, _) in phases.flatMap(\.steps).reversed() { _ = try compiler.plan(graph) }
    }

    /// Simulates every step of a phase.
    func run(_ phase: PhaseSteps) throws -> ChipPhase {
        ChipPhase(steps: try phase.steps.map { (try step($0.graph), $0.weight) }, tokens: phase.tokens)
    }
}
