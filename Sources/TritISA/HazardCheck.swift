import TritCore

/// Data hazards on SRAM: whether a program orders every access to a byte after the write it
/// depends on. `ProgramCheck` applies read-after-write (its rule 9); write-after-write and
/// write-after-read are available on request, e.g. for tests of a compiler's buffer allocation.
///
/// **Happens before.** Instruction A happens before instruction B when A is sure to have completed
/// (its data written, its reads done) before B starts, whatever the timing:
/// - B waits on the token A signals;
/// - A precedes B in the queue of the same ternary array, vector or attention unit (these run one
///   instruction at a time: the next starts when the previous completes);
/// - or through a chain of such steps: A happens before C and C happens before B. On a DMA engine
///   queue order is weaker: the next transfer may start as soon as the previous one has left the
///   off-chip channel, before its data has landed, so on a DMA engine A happens before B
///   (A earlier in the queue) only when the chain reaches B through a token or a compute unit.
///   DMA transfers do complete in queue order (one first-come, first-served channel, one latency),
///   so whatever waits for a DMA instruction has also seen every earlier one on that engine complete.
///
/// **Accesses.** `dma.load` writes `sram`; `dma.store` reads `sram`; `tile` reads `weights` and
/// `input` (and `accumulator` when `accumulate`) and writes `accumulator`; `vector` reads `input`,
/// `input2` and `parameters`, `matrix` reads `input` and `input2`, and both write `output`. Empty
/// ranges touch nothing. SRAM holds nothing when a program starts.
///
/// **Hazards**, for every SRAM byte an instruction B touches, with "the last writer" the latest
/// instruction before B in program order that writes the byte:
/// - read-after-write: if B reads the byte, a last writer exists (else B reads uninitialised
///   SRAM) and happens before B;
/// - write-after-write: if B writes the byte, its last writer (if any) happens before B;
/// - write-after-read: if B writes the byte, every instruction that read it after its last writer
///   (and before B) happens before B.
///
/// An instruction's own reads and write do not conflict with each other (a tile accumulating in
/// place, a softmax over its own scores).
///
/// **Method.** One pass in program order with vector clocks: each unit's clock counts, per unit,
/// how many of that unit's instructions are known complete; an instruction's start clock is its
/// unit's clock joined with the completion clock of every token it waits on (stored when the
/// token is signalled and dropped after its last waiter, so only tokens still awaited take
/// memory). A writer (unit u, position q in u's queue) happens before B exactly when B's start
/// clock counts more than q instructions of u. An `IntervalMap` holds, per byte range, the last
/// writer and (for write-after-read) the latest reader per unit since then.
///
/// - Complexity: O(instructions × units + waits × units) for the clocks, and O(log segments) per
///   range access, where segments ≤ 2 × writes + 1. Read-after-write visits each written segment
///   at most once per reading unit (a segment already seen to be ordered before an earlier
///   instruction of the reading unit is ordered before its later ones, and is skipped; hence at
///   most `maximumUnits` units); write-after-read also visits every segment a read overlaps.
///   Memory: the clocks of tokens still awaited, at most `maximumClockEntries`.
public enum HazardCheck {
    /// Most units a checked program may have: checked SRAM ranges are marked per reading unit in
    /// one 64-bit word, which keeps the check linear (`IntervalMap.forEachUnmarked`).
    public static let maximumUnits = 64
    /// Most clock entries (units × tokens signalled and still awaited) held at once: 2^26 Int32,
    /// 256 MiB. The compiler's programs hold a few thousand.
    public static let maximumClockEntries = 1 << 26

    /// Which hazards to look for.
    public struct Hazards: OptionSet, Sendable {
        public let rawValue: Int
        /// Creates a set from its raw value.
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// A read of a byte before (or concurrently with) the write it depends on, or of a byte never written.
        public static let readAfterWrite = Hazards(rawValue: 1)
        /// A write of a byte before (or concurrently with) an earlier read of its previous value.
        public static let writeAfterRead = Hazards(rawValue: 2)
        /// A write of a byte before (or concurrently with) its previous write.
        public static let writeAfterWrite = Hazards(rawValue: 4)
        /// All three.
        public static let all: Hazards = [.readAfterWrite, .writeAfterRead, .writeAfterWrite]
    }

    /// An SRAM operand of an instruction: its name in the assembly and its range.
    struct Operand {
        enum Name: String { case sram, weights, input, input2, parameters, accumulator, output, data }
        var name: Name
        var range: SRAMRange
        /// The bytes it touches (empty if none); only for ranges inside 0 ..< 2^63.
        var bytes: Range<Int64> { range.base ..< range.base + range.bytes }
        /// Inside 0 ..< 2^63.
        var isValid: Bool { range.base >= 0 && range.bytes >= 0 && range.base <= Int64.max - range.bytes }
    }

    /// The operands an instruction reads (at most three) and the one it writes.
    struct Accesses {
        private var first = Operand(name: .sram, range: SRAMRange(base: 0, bytes: 0))
        private var second = Operand(name: .sram, range: SRAMRange(base: 0, bytes: 0))
        private var third = Operand(name: .sram, range: SRAMRange(base: 0, bytes: 0))
        /// Number of operands read.
        private(set) var readCount = 0
        /// The operand written, if any.
        private(set) var write: Operand? = nil

        /// The accesses of `operation` (see the type comment of `HazardCheck`).
        init(_ operation: Instruction.Operation) {
            switch operation {
            case let .dmaLoad(_, _, sram):
                write = Operand(name: .sram, range: sram)
            case let .dmaStore(_, sram, _):
                first = Operand(name: .sram, range: sram)
                readCount = 1
            case let .ternaryTile(_, _, _, weights, input, accumulator, accumulate):
                first = Operand(name: .weights, range: weights)
                second = Operand(name: .input, range: input)
                third = Operand(name: .accumulator, range: accumulator)
                readCount = accumulate ? 3 : 2
                write = third
            case let .vector(_, _, _, input, output, input2, parameters):
                first = Operand(name: .input, range: input)
                second = Operand(name: .input2, range: input2)
                third = Operand(name: .parameters, range: parameters)
                readCount = 3
                write = Operand(name: .output, range: output)
            case let .matrix(_, _, input, output, input2):
                first = Operand(name: .input, range: input)
                second = Operand(name: .input2, range: input2)
                readCount = 2
                write = Operand(name: .output, range: output)
            case let .link(kind, _, data):
                // send reads the range; receive writes it; all-reduce reads and sums it in place.
                first = Operand(name: .data, range: data)
                readCount = kind == .receive ? 0 : 1
                write = kind == .send ? nil : first
            }
        }

        /// Read operand `k` (0 ..< readCount).
        func read(_ k: Int) -> Operand { k == 0 ? first : k == 1 ? second : third }

        /// Keeps only the bytes of each operand inside `window` (an operand outside it touches nothing).
        mutating func clip(to window: Range<Int64>) {
            func clipped(_ operand: Operand) -> Operand {
                let bytes = operand.bytes.clamped(to: window)
                var copy = operand
                copy.range = SRAMRange(base: bytes.lowerBound, bytes: Int64(bytes.count))
                return copy
            }
            first = clipped(first)
            second = clipped(second)
            third = clipped(third)
            write = write.map(clipped)
        }
    }

    /// The last writer of a byte range: instruction index (-1: never written), its unit and its
    /// position in that unit's queue.
    struct Writer {
        var instruction: Int32
        var unit: Int32
        var position: Int32

        static let none = Writer(instruction: -1, unit: -1, position: -1)
    }

    /// Checks `program` for `hazards`.
    ///
    /// Meant for a program that has passed `ProgramCheck`'s other rules; it re-checks only what it
    /// relies on (unit indices, wait lists, tokens waited after they are signalled, ranges inside
    /// 0 ..< 2^63) and throws if those fail.
    /// - Throws: `InputError(source:, location: "instruction <i> (0-based, on <unit>)", expected:
    ///   "<hazard>: …", found: "bytes a..<b of its <operand> range …, last written by instruction <j> …")`
    ///   for the first instruction, in program order, that breaks a rule.
    /// - Complexity: see the type.
    /// - Parameter window: when given, only the bytes of each operand inside it are checked and
    ///   recorded (e.g. the weight buffer, whose addresses a compiled program gives exactly).
    public static func check(_ program: Program, hazards: Hazards = .readAfterWrite, source: String, window: Range<Int64>? = nil) throws {
        if let first = try violations(in: program, hazards: hazards, source: source, limit: 1, window: window).first { throw first }
    }

    /// The first `limit` violations of `hazards` in program order, at most one per instruction
    /// operand, each as `check` would throw it; the pass goes on after each as if the access were
    /// ordered.
    /// - Throws: `InputError` if the program breaks what the check relies on (see `check`).
    public static func violations(in program: Program, hazards: Hazards, source: String, limit: Int,
                                  window: Range<Int64>? = nil) throws -> [InputError] {
        var checker = try Checker(program: program, hazards: hazards, source: source)
        checker.window = window
        for index in program.instructions.indices {
            guard checker.found.count < limit else { break }
            try checker.step(index)
        }
        return Array(checker.found.prefix(max(limit, 0)))
    }

    /// How many (segment, reading unit) pairs a read-after-write pass over `program` examines: the
    /// work that stays linear because each unit checks each segment once (tests hold it to that).
    /// - Throws: as `violations`.
    static func segmentChecks(in program: Program, source: String) throws -> Int {
        var checker = try Checker(program: program, hazards: .readAfterWrite, source: source)
        for index in program.instructions.indices { try checker.step(index) }
        return checker.segmentChecks
    }

    /// The state of one pass over a program.
    private struct Checker {
        let program: Program
        let hazards: Hazards
        let source: String
        let unitCount: Int
        let isDMA: [Bool]
        /// Only bytes inside this range are checked, when set.
        var window: Range<Int64>? = nil
        /// Segments examined by read checks so far (`segmentChecks`).
        var segmentChecks = 0
        /// Waits still to come per token, so each completion clock is kept only while awaited.
        var pendingWaits: [Int32]
        /// Token → slot of its completion clock in `snapshots`, or -1.
        var snapshotOfToken: [Int32]
        /// Completion clocks of signalled tokens still awaited, `unitCount` entries per slot.
        var snapshots: [Int32] = []
        var freeSnapshots: [Int32] = []
        /// Unit u's clock (row u): what its next instruction starts from.
        var clocks: [Int32]
        /// DMA unit u's completion clock (row u): that of its latest transfer, hence of all before it.
        var completed: [Int32]
        /// Next queue position per unit.
        var positions: [Int32]
        /// The current instruction's start clock.
        var start: [Int32]
        /// Last writer per byte range.
        var writers = IntervalMap(bounds: 0 ..< Int64.max, initial: Writer.none)
        /// For write-after-read only: per byte range, per unit, 1 + the queue position of its
        /// latest reader since the last write (0: none); empty when nobody read since.
        var readers = IntervalMap(bounds: 0 ..< Int64.max, initial: [Int32]())
        /// Violations so far.
        var found: [InputError] = []

        init(program: Program, hazards: Hazards, source: String) throws {
            guard program.instructions.count <= Int(Int32.max) else {
                throw InputError(source: source, location: "instructions", expected: "at most \(Int32.max) instructions",
                                 found: "\(program.instructions.count)")
            }
            guard program.units.count <= HazardCheck.maximumUnits else {
                throw InputError(source: source, location: "units",
                                 expected: "at most \(HazardCheck.maximumUnits) units for the hazard check (it marks checked SRAM ranges per unit in 64 bits, which keeps it linear)",
                                 found: "\(program.units.count) units")
            }
            self.program = program
            self.hazards = hazards
            self.source = source
            unitCount = program.units.count
            isDMA = program.units.map { $0.kind == .dma }
            pendingWaits = Array(repeating: 0, count: max(program.tokenCount, 0))
            for token in program.waitTokens {
                guard token >= 0, Int(token) < pendingWaits.count else {
                    throw InputError(source: source, location: "wait tokens", expected: "wait: tokens below \(program.tokenCount)",
                                     found: "token \(token)")
                }
                pendingWaits[Int(token)] += 1
            }
            snapshotOfToken = Array(repeating: -1, count: pendingWaits.count)
            clocks = Array(repeating: 0, count: unitCount * unitCount)
            completed = clocks
            positions = Array(repeating: 0, count: unitCount)
            start = positions
        }

        func unitName(_ unit: Int) -> String { unit < unitCount ? program.units[unit].name : "unit \(unit)" }

        func location(_ index: Int) -> String { "instruction \(index) (0-based, on \(unitName(Int(program.instructions[index].unit))))" }

        /// Checks instruction `index` and records its accesses and completion.
        mutating func step(_ index: Int) throws {
            let instruction = program.instructions[index]
            let unit = Int(instruction.unit)
            guard unit < unitCount else {
                throw InputError(source: source, location: location(index), expected: "unit: a unit of the program (0..<\(unitCount))",
                                 found: "unit \(unit)")
            }
            let row = unit * unitCount
            let position = positions[unit]
            for u in 0 ..< unitCount { start[u] = clocks[row + u] }
            try join(waitsOf: index)
            var accesses = Accesses(instruction.operation)
            for k in 0 ..< accesses.readCount + (accesses.write == nil ? 0 : 1) {
                let operand = k < accesses.readCount ? accesses.read(k) : accesses.write ?? accesses.read(0)
                guard operand.isValid else {
                    throw InputError(source: source, location: location(index), expected: "sram: a range inside 0..<2^63",
                                     found: "\(operand.name.rawValue) \(operand.range.base)+\(operand.range.bytes)")
                }
            }
            if let window { accesses.clip(to: window) }

            if hazards.contains(.readAfterWrite) {
                for k in 0 ..< accesses.readCount where accesses.read(k).range.bytes > 0 { checkRead(accesses.read(k), index: index, unit: unit) }
            }
            if let write = accesses.write, write.range.bytes > 0, !hazards.isDisjoint(with: [.writeAfterWrite, .writeAfterRead]) {
                checkWrite(write, index: index)
            }
            if hazards.contains(.writeAfterRead) {
                let units = unitCount
                for k in 0 ..< accesses.readCount {
                    readers.modify(accesses.read(k).bytes) { latest in
                        if latest.isEmpty { latest = Array(repeating: 0, count: units) }
                        latest[unit] = max(latest[unit], position + 1)
                    }
                }
            }
            if let write = accesses.write {
                writers.assign(write.bytes, Writer(instruction: Int32(index), unit: Int32(unit), position: position))
                if hazards.contains(.writeAfterRead) { readers.assign(write.bytes, []) }
            }

            // Completion: this instruction and (on a DMA engine) every earlier transfer of its queue.
            positions[unit] = position + 1
            if isDMA[unit] {
                for u in 0 ..< unitCount { clocks[row + u] = start[u] }
                start[unit] = max(start[unit], position + 1)
                for u in 0 ..< unitCount {
                    start[u] = max(start[u], completed[row + u])
                    completed[row + u] = start[u]
                }
            } else {
                start[unit] = position + 1
                for u in 0 ..< unitCount { clocks[row + u] = start[u] }
            }
            let signal = Int(instruction.signal)
            if signal >= 0 {
                guard signal < pendingWaits.count else {
                    throw InputError(source: source, location: location(index), expected: "signal: a token below \(program.tokenCount)",
                                     found: "token \(signal)")
                }
                if pendingWaits[signal] > 0 {
                    let slot: Int
                    if let reused = freeSnapshots.popLast() {
                        slot = Int(reused)
                    } else {
                        guard snapshots.count + unitCount <= HazardCheck.maximumClockEntries else {
                            throw InputError(source: source, location: location(index),
                                             expected: "at most \(HazardCheck.maximumClockEntries / max(unitCount, 1)) signalled tokens still awaited at once (the hazard check keeps one clock per such token)",
                                             found: "more")
                        }
                        slot = snapshots.count / max(unitCount, 1)
                        snapshots.append(contentsOf: repeatElement(0, count: unitCount))
                    }
                    for u in 0 ..< unitCount { snapshots[slot * unitCount + u] = start[u] }
                    snapshotOfToken[signal] = Int32(slot)
                }
            }
        }

        /// Joins the completion clocks of the tokens instruction `index` waits on into `start`.
        private mutating func join(waitsOf index: Int) throws {
            let instruction = program.instructions[index]
            let waitStart = Int(instruction.waitStart), waitCount = Int(instruction.waitCount)
            guard waitStart >= 0, waitCount >= 0, waitStart <= program.waitTokens.count - waitCount else {
                throw InputError(source: source, location: location(index), expected: "layout: a wait list inside the wait tokens",
                                 found: "start \(waitStart), count \(waitCount)")
            }
            for position in waitStart ..< waitStart + waitCount {
                let token = Int(program.waitTokens[position])
                let slot = Int(snapshotOfToken[token])
                guard slot >= 0 else {
                    throw InputError(source: source, location: location(index), expected: "wait: a token signalled by an earlier instruction",
                                     found: "a wait on token \(token), never signalled before")
                }
                let base = slot * unitCount
                for u in 0 ..< unitCount where snapshots[base + u] > start[u] { start[u] = snapshots[base + u] }
                pendingWaits[token] -= 1
                if pendingWaits[token] == 0 {
                    freeSnapshots.append(Int32(slot))
                    snapshotOfToken[token] = -1
                }
            }
        }

        /// Read-after-write for one read operand.
        private mutating func checkRead(_ read: Operand, index: Int, unit: Int) {
            var failure: (address: Int64, writer: Int32)? = nil
            let bytes = read.bytes
            let clock = start
            func ordered(_ segment: Range<Int64>, _ writer: Writer) -> Bool {
                guard writer.instruction >= 0, clock[Int(writer.unit)] > writer.position else {
                    failure = (max(segment.lowerBound, bytes.lowerBound), writer.instruction)
                    return false
                }
                return true
            }
            // A segment already seen ordered before an earlier instruction of this unit is ordered
            // before this one too (a unit's start clocks only grow): skip it.
            var checks = 0
            writers.forEachUnmarked(in: bytes, bit: unit) { checks += 1; return ordered($0, $1) }
            segmentChecks += checks
            if let failure {
                found.append(violation(failure.writer < 0 ? .uninitialised : .readAfterWrite, read, index: index, at: failure.address,
                                       writer: failure.writer))
            }
        }

        /// Write-after-write and write-after-read for the written operand.
        private mutating func checkWrite(_ write: Operand, index: Int) {
            let bytes = write.bytes
            let clock = start
            var failure: (kind: Kind, address: Int64, reader: Int)? = nil
            if hazards.contains(.writeAfterWrite) {
                writers.forEach(in: bytes) { segment, writer in
                    if writer.instruction >= 0, clock[Int(writer.unit)] <= writer.position {
                        failure = (.writeAfterWrite, max(segment.lowerBound, bytes.lowerBound), -1)
                    }
                    return failure == nil
                }
            }
            if hazards.contains(.writeAfterRead) {
                // Only bytes before a write-after-write found above (at the same byte, that one is named).
                readers.forEach(in: bytes) { segment, latest in
                    let address = max(segment.lowerBound, bytes.lowerBound)
                    guard address < failure?.address ?? Int64.max else { return false }
                    guard let u = latest.indices.first(where: { clock[$0] < latest[$0] }) else { return true }
                    failure = (.writeAfterRead, address, u)
                    return false
                }
            }
            if let failure {
                // The last writer of the byte named.
                var writer: Int32 = -1
                writers.forEach(in: failure.address ..< failure.address + 1) { writer = $1.instruction; return false }
                found.append(violation(failure.kind, write, index: index, at: failure.address, writer: writer, reader: failure.reader))
            }
        }

        enum Kind { case uninitialised, readAfterWrite, writeAfterWrite, writeAfterRead }

        /// The error for the bytes of `operand` from `address` on with last writer `writer` (-1: never written).
        private func violation(_ kind: Kind, _ operand: Operand, index: Int, at address: Int64,
                               writer: Int32, reader: Int = -1) -> InputError {
            // The run of bytes from `address` with the same last writer, inside the operand.
            let operandEnd = operand.range.base + operand.range.bytes
            var end = address
            writers.forEach(in: address ..< operandEnd) { segment, last in
                guard segment.lowerBound <= end, last.instruction == writer else { return false }
                end = segment.upperBound
                return true
            }
            let bytes = "bytes \(address)..<\(min(end, operandEnd)) of its \(operand.name.rawValue) range \(operand.range.base)+\(operand.range.bytes)"
            let lastWriter = writer >= 0 ? "instruction \(writer) (on \(unitName(Int(program.instructions[Int(writer)].unit))))" : "no instruction"
            let expected: String
            let found: String
            switch kind {
            case .uninitialised:
                expected = "read-after-write: every SRAM byte it reads written by an earlier instruction"
                found = "\(bytes), never written (uninitialised SRAM)"
            case .readAfterWrite:
                expected = "read-after-write: every SRAM byte it reads last written by an instruction that completes before it starts (earlier on the same compute unit, or through tokens)"
                found = "\(bytes), last written by \(lastWriter), which may still be running"
            case .writeAfterWrite:
                expected = "write-after-write: every SRAM byte it writes last written by an instruction that completes before it starts"
                found = "\(bytes), last written by \(lastWriter), which may still be running"
            case .writeAfterRead:
                expected = "write-after-read: every read of the SRAM bytes it writes since their last write complete before it starts"
                found = "\(bytes) (last written by \(lastWriter)), read since by an instruction on \(unitName(reader)) that may still be running"
            }
            return InputError(source: source, location: location(index), expected: expected, found: found)
        }
    }
}
