import Foundation
import Testing
import TritCore
import TritISA
import TritTestSupport

/// `.tbin` validation: every corruption throws `InputError` at a named byte or instruction.
@Suite struct ProgramEncodingTests {
    /// Two instructions; layout: header 0 ..< 40, units 40 ..< 62 (`dma.0` 10 bytes, `array.0`
    /// 12), tags 62 ..< 75 (`ffn` 7, `é` 6), record 0 at 75, record 1 at 187 (112-byte records),
    /// one wait token at 299, 303 bytes in all.
    static func program() throws -> Program {
        try Program.assemble(ProgramAssemblyTests.base.joined(separator: "\n"), source: "base.tasm")
    }

    static let record0 = 75, record1 = 187, waits = 299, total = 303

    @Test func layoutIsAsDocumented() throws {
        let bytes = try Self.program().binary()
        #expect(bytes.count == Self.total)
        #expect(Array(bytes[0 ..< 8]) == [0x54, 0x42, 0x49, 0x4E, 2, 0, 112, 0])
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
        Self.expectError(Self.patched(bytes, at: 4, 3, count: 2), "byte 4", "format version 2 (or 1)")
        Self.expectError(Self.patched(bytes, at: 4, 0, count: 2), "byte 4", "format version 2 (or 1)")
        Self.expectError(Self.patched(bytes, at: 6, 64, count: 2), "byte 6", "record size of 112 bytes (format version 2)")
        // A version-1 header over version-2 records: the record size is that of version 1.
        Self.expectError(Self.patched(bytes, at: 4, 1, count: 2), "byte 6", "record size of 96 bytes (format version 1)")
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
        Self.expectError(Self.patched(bytes, at: r0 + 24 + 8 * 10, 1, count: 8), "instruction 0", "unused operand slot 10")
    }

    @Test func waitTokensAndTrailingBytesAreChecked() throws {
        let bytes = try Self.program().binary()
        Self.expectError(Self.patched(bytes, at: Self.waits, 2, count: 4), "byte 299", "wait token in 0 ..< 2")
        Self.expectError(bytes + [0], "byte 303", "end of the data")
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

    /// `Tests/Fixtures/programs/version1.tbin`, written by the version-1 encoder (96-byte records,
    /// no `parameters`) from `version1.tasm`, beside it: every opcode, vector and matrix `input2`.
    static func versionOneFixture() throws -> (bytes: [UInt8], program: Program) {
        let folder = RepositoryPaths.fixtures.appendingPathComponent("programs")
        let bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent("version1.tbin")))
        let text = try String(contentsOf: folder.appendingPathComponent("version1.tasm"), encoding: .utf8)
        return (bytes, try Program.assemble(text, source: "version1.tasm"))
    }

    /// A version-1 file still decodes: to the program it was written from, every vector's
    /// `parameters` empty; written again, it becomes version 2 (16 bytes more per record).
    @Test func versionOneFilesDecodeWithoutParameters() throws {
        let (bytes, program) = try Self.versionOneFixture()
        #expect(Array(bytes[4 ..< 8]) == [1, 0, 96, 0])
        let decoded = try Program.decode(bytes, source: "version1.tbin")
        #expect(decoded == program)
        let vectors = decoded.instructions.compactMap { instruction -> SRAMRange? in
            guard case let .vector(_, _, _, _, _, _, parameters) = instruction.operation else { return nil }
            return parameters
        }
        #expect(vectors == [.empty, .empty])
        let rewritten = decoded.binary()
        #expect(Array(rewritten[4 ..< 8]) == [2, 0, 112, 0])
        #expect(rewritten.count == bytes.count + 16 * program.instructions.count)
        #expect(try Program.decode(rewritten, source: "version2.tbin") == program)
    }

    /// Version-1 records are validated as before: their 9 slots only, slot 8 unused by a vector
    /// (it has no `parameters`); records of the wrong size and truncations are refused.
    @Test func versionOneRecordsAreValidatedAsVersionOne() throws {
        let (bytes, _) = try Self.versionOneFixture()
        // Header 40, units 59 (dma.data, array.0, vector, attention, link), tags 20 (ffn, attention):
        // records of 96 bytes from 119; instruction 2 is `vector.rms_norm` with input2.
        let vector = 119 + 2 * 96
        #expect(bytes[vector] == 3)
        Self.expectError(Self.patched(bytes, at: vector + 24 + 8 * 8, 1, count: 8), "instruction 2", "unused operand slot 8")
        Self.expectError(Self.patched(bytes, at: vector + 24 + 8 * 7, -1, count: 8), "instruction 2", "input2.bytes ≥ 0")
        Self.expectError(Self.patched(bytes, at: 6, 112, count: 2), "byte 6", "record size of 96 bytes (format version 1)")
        for length in 0 ..< bytes.count {
            #expect(throws: InputError.self, "cut at \(length)") {
                try Program.decode(Array(bytes[0 ..< length]), source: "cut.tbin")
            }
        }
    }

    /// Random programs without parameters, their version-2 records cut to version 1's 96 bytes,
    /// decode to the same program.
    @Test func randomProgramsDecodeFromVersionOneRecords() throws {
        var random = SplitMix64(seed: 96)
        for index in 0 ..< 100 {
            var program = RandomPrograms.program(&random)
            for i in program.instructions.indices {
                if case let .vector(kind, operations, specialOps, input, output, input2, _) = program.instructions[i].operation {
                    program.instructions[i].operation = .vector(kind: kind, operations: operations, specialOps: specialOps,
                                                                input: input, output: output, input2: input2)
                }
            }
            let bytes = program.binary()
            var offset = 40
            func u32(_ at: Int) -> Int { (0 ..< 4).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
            for _ in 0 ..< program.units.count { offset += 5 + u32(offset + 1) }
            for _ in 0 ..< program.tags.count { offset += 4 + u32(offset) }
            var old = Array(bytes[0 ..< offset])
            old[4] = 1
            old[6] = 96
            for record in 0 ..< program.instructions.count {
                let start = offset + 112 * record
                #expect(bytes[start + 96 ..< start + 112].allSatisfy { $0 == 0 })
                old += bytes[start ..< start + 96]
            }
            old += bytes[(offset + 112 * program.instructions.count)...]
            #expect(try Program.decode(old, source: "random-\(index).tbin") == program, "program \(index)")
        }
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
