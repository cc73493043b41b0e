import Testing
import TritCore
import TritISA

/// The link instructions of multi-chip programs: bytes moved (the ring all-reduce formula) and
/// the static checks that keep them on a chip that has a link.
@Suite struct LinkInstructionTests {
    /// Ring all-reduce: each of N chips sends and receives ⌈2(N − 1) × b / N⌉ bytes.
    @Test func linkBytesFollowTheRingFormula() {
        #expect(LinkKind.allReduce.linkBytes(chips: 8, bytes: 16_384) == (28_672, 28_672))  // 2 × 7 / 8 × 16 KiB
        #expect(LinkKind.allReduce.linkBytes(chips: 2, bytes: 1000) == (1000, 1000))
        #expect(LinkKind.allReduce.linkBytes(chips: 3, bytes: 10) == (14, 14))  // ⌈40 / 3⌉
        #expect(LinkKind.allReduce.linkBytes(chips: 1, bytes: 10) == (0, 0))
        #expect(LinkKind.send.linkBytes(chips: 2, bytes: 4096) == (4096, 0))
        #expect(LinkKind.receive.linkBytes(chips: 2, bytes: 4096) == (0, 4096))
    }

    private let limits = ProgramCheck.Limits(sramBytes: 1 << 20, dramBytes: 1 << 30, arrays: 1, arrayRows: 256, arrayColumns: 256,
                                             bitsPerWeight: BitsPerWeight(numerator: 2, denominator: 1), linkUnits: 1)

    private func check(_ operation: Instruction.Operation, limits: ProgramCheck.Limits) throws {
        var builder = ProgramBuilder(units: [UnitDescriptor(kind: .link, name: "link")], tags: ["link"])
        builder.emit(operation, on: 0, tag: 0, waits: [])
        try ProgramCheck.check(builder.build(), limits: limits, source: "p.tasm")
    }

    @Test func linkTransfersPassOnAChipWithALink() throws {
        try check(.link(kind: .allReduce, chips: 8, data: SRAMRange(base: 0, bytes: 16_384)), limits: limits)
        try check(.link(kind: .send, chips: 2, data: SRAMRange(base: 0, bytes: 1)), limits: limits)
        try check(.link(kind: .receive, chips: 2, data: SRAMRange(base: 1024, bytes: 1024)), limits: limits)
    }

    @Test(arguments: [
        (Instruction.Operation.link(kind: .allReduce, chips: 1, data: SRAMRange(base: 0, bytes: 64)), "resources"),
        (.link(kind: .send, chips: 3, data: SRAMRange(base: 0, bytes: 64)), "resources"),
        (.link(kind: .receive, chips: 2, data: SRAMRange(base: 0, bytes: 0)), "resources"),
        (.link(kind: .allReduce, chips: 8, data: SRAMRange(base: (1 << 20) - 8, bytes: 64)), "sram"),
    ])
    func badTransfersAreRefusedWithTheRule(operation: Instruction.Operation, rule: String) {
        #expect(throws: InputError.self) { try check(operation, limits: limits) }
        do {
            try check(operation, limits: limits)
        } catch let error as InputError {
            #expect(error.expected.hasPrefix(rule + ":"), "\(error)")
        } catch {
            Issue.record("\(error)")
        }
    }

    /// A lone chip has no link unit: a program with one is refused before it is simulated.
    @Test func aLoneChipHasNoLinkUnit() {
        var lone = limits
        lone.linkUnits = 0
        do {
            try check(.link(kind: .send, chips: 2, data: SRAMRange(base: 0, bytes: 64)), limits: lone)
            Issue.record("accepted a link unit on a lone chip")
        } catch let error as InputError {
            #expect(error.location == "units")
            #expect(error.expected.contains("at most 0 link units"))
        } catch {
            Issue.record("\(error)")
        }
    }
}
