import Foundation
import Testing
import TritChip
import TritCore
import TritISA
import TritModel
import TritSim

/// Hand-built programs whose cycle counts are derived in comments from the timing equations.
@Suite struct EngineTests {
    /// The edge preset: 256×256 arrays, 64 B/cycle tile load, DRAM 136.5 GB/s × 0.85 at 1 GHz
    /// = 116.025 B/cycle, 100 ns = 100 cycles latency.
    let chip: ResolvedChip
    let units = [UnitDescriptor(kind: .dma, name: "dma"), UnitDescriptor(kind: .ternaryArray, name: "array.0"),
                 UnitDescriptor(kind: .vector, name: "vector")]

    init() throws { chip = try Harness.chip("edge-lpddr5x") }

    private func tile(tokens: Int32) -> Instruction.Operation {
        .ternaryTile(rows: 256, columns: 256, tokens: tokens, weights: SRAMRange(base: 0, bytes: 16384),
                     input: SRAMRange(base: 0, bytes: 256 * Int64(tokens)), accumulator: SRAMRange(base: 0, bytes: 1024 * Int64(tokens)),
                     accumulate: false)
    }

    private func load(_ bytes: Int64) -> Instruction.Operation {
        .dmaLoad(stream: .ternaryWeights, dram: DRAMRange(base: 0, bytes: bytes), sram: SRAMRange(base: 0, bytes: bytes))
    }

    /// A vector instruction's second input counts as SRAM read and in its SRAM-bound time.
    @Test func aSecondVectorInputIsReadAndTimed() throws {
        // Edge: 4096 SRAM bytes per cycle, 1024 lanes, startup 8. 8192 + 8192 read + 4096 written
        // = 20480 bytes → 5 cycles occupied (the 16 operations take 1), result ready 8 later.
        var builder = ProgramBuilder(units: units, tags: ["t"])
        builder.emit(.vector(kind: .residualAdd, operations: 16, specialOps: 0, input: SRAMRange(base: 0, bytes: 8192),
                             output: SRAMRange(base: 20000, bytes: 4096), input2: SRAMRange(base: 10000, bytes: 8192)),
                     on: 2, tag: 0, waits: [])
        let stats = try Engine(chip: chip).run(builder.build())
        #expect(chip.config.sram.bytesPerCycle == 4096 && chip.config.vectorUnit.startupCycles == 8)
        #expect(stats.totalCycles == 5 + 8)
        #expect(stats.counters.sramReadBytes == 16384)
        #expect(stats.counters.sramWriteBytes == 4096)
    }

    /// A vector instruction's parameters (an rms_norm's weights, a dequantize's scales) count as
    /// SRAM read and in its SRAM-bound time, like its inputs.
    @Test func vectorParametersAreReadAndTimed() throws {
        // Edge: 4096 SRAM bytes per cycle, startup 8. Input 8192 + input2 4096 read + 4096 written
        // = 16384 bytes → 4 cycles; 4097 bytes of parameters more (20481 bytes) → 6 cycles.
        func run(parameters: SRAMRange) throws -> SimulationStatistics {
            var builder = ProgramBuilder(units: units, tags: ["t"])
            builder.emit(.vector(kind: .rmsNorm, operations: 16, specialOps: 1, input: SRAMRange(base: 0, bytes: 8192),
                                 output: SRAMRange(base: 20000, bytes: 4096), input2: SRAMRange(base: 10000, bytes: 4096),
                                 parameters: parameters),
                         on: 2, tag: 0, waits: [])
            return try Engine(chip: chip).run(builder.build())
        }
        let without = try run(parameters: .empty)
        #expect(without.totalCycles == 4 + 8)
        #expect(without.counters.sramReadBytes == 12288)
        let with = try run(parameters: SRAMRange(base: 30000, bytes: 4097))
        #expect(with.totalCycles == 6 + 8)
        #expect(with.units[2].busyCycles == 6)
        #expect(with.counters.sramReadBytes == 12288 + 4097)
        #expect(with.counters.sramWriteBytes == 4096)
        // Priced as SRAM reads: 4097 bytes more.
        let sram = EnergyModel.energy(of: with.counters, on: chip, seconds: 0).sramJoules
            - EnergyModel.energy(of: without.counters, on: chip, seconds: 0).sramJoules
        #expect(abs(sram - 4097 * chip.technology.sramReadPicojoulesPerByte * 1e-12) < 1e-18)
    }

    @Test func oneTileTakesLoadPlusTokensPlusDepth() throws {
        var builder = ProgramBuilder(units: units, tags: ["t"])
        builder.emit(tile(tokens: 1), on: 1, tag: 0, waits: [])
        let stats = try Engine(chip: chip).run(builder.build())
        // 16384 B / 64 B per cycle = 256 load + 1 token + ⌈log2 256⌉ = 8 adder stages.
        #expect(stats.totalCycles == 256 + 1 + 8)
        #expect(stats.counters.ternaryAdds == 256 * 256)
        #expect(stats.units[1].busyCycles == 265)
    }

    @Test func shadowWeightRegistersHideTheNextTilesLoad() throws {
        var builder = ProgramBuilder(units: units, tags: ["t"])
        for _ in 0..<3 { builder.emit(tile(tokens: 300), on: 1, tag: 0, waits: []) }
        let program = builder.build()
        // Without: 3 × (256 load + 300 tokens + 8 depth) = 1692.
        #expect(try Engine(chip: chip).run(program).totalCycles == 3 * (256 + 300 + 8))
        // With: only the first load shows; each later load overlaps the previous tile's 300 tokens,
        // and each tile streams as soon as the previous one's last token has entered the adder
        // tree, so only the last tile's drain shows: 256 + 3 × 300 + 8 = 1164.
        let shadow = chip.with { $0.ternaryArray.shadowWeightRegisters = true }
        let stats = try Engine(chip: shadow).run(program)
        #expect(stats.totalCycles == 256 + 3 * 300 + 8)
        #expect(stats.units[1].busyCycles == 256 + 3 * 300, "busy from the first load until the last token enters")
    }

    @Test func packedFormatsPassTheUnpackStage() throws {
        // A 256×256 TL2 tile: 65536 × 5/3 bits = 13654 bytes → ⌈13654 / 64⌉ = 214 load cycles.
        let tl2Tile = Instruction.Operation.ternaryTile(rows: 256, columns: 256, tokens: 1, weights: SRAMRange(base: 0, bytes: 13654),
                                                        input: SRAMRange(base: 0, bytes: 256), accumulator: SRAMRange(base: 0, bytes: 1024),
                                                        accumulate: false)
        var builder = ProgramBuilder(units: units, tags: ["t"])
        builder.emit(tl2Tile, on: 1, tag: 0, waits: [])
        let program = builder.build()
        let tl2 = chip.with { $0.weightFormat = .tl2 }
        let fast = try Engine(chip: tl2.with { $0.ternaryArray.unpackWeightsPerCycle = 1024 }).run(program)
        #expect(fast.totalCycles == 214 + 1 + 8)  // 65536 / 1024 = 64 unpack cycles hide under the load
        let slow = try Engine(chip: tl2.with { $0.ternaryArray.unpackWeightsPerCycle = 128 }).run(program)
        #expect(slow.totalCycles == 512 + 1 + 8)  // 65536 / 128 = 512 unpack cycles dominate
        #expect(slow.counters.unpackedWeights == 65536)
        let i2s = try Engine(chip: chip.with { $0.ternaryArray.unpackWeightsPerCycle = 128 }).run(program)
        #expect(i2s.counters.unpackedWeights == 0, "I2_S codes need no unpacking")
        let energy = EnergyModel.energy(of: slow.counters, on: tl2, seconds: 0).arithmeticJoules
            - EnergyModel.energy(of: i2s.counters, on: chip, seconds: 0).arithmeticJoules
        #expect(abs(energy - 65536 * chip.technology.weightUnpackPicojoulesPerWeight * 1e-12) < 1e-18)
    }

    @Test func shadowWeightRegistersNeverSlowACompiledStep() throws {
        let graph = try TritModel.Graph.prefill(try Harness.model("bitnet-b1.58-2B-4T"), tokens: 256)
        for chipName in Harness.chipNames {
            let base = try Harness.chip(chipName)
            let plain = try Harness.simulate(graph, on: base).1.totalCycles
            let shadow = try Harness.simulate(graph, on: base.with { $0.ternaryArray.shadowWeightRegisters = true }).1.totalCycles
            #expect(shadow <= plain, "\(chipName): \(shadow) > \(plain)")
        }
    }

    @Test func transfersShareTheChannelAndOverlapLatency() throws {
        var builder = ProgramBuilder(units: units, tags: ["t"])
        builder.emit(load(1160), on: 0, tag: 0, waits: [])
        builder.emit(load(1160), on: 0, tag: 0, waits: [])
        let stats = try Engine(chip: chip).run(builder.build())
        // Each: ⌈1160 / 116.025⌉ = 10 channel cycles. Second starts at 10, ends at 20; its data is
        // usable 100 cycles later, at 120.
        #expect(stats.totalCycles == 120)
        #expect(stats.dramBusyCycles == 20)
        #expect(stats.counters.dramReadBytes == 2320)
    }

    @Test func aTileWaitsForItsWeightsAndCountsTheWaitAsMemory() throws {
        var builder = ProgramBuilder(units: units, tags: ["t"])
        let weights = builder.emit(load(16384), on: 0, tag: 0, waits: []) ?? -1
        builder.emit(tile(tokens: 4), on: 1, tag: 0, waits: [weights])
        let stats = try Engine(chip: chip).run(builder.build())
        // DMA: ⌈16384 / 116.025⌉ = 142 cycles + 100 latency = 242; tile: 256 + 4 + 8 = 268.
        #expect(stats.totalCycles == 242 + 268)
        #expect(stats.units[1].waitingOnMemoryCycles == 242)
        #expect(stats.units[1].waitingOnComputeCycles == 0)
    }

    @Test func unitsRunInProgramOrderEvenWhenLaterWorkIsReady() throws {
        var builder = ProgramBuilder(units: units, tags: ["t"])
        let weights = builder.emit(load(16384), on: 0, tag: 0, waits: []) ?? -1
        builder.emit(tile(tokens: 1), on: 1, tag: 0, waits: [weights])
        builder.emit(tile(tokens: 1), on: 1, tag: 0, waits: [])
        let stats = try Engine(chip: chip).run(builder.build())
        // The second tile needs nothing but queues behind the first: 242 + 265 + 265.
        #expect(stats.totalCycles == 242 + 265 + 265)
    }

    @Test func aWaitThatIsNeverSignalledIsReportedNotHung() throws {
        var builder = ProgramBuilder(units: units, tags: ["t"])
        builder.emit(tile(tokens: 1), on: 1, tag: 0, waits: [])
        builder.emit(tile(tokens: 1), on: 1, tag: 0, waits: [], signals: false)
        var program = builder.build()
        program.tokenCount = 2
        program.waitTokens = [1]
        program.instructions[0].waitCount = 1
        do {
            _ = try Engine(chip: chip).run(program)
            Issue.record("a deadlocked program ran")
        } catch let error as InputError {
            #expect(error.found.contains("never signalled"))
            #expect(error.location.contains("instruction 0"))
        }
    }

    @Test func moreTokensThanInstructionsIsRefusedBeforeAllocating() throws {
        var builder = ProgramBuilder(units: units, tags: ["t"])
        builder.emit(tile(tokens: 1), on: 1, tag: 0, waits: [])
        var program = builder.build()
        program.tokenCount = 1 << 31
        #expect(throws: InputError.self) { try Engine(chip: chip).run(program) }
    }

    @Test func malformedProgramsAreRefused() throws {
        var builder = ProgramBuilder(units: units, tags: ["t"])
        builder.emit(tile(tokens: 1), on: 1, tag: 0, waits: [])
        var badUnit = builder.build()
        badUnit.instructions[0].unit = 9
        #expect(throws: InputError.self) { try Engine(chip: chip).run(badUnit) }
        var badToken = builder.build()
        badToken.waitTokens = [42]
        badToken.instructions[0].waitCount = 1
        #expect(throws: InputError.self) { try Engine(chip: chip).run(badToken) }
        var badTag = builder.build()
        badTag.instructions[0].tag = 3
        #expect(throws: InputError.self) { try Engine(chip: chip).run(badTag) }
    }
}
