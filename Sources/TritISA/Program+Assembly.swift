import TritCore

/// The `.tasm` text assembly of a `Program`: line-oriented, one instruction per line.
///
/// Example (a complete file):
///
/// ```
/// .tritsim-asm 1                ; header: format version 1, first non-blank line
/// .unit dma.weights dma         ; units in UnitID order: name, kind
/// .unit array.0 ternary_array
/// .unit vector vector
/// .unit attention attention
/// .tag ffn                      ; tags in order (Instruction.tag 0, 1, …)
/// .tag attention
/// .tokens 3                     ; token count: token IDs are 0 ..< 3
/// dma.weights dma.load stream=ternary_weights dram=0+4096 sram=0+4096 tag=ffn signal=0
/// array.0 tile rows=128 columns=128 tokens=1 weights=0+4096 input=4096+128 accumulator=8192+512 accumulate=false tag=ffn wait=0 signal=1
/// vector vector.rms_norm operations=2560 special_ops=1 input=8192+512 output=12288+2560 tag=ffn wait=1 signal=2
/// attention matrix.scores macs=65536 input=0+1024 output=2048+256 tag=attention wait=0,2
/// ```
///
/// Directives come first, before any instruction: `.tritsim-asm 1` (required, first), `.unit
/// <name> <kind>` (kinds: `dma`, `ternary_array`, `vector`, `attention`, `link`; at most 65 536 units),
/// `.tag <name>` (at most 65 536), `.tokens <count>` (exactly once, 0 ... 2^31).
///
/// An instruction line is `<unit name> <mnemonic> <operand>=<value> …`, operands in any order,
/// each exactly once:
///
/// | mnemonic | operands |
/// |---|---|
/// | `dma.load` | `stream` `dram` `sram` |
/// | `dma.store` | `stream` `sram` `dram` |
/// | `tile` | `rows` `columns` `tokens` `weights` `input` `accumulator` `accumulate` |
/// | `vector.<kind>` | `operations` `special_ops` `input` `output`, optional `input2` and `params` (absent = empty) |
/// | `matrix.<kind>` | `macs` `input` `output`, optional `input2` |
/// | `link.<kind>` | `chips` `data` |
/// | every instruction | `tag` (required), `wait` (optional), `signal` (optional) |
///
/// Values: `stream` is a `DMAStream.name` (`ternary_weights`, `fp_weights`, `kv_cache`,
/// `activations`); `<kind>` is a `VectorKind.name` (`rms_norm`, `quantize`, `dequantize`, `rope`,
/// `gating`, `residual_add`, `softmax`), a `MatrixKind.name` (`scores`, `values`, `dense`) or a
/// `LinkKind.name` (`send`, `recv`, `all_reduce`). `chips` is the number of chips taking part.
/// `dram`, `sram`, `weights`, `input`, `input2`, `params`, `output`, `accumulator`, `data` are byte ranges `base+bytes`
/// (decimal byte address, decimal byte count). `rows`, `columns`, `tokens` are element counts
/// (≤ 2^31 − 1); `operations` and `special_ops` are elementwise and special-function operation
/// counts; `macs` is multiply-accumulates; `accumulate` is `true` or `false`. All numbers are
/// decimal integers ≥ 0 that fit their field (`Int64` unless stated). `tag=<name>` names a
/// declared tag; `wait=<t1>,<t2>,…` lists waited tokens (omitted when there are none) and
/// `signal=<t>` the token signalled at completion (omitted for none); both must be below the
/// `.tokens` count and a token is signalled at most once.
///
/// Names (units, tags) are written bare when they are non-empty, made of ASCII letters, digits,
/// `_`, `-`, `.`, and do not start with `.`; otherwise in double quotes with `\"`, `\\` and
/// `\u{hex}` escapes (control characters are always escaped). Names must be unique within units
/// and within tags. `;` starts a comment (outside quotes); blank lines are ignored; lines end in
/// `\n` (a `\r` before it is ignored).
///
/// Assembling rebuilds `waitTokens` in program order (each instruction's waits appended in turn,
/// `waitStart` = the number of waits before it), which is the layout `ProgramBuilder` makes; so
/// `Program.assemble(p.assembly(), source:) == p` for every well-formed program in that layout
/// with unique unit and tag names. The assembler does not check that a token is signalled before
/// it is waited on (a static program check, not a syntax rule).
extension Program {
    /// The `.tasm` text of this program (format in the extension's doc comment), ending in a newline.
    ///
    /// Deterministic: equal programs give equal text. A program that is not well-formed (a unit
    /// or tag index out of range, a wait range outside `waitTokens`, a negative size) still
    /// prints without trapping, into text that `assemble` rejects (`?` marks the bad reference).
    /// - Complexity: O(instructions + wait tokens).
    public func assembly() -> String {
        var out = ".tritsim-asm 1\n"
        for unit in units { out += ".unit \(assemblyName(unit.name)) \(unit.kind.name)\n" }
        for tag in tags { out += ".tag \(assemblyName(tag))\n" }
        out += ".tokens \(tokenCount)\n"
        for instruction in instructions {
            let unit = Int(instruction.unit)
            out += unit < units.count ? assemblyName(units[unit].name) : "?\(unit)"
            out += " " + instruction.operation.mnemonic
            switch instruction.operation {
            case let .dmaLoad(stream, dram, sram):
                out += " stream=\(stream.name) dram=\(dram.base)+\(dram.bytes) sram=\(sram.base)+\(sram.bytes)"
            case let .dmaStore(stream, sram, dram):
                out += " stream=\(stream.name) sram=\(sram.base)+\(sram.bytes) dram=\(dram.base)+\(dram.bytes)"
            case let .ternaryTile(rows, columns, tokens, weights, input, accumulator, accumulate):
                out += " rows=\(rows) columns=\(columns) tokens=\(tokens) weights=\(weights.base)+\(weights.bytes)"
                out += " input=\(input.base)+\(input.bytes) accumulator=\(accumulator.base)+\(accumulator.bytes) accumulate=\(accumulate)"
            case let .vector(_, operations, specialOps, input, output, input2, parameters):
                out += " operations=\(operations) special_ops=\(specialOps)"
                out += " input=\(input.base)+\(input.bytes) output=\(output.base)+\(output.bytes)"
                if input2 != .empty { out += " input2=\(input2.base)+\(input2.bytes)" }
                if parameters != .empty { out += " params=\(parameters.base)+\(parameters.bytes)" }
            case let .matrix(_, macs, input, output, input2):
                out += " macs=\(macs) input=\(input.base)+\(input.bytes) output=\(output.base)+\(output.bytes)"
                if input2 != .empty { out += " input2=\(input2.base)+\(input2.bytes)" }
            case let .link(_, chips, data):
                out += " chips=\(chips) data=\(data.base)+\(data.bytes)"
            }
            let tag = Int(instruction.tag)
            out += " tag=" + (tag < tags.count ? assemblyName(tags[tag]) : "?\(tag)")
            let start = Int(instruction.waitStart), count = Int(instruction.waitCount)
            if count != 0 {
                if start >= 0, count > 0, start <= waitTokens.count - count {
                    out += " wait=" + waitTokens[start ..< start + count].map(String.init).joined(separator: ",")
                } else {
                    out += " wait=?\(start)+\(count)"
                }
            }
            if instruction.signal != -1 { out += " signal=\(instruction.signal)" }
            out += "\n"
        }
        return out
    }

    /// Parses `.tasm` text (format in the extension's doc comment) into a program.
    ///
    /// - Parameter text: the whole file.
    /// - Parameter source: the file name, used in errors.
    /// - Throws: `InputError(source: source, location: "line L, column C", …)` (columns count
    ///   Unicode scalars from 1) for a missing or wrong header, an unknown directive, a directive
    ///   after the first instruction, a duplicate unit or tag name, an unknown unit kind, a missing
    ///   or repeated `.tokens`, an unknown unit name, an unknown mnemonic, a missing, repeated or
    ///   unknown operand, a malformed number or range, a negative or oversized number, an unknown
    ///   stream, an undeclared tag, a token not below the `.tokens` count, a token signalled twice,
    ///   a malformed name or quoted string, and extra fields after a directive. Never traps.
    /// - Complexity: O(text length).
    public static func assemble(_ text: String, source: String) throws -> Program {
        var parser = AssemblyParser(text: Array(text.utf8), source: source)
        return try parser.parse()
    }
}

/// `name` bare if it can be, else quoted with escapes.
private func assemblyName(_ name: String) -> String {
    if isBareName(name.utf8) { return name }
    var out = "\""
    for scalar in name.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

private func isBareByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a") ... UInt8(ascii: "z"), UInt8(ascii: "A") ... UInt8(ascii: "Z"), UInt8(ascii: "0") ... UInt8(ascii: "9"),
         UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."):
        return true
    default:
        return false
    }
}

private func isHexDigit(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a") ... UInt8(ascii: "f")).contains(byte)
        || (UInt8(ascii: "A") ... UInt8(ascii: "F")).contains(byte)
}

private func isBareName<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
    guard let first = bytes.first, first != UInt8(ascii: ".") else { return false }
    return bytes.allSatisfy(isBareByte)
}

/// What a mnemonic stands for.
private enum Mnemonic: Sendable {
    case dmaLoad, dmaStore, tile
    case vector(VectorKind)
    case matrix(MatrixKind)
    case link(LinkKind)

    /// Operand keys (besides `tag`, `wait`, `signal`), in the order they are written.
    var operands: [String] {
        switch self {
        case .dmaLoad: return ["stream", "dram", "sram"]
        case .dmaStore: return ["stream", "sram", "dram"]
        case .tile: return ["rows", "columns", "tokens", "weights", "input", "accumulator", "accumulate"]
        case .vector: return ["operations", "special_ops", "input", "output", "input2", "params"]
        case .matrix: return ["macs", "input", "output", "input2"]
        case .link: return ["chips", "data"]
        }
    }

    static let table: [String: Mnemonic] = {
        var table: [String: Mnemonic] = [
            Opcode.dmaLoad.mnemonic: .dmaLoad, Opcode.dmaStore.mnemonic: .dmaStore, Opcode.ternaryTile.mnemonic: .tile,
        ]
        for kind in VectorKind.allCases { table["\(Opcode.vector.mnemonic).\(kind.name)"] = .vector(kind) }
        for kind in MatrixKind.allCases { table["\(Opcode.matrix.mnemonic).\(kind.name)"] = .matrix(kind) }
        for kind in LinkKind.allCases { table["\(Opcode.link.mnemonic).\(kind.name)"] = .link(kind) }
        return table
    }()
}

private let streamsByName: [String: DMAStream] = Dictionary(DMAStream.allCases.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
private let unitKindsByName: [String: UnitKind] = Dictionary(UnitKind.allCases.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

/// A field of a line: bytes `start ..< end` of the text.
private struct Field {
    var start: Int
    var end: Int
}

private let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), carriageReturn = UInt8(ascii: "\r")
private let newline = UInt8(ascii: "\n"), semicolon = UInt8(ascii: ";"), quote = UInt8(ascii: "\"")
private let backslash = UInt8(ascii: "\\"), equals = UInt8(ascii: "="), plus = UInt8(ascii: "+"), comma = UInt8(ascii: ",")
private let minus = UInt8(ascii: "-"), dot = UInt8(ascii: ".")

/// The `.tasm` parser: one pass over the UTF-8 bytes, line by line.
private struct AssemblyParser {
    let text: [UInt8]
    let source: String
    var lineNumber = 0
    var lineStart = 0

    var sawHeader = false
    var units: [UnitDescriptor] = []
    var unitIndex: [String: UnitID] = [:]
    var tags: [String] = []
    var tagIndex: [String: UInt16] = [:]
    var tokenCount: Int64?
    var instructions: [Instruction] = []
    var waitTokens: [TokenID] = []
    var signalLines: [TokenID: Int] = [:]

    init(text: [UInt8], source: String) {
        self.text = text
        self.source = source
    }

    mutating func parse() throws -> Program {
        var index = 0
        while true {
            let end = text[index...].firstIndex(of: newline) ?? text.count
            lineNumber += 1
            lineStart = index
            let fields = try split(index, end)
            if let first = fields.first {
                if text[first.start] == dot {
                    try directive(fields)
                } else {
                    try instruction(fields)
                }
            }
            if end >= text.count { break }
            index = end + 1
        }
        guard sawHeader else {
            throw error(at: text.count, expected: "the header `.tritsim-asm 1`", found: "the end of the file")
        }
        guard let tokens = tokenCount else {
            throw error(at: text.count, expected: "a `.tokens <count>` directive", found: "the end of the file")
        }
        return Program(units: units, instructions: instructions, waitTokens: waitTokens, tokenCount: Int(tokens), tags: tags)
    }

    // MARK: Errors

    /// Column (from 1, in Unicode scalars) of byte `index` on the current line.
    func column(_ index: Int) -> Int {
        var column = 1
        var position = lineStart
        while position < index, position < text.count {
            if text[position] & 0xC0 != 0x80 { column += 1 }
            position += 1
        }
        return column
    }

    func error(at index: Int, expected: String, found: String) -> InputError {
        InputError(source: source, location: "line \(lineNumber), column \(column(index))", expected: expected, found: found)
    }

    /// The text of `field` in backquotes, shortened to 40 characters.
    func quoted(_ field: Field) -> String {
        let start = max(0, min(field.start, text.count)), end = max(start, min(field.end, text.count))
        let whole = String(decoding: text[start ..< end], as: UTF8.self)
        return "`" + (whole.count > 40 ? String(whole.prefix(40)) + "…" : whole) + "`"
    }

    func string(_ field: Field) -> String {
        String(decoding: text[field.start ..< field.end], as: UTF8.self)
    }

    // MARK: Lines

    /// Splits bytes `start ..< end` into whitespace-separated fields, stopping at `;`; a quoted
    /// string may hold spaces and `;`.
    func split(_ start: Int, _ end: Int) throws -> [Field] {
        var fields: [Field] = []
        var index = start
        while index < end {
            let byte = text[index]
            if byte == space || byte == tab || byte == carriageReturn {
                index += 1
                continue
            }
            if byte == semicolon { break }
            let fieldStart = index
            while index < end {
                let byte = text[index]
                if byte == space || byte == tab || byte == carriageReturn || byte == semicolon { break }
                if byte == quote {
                    let open = index
                    index += 1
                    while true {
                        guard index < end else {
                            throw error(at: open, expected: "a closing quote `\"`", found: "the end of the line")
                        }
                        if text[index] == backslash {
                            index += 2
                        } else if text[index] == quote {
                            index += 1
                            break
                        } else {
                            index += 1
                        }
                    }
                } else {
                    index += 1
                }
            }
            fields.append(Field(start: fieldStart, end: min(index, end)))
        }
        return fields
    }

    mutating func directive(_ fields: [Field]) throws {
        let name = string(fields[0])
        if !sawHeader {
            guard name == ".tritsim-asm" else {
                throw error(at: fields[0].start, expected: "the header `.tritsim-asm 1` first", found: quoted(fields[0]))
            }
            let version = try field(fields, 1, "a format version")
            guard string(version) == "1" else {
                throw error(at: version.start, expected: "format version 1", found: quoted(version))
            }
            try noMore(fields, 2)
            sawHeader = true
            return
        }
        let known = [".tritsim-asm", ".unit", ".tag", ".tokens"]
        guard known.contains(name) else {
            throw error(at: fields[0].start, expected: "a directive (\(known.joined(separator: ", ")))", found: quoted(fields[0]))
        }
        guard name != ".tritsim-asm" else {
            throw error(at: fields[0].start, expected: "one header per file", found: "a second `.tritsim-asm`")
        }
        guard instructions.isEmpty else {
            throw error(at: fields[0].start, expected: "directives before the first instruction", found: "`\(name)` after instructions")
        }
        switch name {
        case ".unit":
            let nameField = try field(fields, 1, "a unit name")
            let unitName = try self.name(nameField)
            guard unitIndex[unitName] == nil else {
                throw error(at: nameField.start, expected: "a unit name not already declared", found: quoted(nameField))
            }
            guard let id = UnitID(exactly: units.count) else {
                throw error(at: fields[0].start, expected: "at most \(Int(UnitID.max) + 1) units", found: "one more")
            }
            let kindField = try field(fields, 2, "a unit kind")
            guard let kind = unitKindsByName[string(kindField)] else {
                throw error(at: kindField.start, expected: "a unit kind (\(UnitKind.allCases.map(\.name).joined(separator: ", ")))",
                            found: quoted(kindField))
            }
            try noMore(fields, 3)
            unitIndex[unitName] = id
            units.append(UnitDescriptor(kind: kind, name: unitName))
        case ".tag":
            let nameField = try field(fields, 1, "a tag name")
            let tagName = try self.name(nameField)
            guard tagIndex[tagName] == nil else {
                throw error(at: nameField.start, expected: "a tag name not already declared", found: quoted(nameField))
            }
            guard let id = UInt16(exactly: tags.count) else {
                throw error(at: fields[0].start, expected: "at most \(Int(UInt16.max) + 1) tags", found: "one more")
            }
            try noMore(fields, 2)
            tagIndex[tagName] = id
            tags.append(tagName)
        default:  // .tokens
            guard tokenCount == nil else {
                throw error(at: fields[0].start, expected: "one `.tokens` directive", found: "a second one")
            }
            let countField = try field(fields, 1, "a token count")
            tokenCount = try integer(countField, "a token count", maximum: Int64(Int32.max) + 1)
            try noMore(fields, 2)
        }
    }

    /// Field `index`, or an error just after the last field.
    func field(_ fields: [Field], _ index: Int, _ what: String) throws -> Field {
        guard index < fields.count else {
            throw error(at: fields.last.map(\.end) ?? lineStart, expected: what, found: "the end of the line")
        }
        return fields[index]
    }

    func noMore(_ fields: [Field], _ count: Int) throws {
        if fields.count > count {
            throw error(at: fields[count].start, expected: "the end of the line", found: quoted(fields[count]))
        }
    }

    mutating func instruction(_ fields: [Field]) throws {
        guard sawHeader else {
            throw error(at: fields[0].start, expected: "the header `.tritsim-asm 1` first", found: quoted(fields[0]))
        }
        guard let tokens = tokenCount else {
            throw error(at: fields[0].start, expected: "a `.tokens <count>` directive before the first instruction",
                        found: "an instruction")
        }
        let unitName = try name(fields[0])
        guard let unit = unitIndex[unitName] else {
            throw error(at: fields[0].start, expected: "a unit declared with `.unit`", found: quoted(fields[0]))
        }
        let mnemonicField = try field(fields, 1, "a mnemonic")
        guard let mnemonic = Mnemonic.table[string(mnemonicField)] else {
            throw error(at: mnemonicField.start,
                        expected: "a mnemonic (dma.load, dma.store, tile, vector.<kind>, matrix.<kind>, link.<kind>)",
                        found: quoted(mnemonicField))
        }
        let allowed = mnemonic.operands + ["tag", "wait", "signal"]
        var values: [String: Field] = [:]
        for operand in fields.dropFirst(2) {
            guard let equalsIndex = text[operand.start ..< operand.end].firstIndex(of: equals),
                  equalsIndex > operand.start else {
                throw error(at: operand.start, expected: "an operand `key=value`", found: quoted(operand))
            }
            let key = string(Field(start: operand.start, end: equalsIndex))
            guard allowed.contains(key) else {
                throw error(at: operand.start, expected: "an operand of \(string(mnemonicField)) (\(allowed.joined(separator: ", ")))",
                            found: "`\(key)`")
            }
            guard values[key] == nil else {
                throw error(at: operand.start, expected: "each operand once", found: "a second `\(key)=`")
            }
            values[key] = Field(start: equalsIndex + 1, end: operand.end)
        }
        func value(_ key: String) throws -> Field {
            guard let field = values[key] else {
                throw error(at: mnemonicField.start, expected: "operand `\(key)=` for \(string(mnemonicField))", found: "none")
            }
            return field
        }
        func range(_ key: String) throws -> (base: Int64, bytes: Int64) {
            let field = try value(key)
            guard let plusIndex = text[field.start ..< field.end].firstIndex(of: plus) else {
                throw error(at: field.start, expected: "\(key) as `base+bytes`", found: quoted(field))
            }
            return (try integer(Field(start: field.start, end: plusIndex), "a byte address", maximum: Int64.max),
                    try integer(Field(start: plusIndex + 1, end: field.end), "a byte count", maximum: Int64.max))
        }
        /// An optional range operand; absent is the empty range.
        func optionalRange(_ key: String) throws -> SRAMRange {
            guard values[key] != nil else { return .empty }
            let parsed = try range(key)
            return SRAMRange(base: parsed.base, bytes: parsed.bytes)
        }
        func count(_ key: String, maximum: Int64) throws -> Int64 {
            try integer(value(key), "a count for `\(key)`", maximum: maximum)
        }
        let operation: Instruction.Operation
        switch mnemonic {
        case .dmaLoad, .dmaStore:
            let streamField = try value("stream")
            guard let stream = streamsByName[string(streamField)] else {
                throw error(at: streamField.start, expected: "a stream (\(DMAStream.allCases.map(\.name).joined(separator: ", ")))",
                            found: quoted(streamField))
            }
            if case .dmaLoad = mnemonic {
                let dram = try range("dram"), sram = try range("sram")
                operation = .dmaLoad(stream: stream, dram: DRAMRange(base: dram.base, bytes: dram.bytes),
                                     sram: SRAMRange(base: sram.base, bytes: sram.bytes))
            } else {
                let sram = try range("sram"), dram = try range("dram")
                operation = .dmaStore(stream: stream, sram: SRAMRange(base: sram.base, bytes: sram.bytes),
                                      dram: DRAMRange(base: dram.base, bytes: dram.bytes))
            }
        case .tile:
            let limit = Int64(Int32.max)
            let rows = try count("rows", maximum: limit), columns = try count("columns", maximum: limit)
            let tileTokens = try count("tokens", maximum: limit)
            let weights = try range("weights"), input = try range("input"), accumulator = try range("accumulator")
            let flagField = try value("accumulate")
            let accumulate: Bool
            switch string(flagField) {
            case "true": accumulate = true
            case "false": accumulate = false
            default: throw error(at: flagField.start, expected: "`true` or `false`", found: quoted(flagField))
            }
            operation = .ternaryTile(rows: Int32(truncatingIfNeeded: rows), columns: Int32(truncatingIfNeeded: columns),
                                     tokens: Int32(truncatingIfNeeded: tileTokens),
                                     weights: SRAMRange(base: weights.base, bytes: weights.bytes),
                                     input: SRAMRange(base: input.base, bytes: input.bytes),
                                     accumulator: SRAMRange(base: accumulator.base, bytes: accumulator.bytes), accumulate: accumulate)
        case let .vector(kind):
            let operations = try count("operations", maximum: Int64.max), special = try count("special_ops", maximum: Int64.max)
            let input = try range("input"), output = try range("output"), input2 = try optionalRange("input2")
            let parameters = try optionalRange("params")
            operation = .vector(kind: kind, operations: operations, specialOps: special,
                                input: SRAMRange(base: input.base, bytes: input.bytes), output: SRAMRange(base: output.base, bytes: output.bytes),
                                input2: input2, parameters: parameters)
        case let .matrix(kind):
            let macs = try count("macs", maximum: Int64.max)
            let input = try range("input"), output = try range("output"), input2 = try optionalRange("input2")
            operation = .matrix(kind: kind, macs: macs, input: SRAMRange(base: input.base, bytes: input.bytes),
                                output: SRAMRange(base: output.base, bytes: output.bytes), input2: input2)
        case let .link(kind):
            let chips = try count("chips", maximum: Int64(Int32.max))
            let data = try range("data")
            operation = .link(kind: kind, chips: Int32(truncatingIfNeeded: chips), data: SRAMRange(base: data.base, bytes: data.bytes))
        }

        let tagField = try value("tag")
        let tagName = try name(tagField)
        guard let tag = tagIndex[tagName] else {
            throw error(at: tagField.start, expected: "a tag declared with `.tag`", found: quoted(tagField))
        }
        var waits: [TokenID] = []
        if let list = values["wait"] {
            var start = list.start
            while true {
                let end = text[start ..< list.end].firstIndex(of: comma) ?? list.end
                waits.append(try token(Field(start: start, end: end), tokens))
                if end >= list.end { break }
                start = end + 1
            }
        }
        var signal: TokenID = -1
        if let signalField = values["signal"] {
            signal = try token(signalField, tokens)
            if let line = signalLines[signal] {
                throw error(at: signalField.start, expected: "a token not signalled by an earlier instruction",
                            found: "token \(signal), already signalled on line \(line)")
            }
            signalLines[signal] = lineNumber
        }
        guard let waitStart = Int32(exactly: waitTokens.count), let waitCount = Int32(exactly: waits.count),
              Int64(waitStart) + Int64(waitCount) <= Int64(Int32.max) else {
            throw error(at: fields[0].start, expected: "at most \(Int32.max) waits in a program", found: "more")
        }
        waitTokens.append(contentsOf: waits)
        instructions.append(Instruction(operation: operation, unit: unit, tag: tag, waitStart: waitStart, waitCount: waitCount,
                                        signal: signal))
    }

    // MARK: Values

    /// A decimal integer in `0 ... maximum`.
    func integer(_ field: Field, _ what: String, maximum: Int64) throws -> Int64 {
        guard field.start < field.end else {
            throw error(at: field.start, expected: what, found: "nothing")
        }
        if text[field.start] == minus {
            throw error(at: field.start, expected: "\(what) ≥ 0", found: "the negative number \(quoted(field))")
        }
        var value: Int64 = 0
        for index in field.start ..< field.end {
            let byte = text[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
                throw error(at: index, expected: "\(what) (decimal digits)", found: quoted(field))
            }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else {
                throw error(at: field.start, expected: "\(what) ≤ \(maximum)", found: quoted(field))
            }
            value = sum
        }
        guard value <= maximum else {
            throw error(at: field.start, expected: "\(what) ≤ \(maximum)", found: quoted(field))
        }
        return value
    }

    /// A token in `0 ..< tokens`.
    func token(_ field: Field, _ tokens: Int64) throws -> TokenID {
        let value = try integer(field, "a token", maximum: Int64(Int32.max))
        guard value < tokens else {
            throw error(at: field.start, expected: "a token declared by `.tokens \(tokens)` (0 ..< \(tokens))", found: quoted(field))
        }
        return TokenID(truncatingIfNeeded: value)
    }

    /// A bare or quoted name.
    func name(_ field: Field) throws -> String {
        guard field.start < field.end else {
            throw error(at: field.start, expected: "a name", found: "nothing")
        }
        guard text[field.start] == quote else {
            guard text[field.start] != dot else {
                throw error(at: field.start, expected: "a name not starting with `.` (quote it)", found: quoted(field))
            }
            for index in field.start ..< field.end where !isBareByte(text[index]) {
                throw error(at: index, expected: "a name of letters, digits, `_`, `-`, `.` (or a quoted name)", found: quoted(field))
            }
            return string(field)
        }
        var bytes: [UInt8] = []
        var index = field.start + 1
        while true {
            guard index < field.end else {
                throw error(at: field.start, expected: "a closing quote `\"`", found: "the end of the name")
            }
            let byte = text[index]
            if byte == quote {
                index += 1
                break
            }
            guard byte == backslash else {
                bytes.append(byte)
                index += 1
                continue
            }
            let next = index + 1 < field.end ? text[index + 1] : 0
            if next == quote || next == backslash {
                bytes.append(next)
                index += 2
            } else if next == UInt8(ascii: "u"), index + 2 < field.end, text[index + 2] == UInt8(ascii: "{"),
                      let close = text[(index + 3) ..< field.end].firstIndex(of: UInt8(ascii: "}")),
                      close - (index + 3) >= 1, close - (index + 3) <= 6,
                      text[(index + 3) ..< close].allSatisfy({ isHexDigit($0) }),
                      let value = UInt32(string(Field(start: index + 3, end: close)), radix: 16),
                      let scalar = Unicode.Scalar(value) {
                bytes.append(contentsOf: Array(String(Character(scalar)).utf8))
                index = close + 1
            } else {
                throw error(at: index, expected: "an escape `\\\"`, `\\\\` or `\\u{hex}`", found: quoted(field))
            }
        }
        guard index == field.end else {
            throw error(at: index, expected: "the end of the name after its closing quote", found: quoted(field))
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
