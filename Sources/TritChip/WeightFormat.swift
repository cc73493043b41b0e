/// How ternary weights are packed in DRAM.
///
/// Source: microsoft/BitNet (bitnet.cpp) and arXiv 2410.16144; see `docs/reference/bitnet-facts.md` §3a.
public enum WeightFormat: String, CaseIterable, Sendable {
    /// 2 bits per weight, code = w + 1 (bitnet.cpp I2_S).
    case i2s = "I2_S"

    /// Bits each ternary weight occupies in memory.
    public var bitsPerWeight: Double {
        switch self {
        case .i2s: return 2
        }
    }
}

/// Which adder datapath the ternary array uses.
public enum TernaryDatapathKind: String, CaseIterable, Sendable {
    /// One add, subtract or skip of an int8 activation per weight, reduced by an adder tree.
    case adderTree
}

/// Off-chip memory technology (names as in JEDEC).
public enum OffChipMemoryKind: String, CaseIterable, Sendable {
    case lpddr5x = "LPDDR5X"
    case lpddr5 = "LPDDR5"
    case ddr5 = "DDR5"
    case hbm3 = "HBM3"
    case hbm3e = "HBM3e"
}
