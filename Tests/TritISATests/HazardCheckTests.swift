import Testing
import TritCore
@testable import TritISA

/// `HazardCheck` on hand-written programs, and against `HazardOracle` on random ones.
@Suite struct HazardCheckTests {
    /// Units d0, d1 (DMA), a0, a1 (arrays), v (vector), m (attention); tag t; one token per line.
    static func program(_ lines: [String]) throws -> Program {
        let header = [".tritsim-asm 1", ".unit d0 dma", ".unit d1 dma", ".unit a0 ternary_array", ".unit a1 ternary_array",
                      ".unit v vector", ".unit m attention", ".tag t", ".tokens \(lines.count)"]
        return try Program.assemble((header + lines).joined(separator: "\n") + "\n", source: "h.tasm")
    }

    /// The error `HazardCheck.check` throws for `lines`, or nil if it accepts them.
    static func refusal(_ lines: [String], hazards: HazardCheck.Hazards = .readAfterWrite) throws -> InputError? {
        do {
            try HazardCheck.check(try program(lines), hazards: hazards, source: "h.tasm")
            return nil
        } catch let error as InputError {
            return error
        }
    }

    static func load(_ sram: String, _ extra: String = "", on unit: String = "d0") -> String {
        let bytes = sram.split(separator: "+").last ?? "1"
        return "\(unit) dma.load stream=activations dram=0+\(bytes) sram=\(sram) tag=t \(extra)"
    }

    static func vector(_ input: String, _ output: String, _ extra: String = "") -> String {
        "v vector.quantize operations=1 special_ops=0 input=\(input) output=\(output) tag=t \(extra)"
    }

    static func matrix(_ input: String, _ output: String, _ extra: String = "") -> String {
        "m matrix.scores macs=1 input=\(input) output=\(output) tag=t \(extra)"
    }

    @Test func aReadOnAnotherUnitWithoutATokenIsRefused() throws {
        let error = try #require(try Self.refusal([Self.load("0+64", "signal=0"), Self.vector("0+64", "64+64")]))
        #expect(error == InputError(
            source: "h.tasm", location: "instruction 1 (0-based, on v)",
            expected: "read-after-write: every SRAM byte it reads last written by an instruction that completes before it starts (earlier on the same compute unit, or through tokens)",
            found: "bytes 0..<64 of its input range 0+64, last written by instruction 0 (on d0), which may still be running"))
    }

    @Test func theSameReadWaitingOnTheWritersTokenIsAccepted() throws {
        #expect(try Self.refusal([Self.load("0+64", "signal=0"), Self.vector("0+64", "64+64", "wait=0")]) == nil)
    }

    @Test func aChainThroughAThirdUnitOrdersTheRead() throws {
        // d0 → (token 0) → m → (token 1) → v: v reads what d0 wrote.
        #expect(try Self.refusal([Self.load("0+64", "signal=0"), Self.matrix("0+8", "128+8", "wait=0 signal=1"),
                                  Self.vector("0+64", "64+64", "wait=1")]) == nil)
        // d0 → (token 0) → v; v's next instruction (queue order) → (token 1) → m.
        #expect(try Self.refusal([Self.load("0+64", "signal=0"), Self.vector("0+8", "64+8", "wait=0"),
                                  Self.vector("0+8", "72+8", "signal=1"), Self.matrix("0+64", "128+8", "wait=1")]) == nil)
        // m waits on d1, but nothing links m to v: v may not read d1's bytes.
        let error = try #require(try Self.refusal([Self.load("0+64", "signal=0"), Self.vector("0+8", "64+8", "wait=0"),
                                                   Self.load("200+8", "signal=2", on: "d1"), Self.matrix("200+8", "128+8", "wait=2"),
                                                   Self.vector("200+8", "80+8")]))
        #expect(error.location == "instruction 4 (0-based, on v)")
        #expect(error.found.contains("last written by instruction 2 (on d1)"), "\(error)")
    }

    @Test func aReadOfNeverWrittenSRAMIsRefused() throws {
        let error = try #require(try Self.refusal([Self.vector("16+8", "64+8")]))
        #expect(error.location == "instruction 0 (0-based, on v)")
        #expect(error.expected == "read-after-write: every SRAM byte it reads written by an earlier instruction")
        #expect(error.found == "bytes 16..<24 of its input range 16+8, never written (uninitialised SRAM)")
        // Partly written: the unwritten tail is named.
        let partial = try #require(try Self.refusal([Self.load("0+32", "signal=0"), Self.vector("0+64", "64+8", "wait=0")]))
        #expect(partial.found == "bytes 32..<64 of its input range 0+64, never written (uninitialised SRAM)")
    }

    @Test func partialOverlapsNameTheBytesAndTheWriter() throws {
        // d0 writes 0..<64 (token 0), d1 then overwrites 32..<48 (token 1).
        let writes = [Self.load("0+64", "signal=0"), Self.load("32+16", "signal=1", on: "d1")]
        // Only d0's bytes, waiting on d0: accepted, on both sides of d1's bytes.
        #expect(try Self.refusal(writes + [Self.vector("0+32", "100+8", "wait=0")]) == nil)
        #expect(try Self.refusal(writes + [Self.vector("48+16", "100+8", "wait=0")]) == nil)
        // Straddling d1's bytes while waiting on d0 only: d1's bytes are named.
        let error = try #require(try Self.refusal(writes + [Self.vector("16+40", "100+8", "wait=0")]))
        #expect(error.found == "bytes 32..<48 of its input range 16+40, last written by instruction 1 (on d1), which may still be running")
        // Waiting on d1 only: d0's bytes before d1's are named.
        let other = try #require(try Self.refusal(writes + [Self.vector("16+40", "100+8", "wait=1")]))
        #expect(other.found == "bytes 16..<32 of its input range 16+40, last written by instruction 0 (on d0), which may still be running")
        // Both: accepted.
        #expect(try Self.refusal(writes + [Self.vector("0+64", "100+8", "wait=0,1")]) == nil)
        // A read of one byte inside d1's range.
        #expect(try Self.refusal(writes + [Self.vector("40+1", "100+8", "wait=1")]) == nil)
    }

    @Test func computeUnitsOrderTheirOwnQueue() throws {
        // v writes 64..<72, then reads it with no token: same unit, earlier in its queue.
        #expect(try Self.refusal([Self.load("0+8", "signal=0"), Self.vector("0+8", "64+8", "wait=0"), Self.vector("64+8", "80+8")]) == nil)
        // An array accumulating into its own sums; another array may not read them untimed.
        let tile = { (unit: String, accumulate: Bool, extra: String) in
            "\(unit) tile rows=1 columns=1 tokens=1 weights=0+1 input=1+1 accumulator=8+4 accumulate=\(accumulate) tag=t \(extra)"
        }
        let lines = [Self.load("0+2", "signal=0"), tile("a0", false, "wait=0"), tile("a0", true, "signal=2")]
        #expect(try Self.refusal(lines) == nil)
        let error = try #require(try Self.refusal(lines + [tile("a1", true, "wait=0")]))
        #expect(error.location == "instruction 3 (0-based, on a1)")
        #expect(error.found == "bytes 8..<12 of its accumulator range 8+4, last written by instruction 2 (on a0), which may still be running")
        #expect(try Self.refusal(lines + [tile("a1", true, "wait=0,2")]) == nil)
        // Not accumulating, a tile does not read its accumulator.
        #expect(try Self.refusal(lines + [tile("a1", false, "wait=0")]) == nil)
    }

    @Test func aDMAEngineMayStartBeforeItsPreviousTransferLands() throws {
        // Queue order on a DMA engine does not order a load before the next store of the same bytes.
        let error = try #require(try Self.refusal([Self.load("0+64"), "d0 dma.store stream=activations sram=0+64 dram=0+64 tag=t"]))
        #expect(error.location == "instruction 1 (0-based, on d0)")
        #expect(error.found.contains("last written by instruction 0 (on d0)"), "\(error)")
        // A token does.
        #expect(try Self.refusal([Self.load("0+64", "signal=0"), "d0 dma.store stream=activations sram=0+64 dram=0+64 tag=t wait=0"]) == nil)
        // Transfers of one engine complete in order: waiting on the second covers the first.
        #expect(try Self.refusal([Self.load("0+64"), Self.load("64+64", "signal=1"), Self.vector("0+128", "200+8", "wait=1")]) == nil)
        // The other engine's transfers are not covered.
        #expect(try Self.refusal([Self.load("0+64", on: "d1"), Self.load("64+64", "signal=1"), Self.vector("0+128", "200+8", "wait=1")]) != nil)
    }

    @Test func aSkippedSegmentIsCheckedAgainAfterAnotherWrite() throws {
        // v reads 0..<64 (marked as ordered for v), d1 rewrites part of it untimed, v reads again.
        let error = try #require(try Self.refusal([Self.load("0+64", "signal=0"), Self.vector("0+64", "100+8", "wait=0"),
                                                   Self.load("8+8", on: "d1"), Self.vector("0+64", "100+8")]))
        #expect(error.location == "instruction 3 (0-based, on v)")
        #expect(error.found.hasPrefix("bytes 8..<16 of its input range 0+64, last written by instruction 2 (on d1)"), "\(error)")
    }

    @Test func writeAfterWriteAndWriteAfterReadOnRequest() throws {
        // Two untimed writes of the same bytes.
        let twoWrites = [Self.load("0+64", "signal=0"), Self.load("32+64", on: "d1")]
        #expect(try Self.refusal(twoWrites) == nil)
        let waw = try #require(try Self.refusal(twoWrites, hazards: .writeAfterWrite))
        #expect(waw.location == "instruction 1 (0-based, on d1)")
        #expect(waw.expected.hasPrefix("write-after-write: "))
        #expect(waw.found == "bytes 32..<64 of its sram range 32+64, last written by instruction 0 (on d0), which may still be running")
        #expect(try Self.refusal([Self.load("0+64", "signal=0"), Self.load("32+64", "wait=0", on: "d1")], hazards: .all) == nil)
        // A write overtaking a read of the previous value.
        let overwrite = [Self.load("0+64", "signal=0"), Self.vector("0+64", "100+8", "wait=0 signal=1")]
        let war = try #require(try Self.refusal(overwrite + [Self.load("16+8", "wait=0", on: "d1")], hazards: .writeAfterRead))
        #expect(war.location == "instruction 2 (0-based, on d1)")
        #expect(war.expected.hasPrefix("write-after-read: "))
        #expect(war.found == "bytes 16..<24 of its sram range 16+8 (last written by instruction 0 (on d0)), read since by an instruction on v that may still be running")
        #expect(try Self.refusal(overwrite + [Self.load("16+8", "wait=1", on: "d1")], hazards: .all) == nil)
        // An instruction reading and writing the same bytes does not conflict with itself.
        #expect(try Self.refusal([Self.load("0+64", "signal=0"), "v vector.softmax operations=4 special_ops=1 input=0+64 output=0+64 tag=t wait=0"],
                                 hazards: .all) == nil)
    }

    @Test func violationsListsEveryOperandInProgramOrder() throws {
        let program = try Self.program([Self.vector("0+8", "64+8"), Self.load("0+8"), Self.vector("0+8", "72+8"), Self.matrix("64+16", "96+8")])
        let found = try HazardCheck.violations(in: program, hazards: .readAfterWrite, source: "h.tasm", limit: 10)
        #expect(found.map(\.location) == ["instruction 0 (0-based, on v)", "instruction 2 (0-based, on v)", "instruction 3 (0-based, on m)"])
        #expect(try HazardCheck.violations(in: program, hazards: .readAfterWrite, source: "h.tasm", limit: 2).count == 2)
    }

    /// The last unit the skip marks cover (unit 63) is checked like the first.
    @Test func programsWithManyUnits() throws {
        let units = (0 ..< HazardCheck.maximumUnits).map { UnitDescriptor(kind: $0 == 0 ? .dma : .attention, name: "u\($0)") }
        var builder = ProgramBuilder(units: units, tags: ["t"])
        let loaded = builder.emit(.dmaLoad(stream: .activations, dram: DRAMRange(base: 0, bytes: 64), sram: SRAMRange(base: 0, bytes: 64)),
                                  on: 0, tag: 0, waits: []) ?? -1
        builder.emit(.matrix(kind: .scores, macs: 1, input: SRAMRange(base: 0, bytes: 64), output: SRAMRange(base: 100, bytes: 8)),
                     on: 63, tag: 0, waits: [loaded])
        builder.emit(.dmaLoad(stream: .activations, dram: DRAMRange(base: 0, bytes: 8), sram: SRAMRange(base: 8, bytes: 8)),
                     on: 0, tag: 0, waits: [])
        builder.emit(.matrix(kind: .scores, macs: 1, input: SRAMRange(base: 0, bytes: 64), output: SRAMRange(base: 100, bytes: 8)),
                     on: 63, tag: 0, waits: [])
        let found = try HazardCheck.violations(in: builder.build(), hazards: .readAfterWrite, source: "p", limit: 10)
        #expect(found.map(\.location) == ["instruction 3 (0-based, on u63)"])
    }

    /// A second input operand (`input2`) is read like the first: it must be written before.
    @Test func aSecondInputIsCheckedLikeTheFirst() throws {
        let loads = [Self.load("0+64", "signal=0"), Self.load("200+16", "signal=1", on: "d1")]
        #expect(try Self.refusal(loads + [Self.vector("0+64", "100+8", "wait=0,1 input2=200+16")]) == nil)
        let error = try #require(try Self.refusal(loads + [Self.vector("0+64", "100+8", "wait=0 input2=200+16")]))
        #expect(error.found.hasPrefix("bytes 200..<216 of its input2 range 200+16"), "\(error.found)")
        // Absent, it is the empty range and reads nothing.
        let program = try Self.program([Self.vector("0+0", "100+8")])
        guard case let .vector(_, _, _, _, _, input2, _) = program.instructions[0].operation else {
            Issue.record("not a vector instruction")
            return
        }
        #expect(input2 == .empty)
    }

    /// A vector's `parameters` are read like its inputs: when only they read a range never written,
    /// the refusal names `parameters`; once written before, the instruction passes.
    @Test func vectorParametersAreCheckedLikeItsInputs() throws {
        let loads = [Self.load("0+64", "signal=0"), Self.load("200+16", "signal=1", on: "d1")]
        #expect(try Self.refusal(loads + [Self.vector("0+64", "100+8", "wait=0,1 params=200+16")]) == nil)
        // Only the parameters read bytes never written (input and input2 were loaded and waited on).
        let unwritten = try #require(try Self.refusal(loads + [Self.vector("0+64", "100+8", "wait=0,1 input2=200+16 params=300+8")]))
        #expect(unwritten.location == "instruction 2 (0-based, on v)")
        #expect(unwritten.found.hasPrefix("bytes 300..<308 of its parameters range 300+8"), "\(unwritten.found)")
        #expect(unwritten.found.contains("never written"), "\(unwritten.found)")
        // Written but not waited on: a read-after-write race on the parameters.
        let race = try #require(try Self.refusal(loads + [Self.vector("0+64", "100+8", "wait=0 params=200+16")]))
        #expect(race.found.hasPrefix("bytes 200..<216 of its parameters range 200+16, last written by instruction 1 (on d1)"),
                "\(race.found)")
        // Absent, they are the empty range and read nothing.
        let program = try Self.program([Self.vector("0+0", "100+8")])
        guard case let .vector(_, _, _, _, _, _, parameters) = program.instructions[0].operation else {
            Issue.record("not a vector instruction")
            return
        }
        #expect(parameters == .empty)
    }

    /// An adversary's finding: with more than 64 units the check lost its per-unit marks and went
    /// quadratic; such programs are now refused up front.
    @Test func moreUnitsThanTheMarksHoldAreRefused() throws {
        let units = (0 ..< HazardCheck.maximumUnits + 1).map { UnitDescriptor(kind: .ternaryArray, name: "a\($0)") }
        let program = ProgramBuilder(units: units, tags: ["t"]).build()
        #expect(throws: InputError(source: "p", location: "units",
                                   expected: "at most 64 units for the hazard check (it marks checked SRAM ranges per unit in 64 bits, which keeps it linear)",
                                   found: "65 units")) {
            try HazardCheck.check(program, source: "p")
        }
        try HazardCheck.check(ProgramBuilder(units: Array(units.dropLast()), tags: ["t"]).build(), source: "p")
    }

    /// `ProgramCheck` applies read-after-write as rule 9 when asked, after rules 1–8 hold for every instruction.
    @Test func programCheckAppliesReadAfterWriteWhenAskedAfterTheOtherRules() throws {
        let limits = ProgramCheck.Limits(sramBytes: 1 << 20, dramBytes: 1 << 30, arrays: 2, arrayRows: 16, arrayColumns: 16,
                                         bitsPerWeight: BitsPerWeight(numerator: 2, denominator: 1))
        let race = [Self.load("0+64", "signal=0"), Self.vector("0+64", "64+64")]
        // Rule 9 is applied only when asked for (the compiler's own programs break it for now).
        try ProgramCheck.check(try Self.program(race), limits: limits, source: "h.tasm")
        #expect(throws: InputError(
            source: "h.tasm", location: "instruction 1 (0-based, on v)",
            expected: "read-after-write: every SRAM byte it reads last written by an instruction that completes before it starts (earlier on the same compute unit, or through tokens)",
            found: "bytes 0..<64 of its input range 0+64, last written by instruction 0 (on d0), which may still be running")) {
            try ProgramCheck.check(try Self.program(race), limits: limits, source: "h.tasm", hazards: .readAfterWrite)
        }
        // The same with the wait passes every rule.
        try ProgramCheck.check(try Self.program([Self.load("0+64", "signal=0"), Self.vector("0+64", "64+64", "wait=0")]),
                               limits: limits, source: "h.tasm", hazards: .readAfterWrite)
        // A later instruction breaking rule 5 is named first.
        do {
            try ProgramCheck.check(try Self.program(race + [Self.vector("0+64", "2000000+8", "wait=0")]), limits: limits, source: "h.tasm",
                                   hazards: .readAfterWrite)
            Issue.record("accepted")
        } catch let error as InputError {
            #expect(error.location == "instruction 2 (0-based, on v)")
            #expect(error.expected.hasPrefix("sram: "))
        }
        // Write-after-write only when asked for.
        let twoWrites = try Self.program([Self.load("0+64", "signal=0"), Self.load("0+64", on: "d1"), Self.vector("0+64", "64+64", "wait=0")])
        #expect(throws: InputError.self) { try ProgramCheck.check(twoWrites, limits: limits, source: "h.tasm", hazards: .readAfterWrite) }
        let waw = try Self.program([Self.load("0+64", "signal=0"), Self.load("0+64", "signal=1", on: "d1"), Self.vector("0+64", "64+64", "wait=1")])
        try ProgramCheck.check(waw, limits: limits, source: "h.tasm", hazards: .readAfterWrite)
        #expect(throws: InputError.self) { try ProgramCheck.check(waw, limits: limits, source: "h.tasm", hazards: .all) }
    }

    /// Many small segments read whole, again and again, by two units: each unit checks each segment
    /// once (counted, not timed: quadratic work would take minutes here).
    @Test func fragmentedSRAMIsCheckedOncePerReadingUnit() throws {
        let units = [UnitDescriptor(kind: .dma, name: "d"), UnitDescriptor(kind: .vector, name: "v"),
                     UnitDescriptor(kind: .attention, name: "m")]
        var builder = ProgramBuilder(units: units, tags: ["t"])
        let pieces = 20_000
        var last: TokenID = -1
        for piece in 0 ..< pieces {
            last = builder.emit(.dmaLoad(stream: .activations, dram: DRAMRange(base: 0, bytes: 1),
                                         sram: SRAMRange(base: Int64(piece), bytes: 1)),
                                on: 0, tag: 0, waits: [], signals: piece == pieces - 1) ?? last
        }
        let all = SRAMRange(base: 0, bytes: Int64(pieces))
        for read in 0 ..< pieces {
            let output = SRAMRange(base: Int64(pieces + 8 * (read % 2)), bytes: 8)
            let operation: Instruction.Operation = read % 2 == 0
                ? .vector(kind: .softmax, operations: 1, specialOps: 0, input: all, output: output)
                : .matrix(kind: .scores, macs: 1, input: all, output: output)
            builder.emit(operation, on: UnitID(1 + read % 2), tag: 0, waits: read < 2 ? [last] : [], signals: false)
        }
        let program = builder.build()
        try HazardCheck.check(program, source: "f")
        // Each of the two reading units examines each segment once (20,000 reads of 20,000
        // segments would be 4 × 10⁸ checks if it re-examined them).
        #expect(try HazardCheck.segmentChecks(in: program, source: "f") == 2 * pieces)
    }

    /// Random small programs: the same violations as the literal definition, for each hazard.
    @Test(arguments: [HazardCheck.Hazards.readAfterWrite, .writeAfterWrite, .writeAfterRead, .all])
    func randomProgramsAgreeWithTheDefinition(hazards: HazardCheck.Hazards) throws {
        var random = SplitMix64(seed: 2024 + UInt64(hazards.rawValue))
        var total = 0, onParameters = 0
        for _ in 0 ..< 400 {
            let program = Self.randomProgram(&random)
            let expected = HazardOracle.violations(program, hazards: hazards)
            let found = try HazardCheck.violations(in: program, hazards: hazards, source: "r", limit: Int.max).map(Self.parse)
            #expect(found == expected, "\(program.assembly())")
            total += expected.count
            onParameters += expected.count { $0.operand == "parameters" }
        }
        #expect(total > 100)
        // Vector parameters were generated and read: some reads of them were refused.
        if hazards.contains(.readAfterWrite) { #expect(onParameters > 0) }
    }

    /// A violation as `HazardOracle` states it, read back from the error text.
    static func parse(_ error: InputError) -> HazardOracle.Violation {
        let index = Int(error.location.split(separator: " ")[1]) ?? -1
        let words = error.found.split(separator: " ")
        let address = Int64(words.count > 1 ? words[1].split(separator: ".").first ?? "" : "") ?? -1
        let operand = words.count > 4 ? String(words[4]) : ""
        let kind = error.found.contains("never written") ? "uninitialised" : String(error.expected.prefix { $0 != ":" })
        return HazardOracle.Violation(index: index, operand: operand, kind: kind, address: address)
    }

    /// Up to 30 instructions on up to 5 units over SRAM bytes 0 ..< 64, waiting on random earlier tokens.
    static func randomProgram(_ random: inout SplitMix64) -> Program {
        let units = (0 ..< 1 + random.below(5)).map { UnitDescriptor(kind: random.pick(UnitKind.allCases), name: "u\($0)") }
        var builder = ProgramBuilder(units: units, tags: ["t"])
        var signalled: [TokenID] = []
        func range() -> SRAMRange {
            let base = Int64(random.below(56))
            return SRAMRange(base: base, bytes: Int64(random.below(random.chance(20) ? 1 : 17)))
        }
        for _ in 0 ..< random.below(31) {
            let unit = random.below(units.count)
            let operation: Instruction.Operation
            switch units[unit].kind {
            case .dma:
                let sram = range()
                let dram = DRAMRange(base: 0, bytes: sram.bytes)
                operation = random.chance(60) ? .dmaLoad(stream: .activations, dram: dram, sram: sram)
                    : .dmaStore(stream: .activations, sram: sram, dram: dram)
            case .ternaryArray:
                operation = .ternaryTile(rows: 1, columns: 1, tokens: 1, weights: range(), input: range(), accumulator: range(),
                                         accumulate: random.chance(50))
            case .vector:
                operation = .vector(kind: .softmax, operations: 1, specialOps: 0, input: range(), output: range(),
                                    parameters: random.chance(40) ? range() : .empty)
            case .attention:
                operation = .matrix(kind: .values, macs: 1, input: range(), output: range())
            case .link:
                operation = .link(kind: random.pick(LinkKind.allCases), chips: 2, data: range())
            }
            let waits = signalled.isEmpty ? [] : (0 ..< random.below(4)).map { _ in random.pick(signalled) }
            if let token = builder.emit(operation, on: UnitID(unit), tag: 0, waits: waits, signals: random.chance(70)) {
                signalled.append(token)
            }
        }
        return builder.build()
    }
}
