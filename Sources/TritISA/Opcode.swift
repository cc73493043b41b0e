/// The operation code of an instruction: one per `Instruction.Operation` case.
///
/// The raw value is the opcode byte of a `.tbin` instruction record (see `Program.binary()`), so
/// raw values are part of the binary format: never renumber a case; a new case takes the next
/// free value. `mnemonic` is the `.tasm` spelling (see `Program.assembly()`).
public enum Opcode: UInt8, CaseIterable, Sendable {
    /// `Instruction.Operation.dmaLoad`: a DMA unit copies a DRAM range into an SRAM range.
    case dmaLoad = 0
    /// `Instruction.Operation.dmaStore`: a DMA unit copies an SRAM range into a DRAM range.
    case dmaStore = 1
    /// `Instruction.Operation.ternaryTile`: a ternary array multiplies one weight tile.
    case ternaryTile = 2
    /// `Instruction.Operation.vector`: the vector unit runs one elementwise routine.
    case vector = 3
    /// `Instruction.Operation.matrix`: the attention unit runs one full-precision matrix product.
    case matrix = 4
    /// `Instruction.Operation.link`: the link unit sends, receives or all-reduces an SRAM range
    /// with other chips of a multi-chip system.
    case link = 5

    /// The `.tasm` mnemonic: the whole mnemonic for `dma.load`, `dma.store` and `tile`; for
    /// `vector`, `matrix` and `link` the prefix before `.<kind name>` (e.g. `vector.rms_norm`).
    public var mnemonic: String {
        switch self {
        case .dmaLoad: return "dma.load"
        case .dmaStore: return "dma.store"
        case .ternaryTile: return "tile"
        case .vector: return "vector"
        case .matrix: return "matrix"
        case .link: return "link"
        }
    }
}

extension Instruction.Operation {
    /// The operation code of this operation's case.
    public var opcode: Opcode {
        switch self {
        case .dmaLoad: return .dmaLoad
        case .dmaStore: return .dmaStore
        case .ternaryTile: return .ternaryTile
        case .vector: return .vector
        case .matrix: return .matrix
        case .link: return .link
        }
    }
}

extension Instruction.Operation {
    /// The full `.tasm` mnemonic: `dma.load`, `dma.store`, `tile`, `vector.<kind>`, `matrix.<kind>`,
    /// `link.<kind>`.
    public var mnemonic: String {
        switch self {
        case let .vector(kind, _, _, _, _, _, _): return "\(Opcode.vector.mnemonic).\(kind.name)"
        case let .matrix(kind, _, _, _, _): return "\(Opcode.matrix.mnemonic).\(kind.name)"
        case let .link(kind, _, _): return "\(Opcode.link.mnemonic).\(kind.name)"
        default: return opcode.mnemonic
        }
    }
}
