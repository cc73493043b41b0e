import Testing
import TritCore
import TritISA

/// `.tbin` validation: every corruption throws `InputError` at a named byte or instruction.
@Suite struct ProgramEncodingTests {
    /// Two instructions; layout: header 0 ..< 40, units 40 ..< 62 (`dma.0` 10 bytes, `array.0`
    /// 12), tags 62 ..< 75 (`ffn` 7, `é` 6), record 0 at 75, record 1 at 171, one wait token at
    /// 267, 271 bytes in all.
    static func program() throws -> Program {
        try Program.assemble(ProgramAssemblyTests.base.joined(separator: "\n"), source: "base.tasm")
    }

    static let record0 = 75, record1 = 171, waits = 267, total = 271

    @Test func layoutIsAsDocumented() throws {
        let bytes = try Self.program().binary()
        #expect(bytes.count == Self.total)
        #expect(Array(bytes[0 ..< 8]) == [0x54, 0x42, 0x49, 0x4E, 1, 0, 96, 0])
        #expect(Array(bytes[8 ..< 40]) == [2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
                                           2, 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(bytes[40 ..< 50]) == [0, 5, 0, 0, 0] + Array("dma.0".utf8))
        #expect(Array(bytes[69 ..< 75]) == [2, 0, 0, 0] + Array("é".utf8))
        // record 1: tile, kind 0, unit 1, tag 0, accumulate, signal 1, waits 0+1, rows=1
        #expect(Array(bytes[Self.record1 ..< Self.record1 + 32])
            == [2, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(bytes[Self.waits...]) == [0, 0, 0, 0])
    }

    static func expectError(_ bytes: [UInt8], _ location: String, _ expected: String = "",
                            sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try Program.decode(bytes, source: "bad.tbin")
            Issue.record("decoded corrupt bytes", sourceLocation: sourceLocation)
        } catch let error as InputError {
            #expect(error.source == "bad.tbin", sourceLocation: sourceLocation)
            #expect(error.location == location, "\(error)", sourceLocation: sourceLocation)
            #expect(error.expected.contains(expected), "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    /// `bytes` with `count` little-endian bytes of `value` written at `offset`.
    static func patched(_ bytes: [UInt8], at offset: Int, _ value: Int64, count: Int) -> [UInt8] {
        var copy = bytes
        for index in 0 ..< count { copy[offset + index] = UInt8(truncatingIfNeeded: value >> Int64(8 * index)) }
        return copy
    }

    @Test func headerCorruptionIsReportedAtItsByte() throws {
        let bytes = try Self.program().binary()
        var flipped = bytes
        flipped[0] ^= 0xFF
        Self.expectError(flipped, "byte 0", "magic")
        Self.expectError(Self.patched(bytes, at: 4, 2, count: 2), "byte 4", "version")
        Self.expectError(Self.patched(bytes, at: 6, 64, count: 2), "byte 6", "record size")
        Self.expectError(Self.patched(bytes, at: 8, 70_000, count: 4), "byte 8", "units")
        Self.expectError(Self.patched(bytes, at: 8, 1000, count: 4), "byte 8", "counts that fit")
        Self.expectError(Self.patched(bytes, at: 12, 70_000, count: 4), "byte 12", "tags")
        Self.expectError(Self.patched(bytes, at: 16, 3, count: 8), "byte 16", "instruction count")
        Self.expectError(Self.patched(bytes, at: 16, Int64.max, count: 8), "byte 16", "instruction count")
        Self.expectError(Self.patched(bytes, at: 24, -1, count: 8), "byte 24", "wait-token count")
        Self.expectError(Self.patched(bytes, at: 32, -1, count: 8), "byte 32", "token count")
        // A unit name's length beyond the data, a name that is not UTF-8, an unknown unit kind.
        Self.expectError(Self.patched(bytes, at: 41, 1_000_000, count: 4), "byte 41", "name of unit 0")
        Self.expectError(Self.patched(bytes, at: 45, 0xFF, count: 1), "byte 45", "UTF-8")
        Self.expectError(Self.patched(bytes, at: 40, 9, count: 1), "byte 40", "unit kind")
        // Fewer instruction records than counted once names are longer than their minimum.
        Self.expectError(Self.patched(bytes, at: 24, 4, count: 8), "byte 75", "instruction records")
    }

    @Test func recordCorruptionIsReportedAtItsInstruction() throws {
        let bytes = try Self.program().binary()
        let r0 = Self.record0, r1 = Self.record1
        Self.expectError(Self.patched(bytes, at: r1, 0xFF, count: 1), "instruction 1", "opcode")
        Self.expectError(Self.patched(bytes, at: r0, 0xFF, count: 1), "instruction 0", "opcode")
        Self.expectError(Self.patched(bytes, at: r0 + 1, 9, count: 1), "instruction 0", "DMA stream")
        Self.expectError(Self.patched(bytes, at: r1 + 1, 1, count: 1), "instruction 1", "kind 0")
        Self.expectError(Self.patched(bytes, at: r1 + 2, 2, count: 2), "instruction 1", "unit index")
        Self.expectError(Self.patched(bytes, at: r0 + 4, 2, count: 2), "instruction 0", "tag index")
        Self.expectError(Self.patched(bytes, at: r0 + 6, 1, count: 1), "instruction 0", "flags 0")
        Self.expectError(Self.patched(bytes, at: r1 + 6, 3, count: 1), "instruction 1", "flags 0 or 1")
        Self.expectError(Self.patched(bytes, at: r1 + 7, 1, count: 1), "instruction 1", "reserved")
        Self.expectError(Self.patched(bytes, at: r1 + 20, 1, count: 4), "instruction 1", "reserved")
        Self.expectError(Self.patched(bytes, at: r1 + 8, 0, count: 4), "instruction 1", "not signalled")
        Self.expectError(Self.patched(bytes, at: r1 + 8, 2, count: 4), "instruction 1", "signal token")
        Self.expectError(Self.patched(bytes, at: r1 + 8, -2, count: 4), "instruction 1", "signal token")
        Self.expectError(Self.patched(bytes, at: r1 + 12, 1, count: 4), "instruction 1", "wait range")
        Self.expectError(Self.patched(bytes, at: r1 + 16, -1, count: 4), "instruction 1", "wait range")
        Self.expectError(Self.patched(bytes, at: r0 + 24 + 8, -64, count: 8), "instruction 0", "dram.bytes ≥ 0")
        Self.expectError(Self.patched(bytes, at: r1 + 24, Int64(Int32.max) + 1, count: 8), "instruction 1", "rows ≤")
        Self.expectError(Self.patched(bytes, at: r0 + 24 + 8 * 8, 1, count: 8), "instruction 0", "unused operand slot 8")
    }

    @Test func waitTokensAndTrailingBytesAreChecked() throws {
        let bytes = try Self.program().binary()
        Self.expectError(Self.patched(bytes, at: Self.waits, 2, count: 4), "byte 267", "wait token in 0 ..< 2")
        Self.expectError(bytes + [0], "byte 271", "end of the data")
    }

    @Test func everyTruncationThrows() throws {
        let bytes = try Self.program().binary()
        for length in 0 ..< bytes.count {
            #expect(throws: InputError.self, "cut at \(length)") {
                try Program.decode(Array(bytes[0 ..< length]), source: "cut.tbin")
            }
        }
        #expect(try Program.decode(bytes, source: "whole.tbin") == Self.program())
    }

    /// Random byte changes never trap: decoding returns a program or throws `InputError`.
    @Test func randomCorruptionNeverTraps() {
        var random = SplitMix64(seed: 7)
        var thrown = 0
        for _ in 0 ..< 400 {
            var bytes = RandomPrograms.program(&random, maxInstructions: 6).binary()
            for _ in 0 ..< 1 + random.below(3) {
                let index = random.below(bytes.count)
                switch random.below(3) {
                case 0: bytes[index] = UInt8(truncatingIfNeeded: random.next())
                case 1: bytes.remove(at: index)
                default: bytes[index] ^= 1 << UInt8(random.below(8))
                }
            }
            do {
                _ = try Program.decode(bytes, source: "fuzz.tbin")
            } catch is InputError {
                thrown += 1
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        #expect(thrown > 200)
    }
}
