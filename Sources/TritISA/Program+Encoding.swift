import TritCore

/// The `.tbin` binary encoding of a `Program`: little-endian, versioned, fixed-width records.
///
/// Layout (all integers little-endian; offsets in bytes):
///
/// ```
/// Header, 40 bytes
///   0   4  magic "TBIN" (54 42 49 4E)
///   4   2  u16 format version (2)
///   6   2  u16 instruction record size (112)
///   8   4  u32 unit count U            (≤ 65 536, as UnitID is u16)
///  12   4  u32 tag count T             (≤ 65 536, as Instruction.tag is u16)
///  16   8  u64 instruction count I
///  24   8  u64 wait-token count W
///  32   8  i64 token count             (0 ... 2^31; token IDs are 0 ..< count)
/// Unit table, U entries:  u8 kind (UnitKind.binaryCode), u32 name length n, n bytes UTF-8 name
/// Tag table,  T entries:  u32 name length n, n bytes UTF-8 name
/// Instruction records, I × 112 bytes, in program order:
///   0   1  u8  opcode (Opcode raw value)
///   1   1  u8  kind: DMAStream raw value (dma.load/dma.store), VectorKind raw value (vector),
///              MatrixKind raw value (matrix), LinkKind raw value (link), 0 (tile)
///   2   2  u16 unit (index into the unit table)
///   4   2  u16 tag (index into the tag table)
///   6   1  u8  flags: bit 0 = accumulate (tile only); other bits 0
///   7   1  reserved, 0
///   8   4  i32 signal token, or -1 for none
///  12   4  i32 wait start (index into the wait-token array)
///  16   4  i32 wait count
///  20   4  reserved, 0
///  24  88  11 × i64 operand slots; unused slots are 0:
///            dma.load   dram.base dram.bytes sram.base sram.bytes
///            dma.store  sram.base sram.bytes dram.base dram.bytes
///            tile       rows columns tokens weights.base weights.bytes input.base input.bytes
///                       accumulator.base accumulator.bytes
///            vector     operations specialOps input.base input.bytes output.base output.bytes
///                       input2.base input2.bytes (0 0 when unused, as in files before input2)
///                       parameters.base parameters.bytes (0 0 when unused)
///            matrix     macs input.base input.bytes output.base output.bytes input2.base input2.bytes
///            link       chips data.base data.bytes
/// Wait tokens, W × i32
/// End of data: no trailing bytes.
/// ```
///
/// Version 1 (record size 96, 9 operand slots: the same slots without `parameters`) is still
/// decoded, with every vector's `parameters` empty; `binary()` writes version 2 only.
///
/// Addresses and sizes are bytes; `operations`, `specialOps` and `macs` are counts of operations;
/// `rows`, `columns`, `tokens` and `chips` are counts that must fit in `Int32`. All of them are ≥ 0.
/// Every stored field round-trips, including the `waitTokens` layout (`waitStart`), so
/// `Program.decode(p.binary(), source:) == p` for every well-formed program `p`.
extension Program {
    /// The `.tbin` format version that `binary()` writes; `decode` also reads version 1.
    public static let binaryFormatVersion: UInt16 = 2

    /// Size of one `.tbin` instruction record, bytes (see the layout above).
    public static let binaryRecordBytes = 112

    /// Number of i64 operand slots in one instruction record.
    static let binaryOperandSlots = 11

    /// The record size of each format version `decode` reads: 1 (no `parameters`) and 2.
    static let binaryRecordBytesByVersion: [UInt16: Int] = [1: 96, 2: binaryRecordBytes]
    /// Size of the fixed header, bytes.
    static let binaryHeaderBytes = 40
    static let binaryMagic: [UInt8] = Array("TBIN".utf8)

    /// The `.tbin` encoding of this program (layout in the extension's doc comment).
    ///
    /// Deterministic: equal programs give equal bytes. A program that is not well-formed (an
    /// index out of range, a negative size, more than 65 536 units) still encodes without
    /// trapping, into bytes that `decode` rejects.
    /// - Complexity: O(instructions + wait tokens + name bytes).
    public func binary() -> [UInt8] {
        var writer = ByteWriter()
        let nameBytes = units.reduce(0) { $0 + $1.name.utf8.count } + tags.reduce(0) { $0 + $1.utf8.count }
        writer.bytes.reserveCapacity(Program.binaryHeaderBytes + 5 * units.count + 4 * tags.count + nameBytes
                                     + Program.binaryRecordBytes * instructions.count + 4 * waitTokens.count)
        writer.bytes.append(contentsOf: Program.binaryMagic)
        writer.integer(Program.binaryFormatVersion)
        writer.integer(UInt16(Program.binaryRecordBytes))
        writer.integer(UInt32(truncatingIfNeeded: units.count))
        writer.integer(UInt32(truncatingIfNeeded: tags.count))
        writer.integer(UInt64(instructions.count))
        writer.integer(UInt64(waitTokens.count))
        writer.integer(Int64(tokenCount))
        for unit in units {
            writer.integer(unit.kind.binaryCode)
            writer.string(unit.name)
        }
        for tag in tags { writer.string(tag) }
        for instruction in instructions { writer.record(instruction) }
        for token in waitTokens { writer.integer(token) }
        return writer.bytes
    }

    /// Decodes a `.tbin` program, validating every field. Reads format versions 2 and 1 (a
    /// version-1 file has no `parameters`: every vector's decodes empty).
    ///
    /// - Parameter bytes: the whole file.
    /// - Parameter source: the file name, used in errors.
    /// - Throws: `InputError(source: source, location: "byte <offset>" or "instruction <i>", …)`
    ///   for a bad magic, an unknown version or a record size other than that version's, truncated
    ///   data, counts that do not fit the length, an unknown unit kind, names that are not UTF-8, an unknown opcode, stream or
    ///   kind, a unit or tag index out of range, non-zero reserved bytes, flags or unused operand
    ///   slots, negative sizes or counts, a tile dimension beyond `Int32`, a signal outside
    ///   `-1 ..< tokenCount` or signalled twice, a wait range outside the wait array, a wait token
    ///   outside `0 ..< tokenCount`, and trailing bytes. It does not check that waits follow their
    ///   signals in program order (a static program check, not an encoding rule).
    /// - Complexity: O(bytes). Never reserves memory for a count before checking that the data
    ///   is long enough to hold it.
    public static func decode(_ bytes: [UInt8], source: String) throws -> Program {
        var reader = ByteReader(bytes: bytes, source: source)
        guard bytes.count >= 4, Array(bytes[0 ..< 4]) == binaryMagic else {
            let found = bytes.count < 4 ? "\(bytes.count) bytes" : "bytes \(hex(bytes[0 ..< 4]))"
            throw reader.error(at: 0, expected: "the magic \"TBIN\" (54 42 49 4E) of a .tbin file", found: found)
        }
        reader.offset = 4
        let version = try reader.integer(UInt16.self, "the format version")
        guard let versionRecordBytes = binaryRecordBytesByVersion[version] else {
            throw reader.error(at: 4, expected: "format version \(binaryFormatVersion) (or 1)", found: "version \(version)")
        }
        let recordBytes = try reader.integer(UInt16.self, "the record size")
        guard Int(recordBytes) == versionRecordBytes else {
            throw reader.error(at: 6, expected: "an instruction record size of \(versionRecordBytes) bytes (format version \(version))",
                               found: "\(recordBytes)")
        }
        reader.version = version
        let unitCount = try reader.integer(UInt32.self, "the unit count")
        let tagCount = try reader.integer(UInt32.self, "the tag count")
        let instructionCount = try reader.integer(UInt64.self, "the instruction count")
        let waitCount = try reader.integer(UInt64.self, "the wait-token count")
        let tokenCount = try reader.integer(Int64.self, "the token count")
        let idLimit = UInt32(UInt16.max) + 1
        guard unitCount <= idLimit else {
            throw reader.error(at: 8, expected: "at most \(idLimit) units", found: "\(unitCount)")
        }
        guard tagCount <= idLimit else {
            throw reader.error(at: 12, expected: "at most \(idLimit) tags", found: "\(tagCount)")
        }
        guard tokenCount >= 0, tokenCount <= Int64(Int32.max) + 1 else {
            throw reader.error(at: 32, expected: "a token count in 0 ... \(Int64(Int32.max) + 1)", found: "\(tokenCount)")
        }
        // Every table entry has a minimum size; check the counts against the length before
        // reserving anything.
        let remaining = UInt64(reader.remaining)
        let fixedNeed = UInt64(unitCount) * 5 + UInt64(tagCount) * 4
        guard instructionCount <= remaining / UInt64(versionRecordBytes) else {
            throw reader.error(at: 16, expected: "an instruction count whose records fit in the \(bytes.count) bytes given",
                               found: "\(instructionCount)")
        }
        guard waitCount <= remaining / 4 else {
            throw reader.error(at: 24, expected: "a wait-token count that fits in the \(bytes.count) bytes given", found: "\(waitCount)")
        }
        let need = fixedNeed + instructionCount * UInt64(versionRecordBytes) + waitCount * 4
        guard need <= remaining else {
            throw reader.error(at: 8, expected: "counts that fit in the \(bytes.count) bytes given",
                               found: "counts needing at least \(UInt64(binaryHeaderBytes) + need) bytes")
        }

        var units: [UnitDescriptor] = []
        units.reserveCapacity(Int(unitCount))
        for index in 0 ..< Int(unitCount) {
            let at = reader.offset
            let code = try reader.integer(UInt8.self, "the kind of unit \(index)")
            guard let kind = UnitKind(binaryCode: code) else {
                throw reader.error(at: at, expected: "a unit kind code (\(UnitKind.allCases.map { "\($0.binaryCode) \($0.name)" }.joined(separator: ", ")))",
                                   found: "\(code)")
            }
            units.append(UnitDescriptor(kind: kind, name: try reader.string("the name of unit \(index)")))
        }
        var tags: [String] = []
        tags.reserveCapacity(Int(tagCount))
        for index in 0 ..< Int(tagCount) {
            tags.append(try reader.string("the name of tag \(index)"))
        }
        // Records and wait tokens are exactly sized now that names are read.
        let exactNeed = instructionCount * UInt64(versionRecordBytes) + waitCount * 4
        guard exactNeed <= UInt64(reader.remaining) else {
            throw reader.error(at: reader.offset, expected: "\(instructionCount) instruction records and \(waitCount) wait tokens (\(exactNeed) bytes)",
                               found: "\(reader.remaining) bytes")
        }
        var instructions: [Instruction] = []
        instructions.reserveCapacity(Int(instructionCount))
        var signalled = Set<TokenID>()
        for index in 0 ..< Int(instructionCount) {
            let instruction = try reader.record(index: index, units: units.count, tags: tags.count,
                                                tokens: tokenCount, waits: Int64(waitCount))
            if instruction.signal >= 0 {
                guard signalled.insert(instruction.signal).inserted else {
                    throw reader.instructionError(index, expected: "a token not signalled by an earlier instruction",
                                                  found: "signal \(instruction.signal) again")
                }
            }
            instructions.append(instruction)
        }
        var waitTokens: [TokenID] = []
        waitTokens.reserveCapacity(Int(waitCount))
        for _ in 0 ..< Int(waitCount) {
            let at = reader.offset
            let token = try reader.integer(Int32.self, "a wait token")
            guard token >= 0, Int64(token) < tokenCount else {
                throw reader.error(at: at, expected: "a wait token in 0 ..< \(tokenCount)", found: "\(token)")
            }
            waitTokens.append(token)
        }
        guard reader.remaining == 0 else {
            throw reader.error(at: reader.offset, expected: "the end of the data", found: "\(reader.remaining) trailing bytes")
        }
        return Program(units: units, instructions: instructions, waitTokens: waitTokens,
                       tokenCount: Int(tokenCount), tags: tags)
    }
}

/// Hex dump of a few bytes, e.g. `54 42 49 4E`.
private func hex(_ bytes: ArraySlice<UInt8>) -> String {
    bytes.map { byte in
        let digits = String(byte, radix: 16, uppercase: true)
        return digits.count < 2 ? "0" + digits : digits
    }.joined(separator: " ")
}

/// Appends little-endian fields.
private struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func integer<T: FixedWidthInteger>(_ value: T) {
        var bits = UInt64(truncatingIfNeeded: value)
        for _ in 0 ..< MemoryLayout<T>.size {
            bytes.append(UInt8(truncatingIfNeeded: bits))
            bits >>= 8
        }
    }

    mutating func string(_ text: String) {
        integer(UInt32(truncatingIfNeeded: text.utf8.count))
        bytes.append(contentsOf: text.utf8)
    }

    mutating func record(_ instruction: Instruction) {
        var kind: UInt8 = 0
        var flags: UInt8 = 0
        var slots: [Int64]
        switch instruction.operation {
        case let .dmaLoad(stream, dram, sram):
            kind = stream.rawValue
            slots = [dram.base, dram.bytes, sram.base, sram.bytes]
        case let .dmaStore(stream, sram, dram):
            kind = stream.rawValue
            slots = [sram.base, sram.bytes, dram.base, dram.bytes]
        case let .ternaryTile(rows, columns, tokens, weights, input, accumulator, accumulate):
            flags = accumulate ? 1 : 0
            slots = [Int64(rows), Int64(columns), Int64(tokens), weights.base, weights.bytes, input.base, input.bytes,
                     accumulator.base, accumulator.bytes]
        case let .vector(vectorKind, operations, specialOps, input, output, input2, parameters):
            kind = vectorKind.rawValue
            slots = [operations, specialOps, input.base, input.bytes, output.base, output.bytes, input2.base, input2.bytes,
                     parameters.base, parameters.bytes]
        case let .matrix(matrixKind, macs, input, output, input2):
            kind = matrixKind.rawValue
            slots = [macs, input.base, input.bytes, output.base, output.bytes, input2.base, input2.bytes]
        case let .link(linkKind, chips, data):
            kind = linkKind.rawValue
            slots = [Int64(chips), data.base, data.bytes]
        }
        integer(instruction.operation.opcode.rawValue)
        integer(kind)
        integer(instruction.unit)
        integer(instruction.tag)
        integer(flags)
        integer(UInt8(0))
        integer(instruction.signal)
        integer(instruction.waitStart)
        integer(instruction.waitCount)
        integer(UInt32(0))
        for slot in 0 ..< Program.binaryOperandSlots {
            integer(slot < slots.count ? slots[slot] : 0)
        }
    }
}

/// Reads little-endian fields, throwing `InputError` instead of reading past the end.
private struct ByteReader {
    let bytes: [UInt8]
    let source: String
    var offset = 0
    /// The file's format version.
    var version = Program.binaryFormatVersion
    /// Operand slots per record: 9 in version 1 (no `parameters`), 11 in version 2.
    var operandSlots: Int { version == 1 ? 9 : Program.binaryOperandSlots }

    var remaining: Int { bytes.count - offset }

    func error(at offset: Int, expected: String, found: String) -> InputError {
        InputError(source: source, location: "byte \(offset)", expected: expected, found: found)
    }

    func instructionError(_ index: Int, expected: String, found: String) -> InputError {
        InputError(source: source, location: "instruction \(index)", expected: expected, found: found)
    }

    mutating func integer<T: FixedWidthInteger>(_ type: T.Type, _ what: String) throws -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else {
            throw error(at: offset, expected: "\(what) (\(size) bytes)", found: "the end of the data after \(remaining) bytes")
        }
        var bits: UInt64 = 0
        for index in 0 ..< size {
            bits |= UInt64(bytes[offset + index]) << UInt64(8 * index)
        }
        offset += size
        return T(truncatingIfNeeded: bits)
    }

    mutating func string(_ what: String) throws -> String {
        let at = offset
        let length = try integer(UInt32.self, "the length of \(what)")
        guard UInt64(length) <= UInt64(remaining) else {
            throw error(at: at, expected: "\(what) of \(length) bytes", found: "\(remaining) bytes left")
        }
        let slice = bytes[offset ..< offset + Int(length)]
        let text = String(decoding: slice, as: UTF8.self)
        guard text.utf8.elementsEqual(slice) else {
            throw error(at: offset, expected: "\(what) in UTF-8", found: "bytes that are not UTF-8")
        }
        offset += Int(length)
        return text
    }

    /// Reads and validates instruction record `index`.
    mutating func record(index: Int, units: Int, tags: Int, tokens: Int64, waits: Int64) throws -> Instruction {
        let opcodeByte = try integer(UInt8.self, "an opcode")
        let kind = try integer(UInt8.self, "a kind")
        let unit = try integer(UInt16.self, "a unit")
        let tag = try integer(UInt16.self, "a tag")
        let flags = try integer(UInt8.self, "flags")
        let reserved8 = try integer(UInt8.self, "a reserved byte")
        let signal = try integer(Int32.self, "a signal")
        let waitStart = try integer(Int32.self, "a wait start")
        let waitCount = try integer(Int32.self, "a wait count")
        let reserved32 = try integer(UInt32.self, "reserved bytes")
        var slots: [Int64] = []
        slots.reserveCapacity(Program.binaryOperandSlots)
        for _ in 0 ..< operandSlots { slots.append(try integer(Int64.self, "an operand")) }

        func fail(_ expected: String, _ found: String) -> InputError {
            instructionError(index, expected: expected, found: found)
        }
        guard let opcode = Opcode(rawValue: opcodeByte) else {
            throw fail("an opcode (\(Opcode.allCases.map { "\($0.rawValue) \($0.mnemonic)" }.joined(separator: ", ")))",
                       "opcode \(opcodeByte)")
        }
        guard Int(unit) < units else { throw fail("a unit index below \(units)", "unit \(unit)") }
        guard Int(tag) < tags else { throw fail("a tag index below \(tags)", "tag \(tag)") }
        guard reserved8 == 0, reserved32 == 0 else { throw fail("reserved bytes 6-7 and 20-23 to be zero", "non-zero bytes") }
        let flagMask: UInt8 = opcode == .ternaryTile ? 1 : 0
        guard flags & ~flagMask == 0 else {
            throw fail("flags \(flagMask == 1 ? "0 or 1" : "0") for \(opcode.mnemonic)", "flags \(flags)")
        }
        guard signal >= -1, Int64(signal) < tokens else {
            throw fail("a signal token in 0 ..< \(tokens), or -1 for none", "signal \(signal)")
        }
        guard waitStart >= 0, waitCount >= 0, Int64(waitStart) + Int64(waitCount) <= waits else {
            throw fail("a wait range inside the \(waits) wait tokens", "start \(waitStart), count \(waitCount)")
        }
        let names: [String]
        switch opcode {
        case .dmaLoad: names = ["dram.base", "dram.bytes", "sram.base", "sram.bytes"]
        case .dmaStore: names = ["sram.base", "sram.bytes", "dram.base", "dram.bytes"]
        case .ternaryTile: names = ["rows", "columns", "tokens", "weights.base", "weights.bytes", "input.base", "input.bytes",
                                    "accumulator.base", "accumulator.bytes"]
        case .vector: names = ["operations", "specialOps", "input.base", "input.bytes", "output.base", "output.bytes",
                               "input2.base", "input2.bytes"] + (version == 1 ? [] : ["parameters.base", "parameters.bytes"])
        case .matrix: names = ["macs", "input.base", "input.bytes", "output.base", "output.bytes", "input2.base", "input2.bytes"]
        case .link: names = ["chips", "data.base", "data.bytes"]
        }
        for (slot, value) in slots.enumerated() {
            if slot < names.count {
                guard value >= 0 else { throw fail("\(names[slot]) ≥ 0 in operand slot \(slot)", "\(value)") }
            } else {
                guard value == 0 else { throw fail("an unused operand slot \(slot) to be zero", "\(value)") }
            }
        }
        // A version-1 record lacks the last two slots (`parameters`): they decode as 0, the empty range.
        while slots.count < Program.binaryOperandSlots { slots.append(0) }
        func range(_ slot: Int) -> (Int64, Int64) { (slots[slot], slots[slot + 1]) }
        let operation: Instruction.Operation
        switch opcode {
        case .dmaLoad, .dmaStore:
            guard let stream = DMAStream(rawValue: kind) else {
                throw fail("a DMA stream (\(DMAStream.allCases.map { "\($0.rawValue) \($0.name)" }.joined(separator: ", ")))",
                           "stream \(kind)")
            }
            let first = range(0), second = range(2)
            if opcode == .dmaLoad {
                operation = .dmaLoad(stream: stream, dram: DRAMRange(base: first.0, bytes: first.1),
                                     sram: SRAMRange(base: second.0, bytes: second.1))
            } else {
                operation = .dmaStore(stream: stream, sram: SRAMRange(base: first.0, bytes: first.1),
                                      dram: DRAMRange(base: second.0, bytes: second.1))
            }
        case .ternaryTile:
            guard kind == 0 else { throw fail("kind 0 for tile", "kind \(kind)") }
            for slot in 0 ..< 3 where slots[slot] > Int64(Int32.max) {
                throw fail("\(names[slot]) ≤ \(Int32.max)", "\(slots[slot])")
            }
            operation = .ternaryTile(rows: Int32(truncatingIfNeeded: slots[0]), columns: Int32(truncatingIfNeeded: slots[1]),
                                     tokens: Int32(truncatingIfNeeded: slots[2]),
                                     weights: SRAMRange(base: slots[3], bytes: slots[4]),
                                     input: SRAMRange(base: slots[5], bytes: slots[6]),
                                     accumulator: SRAMRange(base: slots[7], bytes: slots[8]), accumulate: flags == 1)
        case .vector:
            guard let vectorKind = VectorKind(rawValue: kind) else {
                throw fail("a vector kind (\(VectorKind.allCases.map { "\($0.rawValue) \($0.name)" }.joined(separator: ", ")))",
                           "kind \(kind)")
            }
            operation = .vector(kind: vectorKind, operations: slots[0], specialOps: slots[1],
                                input: SRAMRange(base: slots[2], bytes: slots[3]), output: SRAMRange(base: slots[4], bytes: slots[5]),
                                input2: SRAMRange(base: slots[6], bytes: slots[7]),
                                parameters: SRAMRange(base: slots[8], bytes: slots[9]))
        case .matrix:
            guard let matrixKind = MatrixKind(rawValue: kind) else {
                throw fail("a matrix kind (\(MatrixKind.allCases.map { "\($0.rawValue) \($0.name)" }.joined(separator: ", ")))",
                           "kind \(kind)")
            }
            operation = .matrix(kind: matrixKind, macs: slots[0], input: SRAMRange(base: slots[1], bytes: slots[2]),
                                output: SRAMRange(base: slots[3], bytes: slots[4]), input2: SRAMRange(base: slots[5], bytes: slots[6]))
        case .link:
            guard let linkKind = LinkKind(rawValue: kind) else {
                throw fail("a link kind (\(LinkKind.allCases.map { "\($0.rawValue) \($0.name)" }.joined(separator: ", ")))",
                           "kind \(kind)")
            }
            guard slots[0] <= Int64(Int32.max) else { throw fail("chips ≤ \(Int32.max)", "\(slots[0])") }
            operation = .link(kind: linkKind, chips: Int32(truncatingIfNeeded: slots[0]), data: SRAMRange(base: slots[1], bytes: slots[2]))
        }
        return Instruction(operation: operation, unit: unit, tag: tag, waitStart: waitStart, waitCount: waitCount, signal: signal)
    }
}
