import TritCore
import TritISA

/// Draws for the property tests on TritCore's deterministic `SplitMix64`, so they see the same
/// programs on every platform and toolchain.
extension SplitMix64 {
    /// Uniform in `0 ..< bound` (bound > 0), by multiply-high.
    mutating func below(_ bound: Int) -> Int {
        Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    /// A non-negative value up to `maximum`, often an edge case (0, 1, a power of two, the maximum).
    mutating func size(_ maximum: Int64) -> Int64 {
        switch below(6) {
        case 0: return 0
        case 1: return 1
        case 2: return maximum
        case 3: return Int64(1) << Int64(below(Int(63 - maximum.leadingZeroBitCount) + 1))
        default: return Int64(bitPattern: next() >> 1) % maximum
        }
    }
}

/// Random valid programs: unique names (some needing quotes), every operation and enum case,
/// waits on earlier signals, built with `ProgramBuilder` (so `waitTokens` has its canonical layout).
enum RandomPrograms {
    /// Name stems, including ones the assembly must quote.
    static let stems = ["dma.0", "array.1", "vector", "attention", "ffn", "attn_qkv", "lm-head", "with space", "quote\"d",
                        "back\\slash", "tab\there", "ctl\u{1}\u{7F}", "émoji😀", ".leading", "", "semi;colon", "a=b,c+d",
                        "\\u{41}", "new\nline"]

    static func program(_ random: inout SplitMix64, maxInstructions: Int = 40) -> Program {
        var used = Set<String>()
        func uniqueName(_ index: Int) -> String {
            var name = random.pick(stems)
            if used.contains(name) { name += ".\(index)" }
            used.insert(name)
            return name
        }
        let units = (0 ..< 1 + random.below(6)).map { UnitDescriptor(kind: random.pick(UnitKind.allCases), name: uniqueName($0)) }
        used.removeAll()
        let tags = (0 ..< 1 + random.below(4)).map { uniqueName($0) }
        var builder = ProgramBuilder(units: units, tags: tags)
        var signalled: [TokenID] = []
        for _ in 0 ..< random.below(maxInstructions + 1) {
            let operation = self.operation(&random)
            let waits = signalled.isEmpty ? [] : (0 ..< random.below(4)).map { _ in random.pick(signalled) }
            let token = builder.emit(operation, on: UnitID(random.below(units.count)), tag: UInt16(random.below(tags.count)),
                                     waits: waits, signals: random.chance(70))
            if let token { signalled.append(token) }
        }
        return builder.build()
    }

    static func operation(_ random: inout SplitMix64) -> Instruction.Operation {
        func sram() -> SRAMRange { SRAMRange(base: random.size(Int64.max), bytes: random.size(Int64.max)) }
        func dram() -> DRAMRange { DRAMRange(base: random.size(Int64.max), bytes: random.size(Int64.max)) }
        func dimension() -> Int32 { Int32(random.size(Int64(Int32.max))) }
        switch random.pick(Opcode.allCases) {
        case .dmaLoad: return .dmaLoad(stream: random.pick(DMAStream.allCases), dram: dram(), sram: sram())
        case .dmaStore: return .dmaStore(stream: random.pick(DMAStream.allCases), sram: sram(), dram: dram())
        case .ternaryTile:
            return .ternaryTile(rows: dimension(), columns: dimension(), tokens: dimension(), weights: sram(), input: sram(),
                                accumulator: sram(), accumulate: random.chance(50))
        case .vector:
            return .vector(kind: random.pick(VectorKind.allCases), operations: random.size(Int64.max),
                           specialOps: random.size(Int64.max), input: sram(), output: sram(),
                           input2: random.chance(50) ? sram() : .empty, parameters: random.chance(50) ? sram() : .empty)
        case .matrix:
            return .matrix(kind: random.pick(MatrixKind.allCases), macs: random.size(Int64.max), input: sram(), output: sram(),
                           input2: random.chance(50) ? sram() : .empty)
        case .link:
            return .link(kind: random.pick(LinkKind.allCases), chips: dimension(), data: sram())
        }
    }
}
