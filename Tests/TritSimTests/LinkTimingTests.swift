import Foundation
import Testing
import TritChip
import TritCore
import TritISA
import TritSim
import TritTestSupport

/// The link unit's timing equations, with cycle counts derived in comments.
@Suite struct LinkTimingTests {
    /// An edge chip in `edge-lpddr5x-tp8`: 64 GB/s per direction at 1 GHz = 64 B/cycle, 20 ns =
    /// 20 cycles per hop, 0.6 pJ/bit.
    let chip: ResolvedChip

    init() throws {
        chip = try SystemCatalog(folder: RepositoryPaths.configs.appendingPathComponent("systems"),
                                 chips: ChipCatalog(folder: RepositoryPaths.chips, technologyFolder: RepositoryPaths.technology))
            .load("edge-lpddr5x-tp8").chip
    }

    private func run(_ operations: [Instruction.Operation]) throws -> SimulationStatistics {
        var builder = ProgramBuilder(units: [UnitDescriptor(kind: .link, name: "link")], tags: ["link"])
        var previous: TokenID? = nil
        for operation in operations { previous = builder.emit(operation, on: 0, tag: 0, waits: previous.map { [$0] } ?? []) }
        return try Engine(chip: chip).run(builder.build())
    }

    @Test func ringAllReduceTakesTwoNMinusOneHopsAndTwoNMinusOneOverNOfTheBytes() throws {
        let stats = try run([.link(kind: .allReduce, chips: 8, data: SRAMRange(base: 0, bytes: 16_384))])
        // 2 × 7 hops × 20 cycles = 280; each chip sends 2 × 7 / 8 × 16384 = 28672 B at 64 B/cycle = 448.
        #expect(stats.totalCycles == 280 + 448)
        #expect(stats.counters.linkBytesSent == 28_672)
        #expect(stats.counters.linkBytesReceived == 28_672)
        let energy = EnergyModel.energy(of: stats.counters, on: chip, seconds: 0)
        #expect(abs(energy.linkJoules - 28_672 * 8 * 0.6e-12) < 1e-18)
        #expect(energy.components["link"] == energy.linkJoules)
    }

    @Test func sendTakesOneHopPlusTheBytesAndReceiveTakesNothing() throws {
        let stats = try run([.link(kind: .send, chips: 2, data: SRAMRange(base: 0, bytes: 16_384)),
                             .link(kind: .receive, chips: 2, data: SRAMRange(base: 0, bytes: 16_384))])
        // Send: 20 + 16384 / 64 = 276 cycles; the receive that follows it takes 0 (the sender carries the transfer).
        #expect(stats.totalCycles == 276)
        #expect(stats.counters.linkBytesSent == 16_384)
        #expect(stats.counters.linkBytesReceived == 16_384)
    }

    @Test func aChipWithoutALinkRefusesLinkTransfersAndAnSRAMOnlyChipRefusesDMA() throws {
        var builder = ProgramBuilder(units: [UnitDescriptor(kind: .link, name: "link")], tags: ["link"])
        builder.emit(.link(kind: .send, chips: 2, data: SRAMRange(base: 0, bytes: 64)), on: 0, tag: 0, waits: [])
        var lone = chip
        lone.link = nil
        #expect(throws: InputError.self) { try Engine(chip: lone).run(builder.build()) }

        var dma = ProgramBuilder(units: [UnitDescriptor(kind: .dma, name: "dma")], tags: ["t"])
        dma.emit(.dmaLoad(stream: .ternaryWeights, dram: DRAMRange(base: 0, bytes: 64), sram: SRAMRange(base: 0, bytes: 64)),
                 on: 0, tag: 0, waits: [])
        let sramOnly = chip.with { $0.offChipMemory = .none }
        do {
            _ = try Engine(chip: sramOnly).run(dma.build())
            Issue.record("simulated a DMA on an SRAM-only chip")
        } catch let error as InputError {
            #expect(error.location == "offChipMemory")
        }
    }
}
