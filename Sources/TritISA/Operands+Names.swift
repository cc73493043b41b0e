// Stable lowercase spellings of the ISA's enums, used by the `.tasm` assembly (and suitable for
// reports). Each is parsed back exactly; a test checks that every `allCases` name is distinct.

extension VectorKind {
    /// Lowercase `.tasm` spelling, as in the mnemonic `vector.<name>` (e.g. `rms_norm`).
    public var name: String {
        switch self {
        case .rmsNorm: return "rms_norm"
        case .quantize: return "quantize"
        case .dequantize: return "dequantize"
        case .rope: return "rope"
        case .gating: return "gating"
        case .residualAdd: return "residual_add"
        case .softmax: return "softmax"
        }
    }
}

extension MatrixKind {
    /// Lowercase `.tasm` spelling, as in the mnemonic `matrix.<name>` (e.g. `scores`).
    public var name: String {
        switch self {
        case .scores: return "scores"
        case .values: return "values"
        case .dense: return "dense"
        }
    }
}

extension LinkKind {
    /// Lowercase `.tasm` spelling, as in the mnemonic `link.<name>` (e.g. `all_reduce`).
    public var name: String {
        switch self {
        case .send: return "send"
        case .receive: return "recv"
        case .allReduce: return "all_reduce"
        }
    }
}

extension UnitKind {
    /// Lowercase `.tasm` spelling used by the `.unit` directive (e.g. `ternary_array`). The raw
    /// value (`ternaryArray`) is unchanged.
    public var name: String {
        switch self {
        case .dma: return "dma"
        case .ternaryArray: return "ternary_array"
        case .vector: return "vector"
        case .attention: return "attention"
        case .link: return "link"
        }
    }

    /// The byte that stands for this kind in a `.tbin` unit table. Part of the binary format:
    /// never renumber; a new kind takes the next free value.
    public var binaryCode: UInt8 {
        switch self {
        case .dma: return 0
        case .ternaryArray: return 1
        case .vector: return 2
        case .attention: return 3
        case .link: return 4
        }
    }

    /// The kind whose `binaryCode` is `code`, or nil if none is.
    public init?(binaryCode code: UInt8) {
        guard let kind = UnitKind.allCases.first(where: { $0.binaryCode == code }) else { return nil }
        self = kind
    }
}
