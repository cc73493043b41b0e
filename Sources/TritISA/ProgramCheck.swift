import TritCore

/// Static checks of a program before it is simulated.
///
/// Rules, each reported with the instruction index:
/// 1. **unit** — every instruction names a unit of the program, and the unit's kind executes
///    its operation (DMA on `dma`, tiles on `ternaryArray`, vector routines on `vector`, matrix
///    products on `attention`);
/// 2. **tag** — every tag index names a declared tag;
/// 3. **signal** — every signalled token is below `tokenCount` and signalled once;
/// 4. **wait** — every waited token is signalled by an earlier instruction. Each unit runs its
///    queue in program order, so this rule alone makes the program deadlock-free: the earliest
///    unfinished instruction can always start;
/// 5. **sram** — every SRAM range lies inside `0 ..< sramBytes` (base ≥ 0, bytes ≥ 0);
/// 6. **dma** — a transfer moves at least one byte, at a DRAM address ≥ 0, and its SRAM and
///    DRAM ranges have the same length. (Transfers are byte-granular in this ISA version, so no
///    alignment rule applies yet.)
///
/// Not yet checked: a read of an SRAM buffer before the write it depends on (the compiler's
/// activation addresses are not yet allocated per tensor).
public enum ProgramCheck {
    /// Checks `program` against the rules above.
    /// - Parameters:
    ///   - program: the program.
    ///   - sramBytes: total on-chip SRAM of the target chip, bytes.
    ///   - source: the program's file name, for the error.
    /// - Throws: `InputError(source:, location: "instruction <i> (0-based, on <unit>)", expected: <rule>, found: …)`
    ///   for the first instruction that breaks a rule.
    /// - Complexity: O(instructions + waits).
    public static func check(_ program: Program, sramBytes: Int64, source: String) throws {
        var signalledBy = Array(repeating: -1, count: max(0, program.tokenCount))
        for index in program.instructions.indices {
            let instruction = program.instructions[index]
            let unitIndex = Int(instruction.unit)
            func violation(_ rule: String, _ found: String) -> InputError {
                let unitName = unitIndex < program.units.count ? program.units[unitIndex].name : "unit \(unitIndex)"
                return InputError(source: source, location: "instruction \(index) (0-based, on \(unitName))", expected: rule, found: found)
            }
            guard unitIndex < program.units.count else {
                throw violation("unit: a unit of the program (0..<\(program.units.count))", "unit \(unitIndex)")
            }
            let kind = program.units[unitIndex].kind
            guard kind == requiredKind(of: instruction.operation) else {
                throw violation("unit: a \(requiredKind(of: instruction.operation).name) unit for this operation", "a \(kind.name) unit")
            }
            guard Int(instruction.tag) < program.tags.count else {
                throw violation("tag: a declared tag (0..<\(program.tags.count))", "tag \(instruction.tag)")
            }
            let start = Int(instruction.waitStart)
            let count = Int(instruction.waitCount)
            guard start >= 0, count >= 0, start <= program.waitTokens.count - count else {
                throw violation("wait: a wait list inside the program's wait tokens", "start \(start), count \(count)")
            }
            for token in program.waitTokens[start ..< start + count] {
                guard token >= 0, Int(token) < signalledBy.count, signalledBy[Int(token)] >= 0 else {
                    throw violation("wait: a token signalled by an earlier instruction", "a wait on token \(token), never signalled before")
                }
            }
            if instruction.signal >= 0 {
                guard Int(instruction.signal) < signalledBy.count else {
                    throw violation("signal: a token below \(program.tokenCount)", "token \(instruction.signal)")
                }
                guard signalledBy[Int(instruction.signal)] < 0 else {
                    throw violation("signal: each token signalled once",
                                    "token \(instruction.signal), already signalled by instruction \(signalledBy[Int(instruction.signal)])")
                }
                signalledBy[Int(instruction.signal)] = index
            }
            for range in sramRanges(of: instruction.operation) {
                guard range.base >= 0, range.bytes >= 0, range.base <= sramBytes - range.bytes else {
                    throw violation("sram: a range inside 0..<\(sramBytes)", "\(range.base)+\(range.bytes)")
                }
            }
            switch instruction.operation {
            case let .dmaLoad(_, dram, sram), let .dmaStore(_, sram, dram):
                guard dram.bytes > 0, dram.base >= 0, dram.bytes == sram.bytes else {
                    throw violation("dma: at least one byte, a DRAM address ≥ 0, equal SRAM and DRAM lengths",
                                    "dram \(dram.base)+\(dram.bytes), sram \(sram.base)+\(sram.bytes)")
                }
            default:
                break
            }
        }
    }

    /// The unit kind that executes `operation`.
    public static func requiredKind(of operation: Instruction.Operation) -> UnitKind {
        switch operation {
        case .dmaLoad, .dmaStore: return .dma
        case .ternaryTile: return .ternaryArray
        case .vector: return .vector
        case .matrix: return .attention
        }
    }

    /// Every SRAM range an operation reads or writes.
    public static func sramRanges(of operation: Instruction.Operation) -> [SRAMRange] {
        switch operation {
        case let .dmaLoad(_, _, sram), let .dmaStore(_, sram, _): return [sram]
        case let .ternaryTile(_, _, _, weights, input, accumulator, _): return [weights, input, accumulator]
        case let .vector(_, _, _, input, output), let .matrix(_, _, input, output): return [input, output]
        }
    }
}
