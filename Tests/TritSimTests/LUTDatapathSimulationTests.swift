import Foundation
import Testing
import TritChip
import TritCore
import TritISA
import TritModel
import TritSim

/// The `lut` datapath: hand-derived tile timing and energy, the adds it saves, and compiled runs.
@Suite struct LUTDatapathSimulationTests {
    /// The edge preset (256×256 arrays, 64 B/cycle tile load, 7 nm) with the adder tree.
    let chip: ResolvedChip
    let units = [UnitDescriptor(kind: .dma, name: "dma"), UnitDescriptor(kind: .ternaryArray, name: "array.0"),
                 UnitDescriptor(kind: .vector, name: "vector")]

    init() throws { chip = try Harness.chip("edge-lpddr5x") }

    private func lut(_ groupSize: Int) -> ResolvedChip {
        chip.with { $0.ternaryArray.datapath = .lut; $0.ternaryArray.lutGroupSize = groupSize }
    }

    /// One 256×256 I2_S tile (16384 bytes) over `tokens` tokens, not accumulating.
    private func oneTile(tokens: Int32) -> Program {
        var builder = ProgramBuilder(units: units, tags: ["t"])
        builder.emit(.ternaryTile(rows: 256, columns: 256, tokens: tokens, weights: SRAMRange(base: 0, bytes: 16384),
                                  input: SRAMRange(base: 0, bytes: 256 * Int64(tokens)),
                                  accumulator: SRAMRange(base: 0, bytes: 1024 * Int64(tokens)), accumulate: false),
                     on: 1, tag: 0, waits: [])
        return builder.build()
    }

    @Test func oneTileWithGroupsOfThree() throws {
        let stats = try Engine(chip: lut(3)).run(oneTile(tokens: 4))
        // Load 16384 B / 64 B per cycle = 256; 4 tokens; depth ⌈log2 3⌉ = 2 table-build stages
        // + 1 table read + ⌈log2 ⌈256 / 3⌉⌉ = ⌈log2 86⌉ = 7 reduction stages = 10.
        #expect(stats.totalCycles == 256 + 4 + 10)
        // 256 rows = 85 groups of 3 + 1 of 1. Table: 85 × ((27 − 1)/2 − 3) = 85 × 10 = 850 adds per
        // token (the single-activation group needs none); lookups and accumulating adds:
        // 86 groups × 256 columns × 4 tokens = 88064 each.
        #expect(stats.counters.ternaryAdds == 0)
        #expect(stats.counters.lutBuildAdds == 850 * 4)
        #expect(stats.counters.lutLookups == 86 * 256 * 4)
        #expect(stats.counters.lutAccumulateAdds == 86 * 256 * 4)
        #expect(stats.counters.int32Adds == 0)
        #expect(stats.counters.unpackedWeights == 0)
        // 7 nm: INT8 add 0.007 pJ, lookup 0.007 pJ → (3400 + 88064) × 0.007 + 88064 × 0.007 pJ.
        let t = chip.technology
        let expected = (3400 + 88064) * t.int8AddPicojoules + 88064 * t.lutLookupPicojoules
        let energy = EnergyModel.energy(of: stats.counters, on: lut(3), seconds: 0)
        #expect(abs(energy.arithmeticJoules - expected * 1e-12) < 1e-20)
        #expect(abs((3400 + 2 * 88064) * 0.007e-12 - energy.arithmeticJoules) < 1e-20)
        // SRAM traffic is the adder tree's: the tables live in registers.
        let tree = try Engine(chip: chip).run(oneTile(tokens: 4))
        #expect(stats.counters.sramReadBytes == tree.counters.sramReadBytes)
        #expect(stats.counters.sramWriteBytes == tree.counters.sramWriteBytes)
        #expect(tree.totalCycles == 256 + 4 + 8)
    }

    /// Adds per weight per token: 1 for the adder tree; 1/g accumulating plus the table build
    /// shared by the columns for the LUT. With a lookup priced at one INT8 add (the technology
    /// tables' assumption), g = 2 breaks even on arithmetic energy and g = 3, 4 save.
    @Test(arguments: 2...4)
    func fewerAddsPerWeightThanTheAdderTree(groupSize: Int) throws {
        let program = oneTile(tokens: 16)
        let tree = try Engine(chip: chip).run(program)
        let table = try Engine(chip: lut(groupSize)).run(program)
        let lutAdds = table.counters.lutBuildAdds + table.counters.lutAccumulateAdds
        #expect(lutAdds < tree.counters.ternaryAdds, "g = \(groupSize): \(lutAdds) adds ≥ \(tree.counters.ternaryAdds)")
        #expect(table.counters.lutLookups * Int64(groupSize) >= tree.counters.ternaryAdds)
        let treeEnergy = EnergyModel.energy(of: tree.counters, on: chip, seconds: 0).arithmeticJoules
        let lutEnergy = EnergyModel.energy(of: table.counters, on: lut(groupSize), seconds: 0).arithmeticJoules
        if groupSize == 2 {
            // 128 groups: 256 build adds + 2 × 32768 lookups and adds per token vs 65536 adds.
            #expect(table.counters.lutBuildAdds == 256 * 16)
            #expect(abs(lutEnergy - treeEnergy - 256 * 16 * chip.technology.int8AddPicojoules * 1e-12) < 1e-18)
        } else {
            #expect(lutEnergy < treeEnergy, "g = \(groupSize): \(lutEnergy) J ≥ \(treeEnergy) J")
        }
    }

    @Test func tl2CodesIndexTheTableOfThreeWithoutUnpacking() throws {
        // A 256×256 TL2 tile: 13654 bytes → ⌈13654 / 64⌉ = 214 load cycles; unpacking at 128
        // weights/cycle would take 65536 / 128 = 512.
        var builder = ProgramBuilder(units: units, tags: ["t"])
        builder.emit(.ternaryTile(rows: 256, columns: 256, tokens: 1, weights: SRAMRange(base: 0, bytes: 13654),
                                  input: SRAMRange(base: 0, bytes: 256), accumulator: SRAMRange(base: 0, bytes: 1024), accumulate: false),
                     on: 1, tag: 0, waits: [])
        let program = builder.build()
        func tl2(_ g: Int) -> ResolvedChip {
            lut(g).with { $0.weightFormat = .tl2; $0.ternaryArray.unpackWeightsPerCycle = 128 }
        }
        let three = try Engine(chip: tl2(3)).run(program)
        #expect(three.totalCycles == 214 + 1 + 10)
        #expect(three.counters.unpackedWeights == 0)
        let two = try Engine(chip: tl2(2)).run(program)
        #expect(two.totalCycles == 512 + 1 + 9)  // g = 2 depth: 1 + 1 + ⌈log2 128⌉ = 9
        #expect(two.counters.unpackedWeights == 65536)
    }

    @Test func anOutOfRangeGroupSizeBuiltInCodeIsRefusedByTheEngine() throws {
        do {
            _ = try Engine(chip: lut(7)).run(oneTile(tokens: 1))
            Issue.record("simulated a group size of 7")
        } catch let error as InputError {
            #expect(error.location == "ternaryArray.lutGroupSize")
            #expect(error.source == chip.config.errorSource)
        }
    }

    /// A compiled model on a LUT chip: every ternary MAC is replaced by lookups, the energy
    /// breakdown still sums to the total, and arithmetic energy falls below the adder tree's.
    @Test func aCompiledModelRunsOnALUTChip() throws {
        let model = try Harness.model("bitnet_b1_58-large")
        let lutChip = chip.with { $0.ternaryArray.datapath = .lut }  // default g = 3
        for graph in [try Graph.decode(model, batch: 1, context: 128), try Graph.prefill(model, tokens: 64)] {
            let (_, stats) = try Harness.simulate(graph, on: lutChip)
            let (_, tree) = try Harness.simulate(graph, on: chip)
            #expect(stats.counters.ternaryAdds == 0)
            // Hidden 1536 and FFN 4096 are multiples of 256, so every tile is a full 256 × 256:
            // 86 lookups per 256 weights per token, 850 build adds per 65536.
            #expect(stats.counters.lutLookups * 256 == graph.ternaryMACs * 86)
            #expect(stats.counters.lutBuildAdds * 65536 == graph.ternaryMACs * 850)
            #expect(stats.counters.lutAccumulateAdds == stats.counters.lutLookups)
            // The same program shape: DRAM and SRAM traffic do not depend on the datapath.
            #expect(stats.counters.dramReadBytes == tree.counters.dramReadBytes)
            #expect(stats.counters.sramReadBytes == tree.counters.sramReadBytes)
            var summed = ActionCounters()
            for counters in stats.countersByTag { summed.add(counters) }
            #expect(summed == stats.counters)
            let total = EnergyModel.energy(of: stats.counters, on: lutChip, seconds: stats.seconds)
            #expect(abs(total.components.values.reduce(0, +) - total.totalJoules) <= 1e-12 * total.totalJoules)
            let byTag = stats.countersByTag.reduce(0.0) { $0 + EnergyModel.energy(of: $1, on: lutChip, seconds: 0).totalJoules }
            #expect(abs(byTag + total.staticJoules - total.totalJoules) <= 1e-9 * total.totalJoules)
            let treeArithmetic = EnergyModel.energy(of: tree.counters, on: chip, seconds: tree.seconds).arithmeticJoules
            #expect(total.arithmeticJoules < treeArithmetic)
            // Two more pipeline stages per tile (10 vs 8) can only add time.
            #expect(stats.totalCycles >= tree.totalCycles)
        }
    }
}
