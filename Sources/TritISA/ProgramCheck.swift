import TritCore

/// Static checks of a program before it is simulated.
///
/// Rules, each reported with the instruction index:
/// 1. **unit** — every instruction names a unit of the program, and the unit's kind executes
///    its operation (DMA on `dma`, tiles on `ternaryArray`, vector routines on `vector`, matrix
///    products on `attention`, chip-to-chip transfers on `link`);
/// 2. **tag** — every tag index names a declared tag;
/// 3. **signal** — every signalled token is below `tokenCount` and signalled once;
/// 4. **wait** — every waited token is signalled by an earlier instruction. Each unit runs its
///    queue in program order, so this rule alone makes the program deadlock-free: the earliest
///    unfinished instruction can always start;
/// 5. **sram** — every SRAM range lies inside `0 ..< sramBytes` (base ≥ 0, bytes ≥ 0);
/// 6. **dma** — a transfer moves at least one byte, inside the chip's off-chip capacity, and
///    its SRAM and DRAM ranges have the same length. (Transfers are byte-granular in this ISA
///    version, so no alignment rule applies yet.)
/// 7. **resources** — no more arrays than the chip has, one vector and one attention unit, at
///    most `Limits.maximumDMAUnits` DMA engines, and link units only on a chip with a link
///    (`Limits.linkUnits`); a link transfer moves at least one byte among 2 chips (send, receive)
///    or 2 ... `Limits.maximumLinkChips` chips (all-reduce); tiles no larger than the array, 1 ≤ tokens ≤
///    `Limits.maximumTileTokens`, with weight, input and accumulator lengths that match the tile
///    (packed weights within a byte of rows × columns × bits / 8; tokens × rows int8 inputs;
///    tokens × columns int32 sums); vector and matrix work in proportion to the bytes touched
///    (every SRAM operand, a vector's `input2` and `parameters` included);
/// 8. **layout** — at most one token per instruction, wait lists laid out one after another in
///    program order (as `ProgramBuilder` and the assembler make them), and program totals of
///    every energy counter inside 64 bits;
/// 9. **read-after-write** — every SRAM byte an instruction reads was written by an earlier
///    instruction, and the last such writer (the latest before it in program order) completes
///    before the reader starts: the reader waits on its token, follows it in the queue of the
///    same array, vector or attention unit, or is linked to it by a chain of both (a DMA engine's
///    queue order alone does not count: its next transfer starts before the previous one's data
///    lands). Exact definition: `HazardCheck`. Applied, when asked for (`hazards`), once rules 1–8
///    hold for every instruction.
///
/// Together rules 1–8 make any program that passes safe to simulate: no count can overflow, and
/// the work is linear in the file's size; rule 9 makes its results those of a program whose
/// every read sees the data it depends on.
public enum ProgramCheck {
    /// What the target chip offers, for the resource rules.
    public struct Limits: Sendable {
        /// Total on-chip SRAM, bytes.
        public var sramBytes: Int64
        /// Off-chip memory capacity, bytes.
        public var dramBytes: Int64
        /// Ternary arrays.
        public var arrays: Int
        /// Rows and columns of one array.
        public var arrayRows: Int
        public var arrayColumns: Int
        /// Packed bits per ternary weight (numerator / denominator).
        public var bitsPerWeight: BitsPerWeight
        /// Link units a program may use: 1 on a chip of a multi-chip system, 0 on a lone chip.
        public var linkUnits: Int = 0

        /// Most chips one all-reduce may span (`SystemConfig.maximumChips`).
        public static let maximumLinkChips: Int32 = 65_536

        /// Most DMA engines a program may use (the compiler uses 3).
        public static let maximumDMAUnits = 16
        /// Most token rows one tile instruction may stream (the longest context a model may have).
        public static let maximumTileTokens: Int32 = 1 << 20
        /// Most vector operations or special-function evaluations per byte an instruction touches
        /// (the compiler's routines need at most about 3).
        public static let maximumOperationsPerByte: Int64 = 16
        /// Most MACs per byte a matrix instruction touches (the LM head at the largest batch needs
        /// half the batch, 32,768).
        public static let maximumMACsPerByte: Int64 = 1 << 20

        /// Creates limits.
        public init(sramBytes: Int64, dramBytes: Int64, arrays: Int, arrayRows: Int, arrayColumns: Int, bitsPerWeight: BitsPerWeight,
                    linkUnits: Int = 0) {
            self.sramBytes = sramBytes
            self.dramBytes = dramBytes
            self.arrays = arrays
            self.arrayRows = arrayRows
            self.arrayColumns = arrayColumns
            self.bitsPerWeight = bitsPerWeight
            self.linkUnits = linkUnits
        }
    }

    /// Checks `program` against the rules above.
    /// - Parameters:
    ///   - program: the program.
    ///   - limits: what the target chip offers.
    ///   - source: the program's file name, for the error.
    ///   - hazards: the data hazards to refuse: none by default; rule 9 is `.readAfterWrite`
    ///     (`tritsim sim --check-hazards`), and `HazardCheck.Hazards.all` adds write-after-write and
    ///     write-after-read. Not applied by default because the compiler's activation and partial-sum
    ///     addresses are still bookkeeping (every activation range starts at the activation buffer's
    ///     base), so its own programs break rule 9.
    /// - Throws: `InputError(source:, location: "instruction <i> (0-based, on <unit>)", expected: <rule>, found: …)`
    ///   for the first instruction that breaks one of rules 1–8, else for the first that breaks a
    ///   hazard rule (found: the bytes, and the instruction that last wrote them).
    /// - Complexity: O(instructions + waits) for rules 1–8; `HazardCheck` for rule 9.
    public static func check(_ program: Program, limits: Limits, source: String,
                             hazards: HazardCheck.Hazards = []) throws {
        let sramBytes = limits.sramBytes
        guard program.tokenCount >= 0, program.tokenCount <= program.instructions.count else {
            throw InputError(source: source, location: "token count", expected: "layout: at most one token per instruction (\(program.instructions.count))",
                             found: "\(program.tokenCount)")
        }
        var unitsOfKind: [UnitKind: Int] = [:]
        for unit in program.units { unitsOfKind[unit.kind, default: 0] += 1 }
        for (kind, allowed) in [(UnitKind.ternaryArray, limits.arrays), (.vector, 1), (.attention, 1), (.dma, Limits.maximumDMAUnits),
                                (.link, limits.linkUnits)]
            where unitsOfKind[kind, default: 0] > allowed {
            throw InputError(source: source, location: "units", expected: "resources: at most \(allowed) \(kind.name) units on this chip",
                             found: "\(unitsOfKind[kind, default: 0])")
        }
        var signalledBy = Array(repeating: -1, count: program.tokenCount)
        var nextWait = 0
        var totals = Array(repeating: Int64(0), count: 7)  // ternary adds, fp16 MACs, vector ops, special ops, SRAM bytes, DRAM bytes, link bytes
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
            guard start == nextWait, count >= 0, start <= program.waitTokens.count - count else {
                throw violation("layout: wait list at \(nextWait), right after the previous instruction's, inside the wait tokens",
                                "start \(start), count \(count)")
            }
            nextWait += count
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
            var actions: [Int64] = [0, 0, 0, 0, 0, 0, 0]
            let touched = sramRanges(of: instruction.operation).reduce(Int64(0)) { $0 + $1.bytes }  // each ≤ sramBytes ≤ 2^37
            actions[4] = touched
            switch instruction.operation {
            case let .dmaLoad(_, dram, sram), let .dmaStore(_, sram, dram):
                guard dram.bytes > 0, dram.base >= 0, dram.base <= limits.dramBytes - dram.bytes, dram.bytes == sram.bytes else {
                    throw violation("dma: at least one byte inside 0..<\(limits.dramBytes) of off-chip memory, equal SRAM and DRAM lengths",
                                    "dram \(dram.base)+\(dram.bytes), sram \(sram.base)+\(sram.bytes)")
                }
                actions[5] = dram.bytes
            case let .ternaryTile(rows, columns, tokens, weights, input, accumulator, _):
                guard rows >= 1, Int(rows) <= limits.arrayRows, columns >= 1, Int(columns) <= limits.arrayColumns,
                      tokens >= 1, tokens <= Limits.maximumTileTokens else {
                    throw violation("resources: a tile of 1...\(limits.arrayRows) rows × 1...\(limits.arrayColumns) columns, 1...\(Limits.maximumTileTokens) tokens",
                                    "\(rows) × \(columns), \(tokens) tokens")
                }
                let weightsCount = Int64(rows) * Int64(columns)
                let packed = limits.bitsPerWeight.bytes(forWeights: weightsCount)
                let r = Int64(rows), c = Int64(columns), t = Int64(tokens)
                guard weights.bytes >= packed - 1, weights.bytes <= packed + 1, input.bytes == t * r, accumulator.bytes == t * c * 4 else {
                    throw violation("resources: weights \(packed)±1 bytes, input \(t * r) bytes (tokens × rows), accumulator \(t * c * 4) bytes (tokens × columns × 4)",
                                    "weights \(weights.bytes), input \(input.bytes), accumulator \(accumulator.bytes)")
                }
                actions[0] = weightsCount * t
            case let .vector(_, operations, specialOps, _, _, _, _):
                let most = Limits.maximumOperationsPerByte * max(touched, 1)
                guard operations >= 0, specialOps >= 0, operations <= most, specialOps <= most else {
                    throw violation("resources: 0...\(most) operations and special operations (\(Limits.maximumOperationsPerByte) per byte touched)",
                                    "\(operations) and \(specialOps)")
                }
                actions[2] = operations
                actions[3] = specialOps
            case let .matrix(_, macs, _, _, _):
                let most = Limits.maximumMACsPerByte * max(touched, 1)
                guard macs >= 0, macs <= most else {
                    throw violation("resources: 0...\(most) MACs (\(Limits.maximumMACsPerByte) per byte touched)", "\(macs)")
                }
                actions[1] = macs
            case let .link(kind, chips, data):
                let pointToPoint = kind != .allReduce
                let chipRange: ClosedRange<Int32> = pointToPoint ? 2...2 : 2...Limits.maximumLinkChips
                guard chipRange.contains(chips), data.bytes >= 1 else {
                    throw violation("resources: a link transfer of at least one byte among \(pointToPoint ? "2" : "2...\(Limits.maximumLinkChips)") chips",
                                    "\(data.bytes) bytes among \(chips) chips")
                }
                actions[6] = kind.linkBytes(chips: Int64(chips), bytes: data.bytes).sent
            }
            for (slot, value) in actions.enumerated() {
                let (sum, overflow) = totals[slot].addingReportingOverflow(value)
                guard !overflow, sum <= Int64(1) << 62 else {
                    throw violation("layout: program totals of every counter below 2^62", "a larger total")
                }
                totals[slot] = sum
            }
        }
        guard nextWait == program.waitTokens.count else {
            throw InputError(source: source, location: "wait tokens", expected: "layout: exactly the waits of the instructions (\(nextWait))",
                             found: "\(program.waitTokens.count)")
        }
        if !hazards.isEmpty { try HazardCheck.check(program, hazards: hazards, source: source) }
    }

    /// The unit kind that executes `operation`.
    public static func requiredKind(of operation: Instruction.Operation) -> UnitKind {
        switch operation {
        case .dmaLoad, .dmaStore: return .dma
        case .ternaryTile: return .ternaryArray
        case .vector: return .vector
        case .matrix: return .attention
        case .link: return .link
        }
    }

    /// Every SRAM range an operation reads or writes.
    public static func sramRanges(of operation: Instruction.Operation) -> [SRAMRange] {
        switch operation {
        case let .dmaLoad(_, _, sram), let .dmaStore(_, sram, _): return [sram]
        case let .ternaryTile(_, _, _, weights, input, accumulator, _): return [weights, input, accumulator]
        case let .vector(_, _, _, input, output, input2, parameters): return [input, output, input2, parameters]
        case let .matrix(_, _, input, output, input2): return [input, output, input2]
        case let .link(_, _, data): return [data]
        }
    }
}
