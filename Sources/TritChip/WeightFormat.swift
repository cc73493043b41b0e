import TritCore

/// How ternary weights are packed in DRAM.
///
/// Source: microsoft/BitNet (bitnet.cpp) and arXiv 2410.16144; see `docs/reference/bitnet-facts.md` §3a.
/// DRAM traffic and the bytes a tile load moves follow the format; TL2 and base-3 tiles also pass
/// an unpack stage with its own throughput and energy (see `needsUnpack`).
public enum WeightFormat: String, CaseIterable, Sendable {
    /// 2 bits per weight, code = w + 1 (bitnet.cpp I2_S).
    case i2s = "I2_S"
    /// 3 weights in 5 bits (1 sign bit + a 4-bit index of |9w0 + 3w1 + w2|), 5/3 bits per weight (bitnet.cpp TL2).
    case tl2 = "TL2"
    /// 5 trits per byte (3^5 = 243 ≤ 256), 8/5 = 1.6 bits per weight (base-3 packing).
    case base3 = "base3"

    /// Whether weights must be decoded before they reach the adders: I2_S's 2-bit codes drive the
    /// add/subtract/skip select directly; TL2 and base-3 codes pack several trits per code and go
    /// through an unpack stage (`ternaryArray.unpackWeightsPerCycle`, technology
    /// `weightUnpackPicojoulesPerWeight`).
    public var needsUnpack: Bool { self != .i2s }

    /// Bits each ternary weight occupies in memory, as an exact fraction.
    public var bitsPerWeight: BitsPerWeight {
        switch self {
        case .i2s: return BitsPerWeight(numerator: 2, denominator: 1)
        case .tl2: return BitsPerWeight(numerator: 5, denominator: 3)
        case .base3: return BitsPerWeight(numerator: 8, denominator: 5)
        }
    }
}

/// Which adder datapath the ternary array uses.
public enum TernaryDatapathKind: String, CaseIterable, Sendable {
    /// One add, subtract or skip of an int8 activation per weight, reduced by an adder tree.
    case adderTree
    /// Table lookup (T-MAC, arXiv 2407.00088; bitnet.cpp TL1/TL2, arXiv 2410.16144): per token, each
    /// group of `ternaryArray.lutGroupSize` activations gets a table of its signed partial sums,
    /// each group of weights selects one entry, and a column adds ⌈rows / g⌉ entries instead of
    /// `rows` activations. Costs and timing: `LUTDatapath`.
    case lut
}

/// Off-chip memory technology (names as in JEDEC), or `none` for an SRAM-only chip.
public enum OffChipMemoryKind: String, CaseIterable, Sendable {
    case lpddr5x = "LPDDR5X"
    case lpddr5 = "LPDDR5"
    case ddr5 = "DDR5"
    case hbm3 = "HBM3"
    case hbm3e = "HBM3e"
    /// No off-chip memory (DESIGN.md §3): every weight and the whole KV cache are resident in the
    /// chip's SRAM, and a program may not contain DMA transfers.
    case none = "none"
}
