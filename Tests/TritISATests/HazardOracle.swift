import TritISA

/// The hazard rules of `HazardCheck` applied literally, for property tests: happens-before as
/// reachability between explicit start and completion events, and one last writer and one list
/// of readers per byte. Quadratic; for small programs with small addresses only.
enum HazardOracle {
    struct Violation: Equatable, CustomStringConvertible {
        var index: Int
        var operand: String
        /// "uninitialised", "read-after-write", "write-after-write" or "write-after-read".
        var kind: String
        var address: Int64
        var description: String { "instruction \(index) \(operand) \(kind) at \(address)" }
    }

    static func violations(_ program: Program, hazards: HazardCheck.Hazards) -> [Violation] {
        let count = program.instructions.count
        var signaller: [Int: Int] = [:]
        var previousOnUnit: [Int: Int] = [:]
        // beforeStart[i]: instructions whose completion precedes i's start; beforeEnd[i]: its completion.
        var beforeStart = Array(repeating: Set<Int>(), count: count)
        var beforeEnd = Array(repeating: Set<Int>(), count: count)
        var lastWriter: [Int64: Int] = [:]
        var readers: [Int64: [Int]] = [:]
        var found: [Violation] = []
        for index in 0 ..< count {
            let instruction = program.instructions[index]
            let unit = Int(instruction.unit)
            let isDMA = program.units[unit].kind == .dma
            var start = Set<Int>()
            if let previous = previousOnUnit[unit] {
                // A compute unit starts after its previous instruction completes; a DMA engine
                // only after it started (its completion follows the previous completion).
                start = isDMA ? beforeStart[previous] : beforeEnd[previous]
            }
            for token in program.waits(of: index) {
                if let source = signaller[Int(token)] { start.formUnion(beforeEnd[source]) }
            }
            var end = start
            end.insert(index)
            if isDMA, let previous = previousOnUnit[unit] { end.formUnion(beforeEnd[previous]) }
            beforeStart[index] = start
            beforeEnd[index] = end
            previousOnUnit[unit] = index
            if instruction.signal >= 0 { signaller[Int(instruction.signal)] = index }

            var reads: [(String, SRAMRange)] = []
            var write: (String, SRAMRange)? = nil
            switch instruction.operation {
            case let .dmaLoad(_, _, sram): write = ("sram", sram)
            case let .dmaStore(_, sram, _): reads = [("sram", sram)]
            case let .ternaryTile(_, _, _, weights, input, accumulator, accumulate):
                reads = [("weights", weights), ("input", input)] + (accumulate ? [("accumulator", accumulator)] : [])
                write = ("accumulator", accumulator)
            case let .vector(_, _, _, input, output, input2, parameters):
                reads = [("input", input), ("input2", input2), ("parameters", parameters)]
                write = ("output", output)
            case let .matrix(_, _, input, output, input2):
                reads = [("input", input), ("input2", input2)]
                write = ("output", output)
            case let .link(kind, _, data):
                reads = kind == .receive ? [] : [("data", data)]
                write = kind == .send ? nil : ("data", data)
            }
            if hazards.contains(.readAfterWrite) {
                for (name, range) in reads {
                    for address in range.base ..< range.base + range.bytes {
                        guard let writer = lastWriter[address] else {
                            found.append(Violation(index: index, operand: name, kind: "uninitialised", address: address))
                            break
                        }
                        if !start.contains(writer) {
                            found.append(Violation(index: index, operand: name, kind: "read-after-write", address: address))
                            break
                        }
                    }
                }
            }
            if let (name, range) = write {
                for address in range.base ..< range.base + range.bytes {
                    if hazards.contains(.writeAfterWrite), let writer = lastWriter[address], !start.contains(writer) {
                        found.append(Violation(index: index, operand: name, kind: "write-after-write", address: address))
                        break
                    }
                    if hazards.contains(.writeAfterRead), (readers[address] ?? []).contains(where: { !start.contains($0) }) {
                        found.append(Violation(index: index, operand: name, kind: "write-after-read", address: address))
                        break
                    }
                }
            }
            for (_, range) in reads {
                for address in range.base ..< range.base + range.bytes { readers[address, default: []].append(index) }
            }
            if let (_, range) = write {
                for address in range.base ..< range.base + range.bytes {
                    lastWriter[address] = index
                    readers[address] = []
                }
            }
        }
        return found
    }
}
