import Foundation
import Testing
import TritChip
import TritCompiler
import TritCore
import TritISA
import TritModel
import TritSim
import TritTestSupport

/// Simulated multi-chip programs: a one-chip system is the single chip to the cycle, tensor
/// parallelism divides the memory-bound decode, links are priced, SRAM-only chips move no DRAM byte.
@Suite struct SystemSimulationTests {
    let chips = ChipCatalog(folder: RepositoryPaths.chips, technologyFolder: RepositoryPaths.technology)

    func system(_ chip: String, tensor: Int, pipeline: Int, bandwidth: Double = 64e9) throws -> ResolvedSystem {
        let link = ChipLink(bandwidthBytesPerSecond: bandwidth, latencyNanoseconds: 20, energyPicojoulesPerBit: 0.6)
        return ResolvedSystem(config: SystemConfig(name: "test", chip: chip, chips: tensor * pipeline,
                                                   partitioning: .init(tensorParallel: tensor, pipelineStages: pipeline), link: link),
                              chip: try chips.load(chip))
    }

    /// One chip of each stage, simulated; the step time is the sum of the stage times.
    func simulate(_ model: ModelConfig, on system: ResolvedSystem, _ phase: Phase) throws -> [SimulationStatistics] {
        let partition = try SystemPartition(model: model, system: system)
        return try partition.stages.map { stage in
            let program = try Compiler(chip: system.chip, role: stage.role).compile(try partition.graph(stage, phase: phase)).program
            return try Engine(chip: system.chip).run(program)
        }
    }

    @Test func aOneChipSystemIsTheSingleChipToTheCycle() throws {
        let model = try Harness.model("bitnet-b1.58-2B-4T")
        let chip = try chips.load("edge")
        for graph in [try Graph.prefill(model, tokens: 48), try Graph.decode(model, batch: 2, context: 40)] {
            let single = try Engine(chip: chip).run(try Compiler(chip: chip).compile(graph).program)
            let stages = try simulate(model, on: try system("edge-lpddr5x", tensor: 1, pipeline: 1), graph.phase)
            #expect(stages.count == 1)
            #expect(stages.first?.totalCycles == single.totalCycles, "\(graph.phase)")
            #expect(stages.first?.counters == single.counters, "\(graph.phase)")
        }
    }

    /// Decode is memory-bound: 8 chips each stream an eighth of the weights, so a step is several
    /// times faster (not quite 8×: the hidden-size norms and the all-reduces are not divided).
    @Test func tensorParallelDecodeStreamsAnEighthOfTheWeightsPerChip() throws {
        let model = try Harness.model("Llama3-8B-1.58-100B-tokens")
        let chip = try chips.load("edge")
        let graph = try Graph.decode(model, batch: 1, context: 64)
        let single = try Engine(chip: chip).run(try Compiler(chip: chip).compile(graph).program)
        let tp8 = try simulate(model, on: try system("edge-lpddr5x", tensor: 8, pipeline: 1), graph.phase)
        let stage = try #require(tp8.first)
        let speedUp = Double(single.totalCycles) / Double(stage.totalCycles)
        #expect(speedUp > 5 && speedUp < 8, "speed-up \(speedUp)")
        let stream = Int(DMAStream.ternaryWeights.rawValue)
        #expect(stage.dramBytesByStream[stream] * 8 == single.dramBytesByStream[stream])
        #expect(stage.counters.linkBytesSent > 0 && stage.counters.linkBytesSent == stage.counters.linkBytesReceived)
        // Lower bound: the all-reduces alone, 2 per layer + the embedding, each 2 × 7 hops of 20 cycles.
        #expect(stage.totalCycles > Int64(2 * model.layers + 1) * 14 * 20)
    }

    /// More link bandwidth never makes a system slower (DESIGN.md §5 monotonicity).
    @Test func moreLinkBandwidthIsNeverSlower() throws {
        let model = try Harness.model("Llama3-8B-1.58-100B-tokens")
        let phase = Phase.prefill(tokens: 64)
        var previous = Int64.max
        for bandwidth in [8e9, 64e9, 512e9] {
            let cycles = try simulate(model, on: try system("edge-lpddr5x", tensor: 4, pipeline: 2, bandwidth: bandwidth), phase)
                .reduce(Int64(0)) { $0 + $1.totalCycles }
            #expect(cycles <= previous, "\(bandwidth) B/s")
            previous = cycles
        }
    }

    @Test func sramOnlyChipsMoveNoDRAMBytes() throws {
        let model = try Harness.model("Llama3-8B-1.58-100B-tokens")
        for phase in [Phase.decode(batch: 1, context: 32), .prefill(tokens: 24)] {
            for stats in try simulate(model, on: try system("sram-only-220mib", tensor: 8, pipeline: 16), phase) {
                #expect(stats.counters.dramReadBytes == 0 && stats.counters.dramWriteBytes == 0)
                #expect(stats.dramBusyCycles == 0)
                #expect(stats.counters.ternaryAdds > 0)
            }
        }
    }
}
