import TritCore

/// The lookup-table datapath of a ternary array (`ternaryArray.datapath: "lut"`, DESIGN.md §3):
/// its table geometry, action counts and pipeline depth.
///
/// Model, for an array of r rows and a group size g (sources: T-MAC, arXiv 2407.00088; bitnet.cpp
/// TL1/TL2, arXiv 2410.16144 and microsoft/BitNet `utils/codegen_tl2.py`, `two_lut_ctor` /
/// `three_lut_ctor`; LUT Tensor Core, arXiv 2408.06003, table symmetrization):
/// - **Groups.** A token's r int8 activations are cut into ⌈r / g⌉ groups: ⌊r / g⌋ of g and, when
///   g does not divide r, one of r mod g.
/// - **Table.** For a group of k activations the 3^k ternary patterns w give 3^k partial sums
///   Σ wᵢxᵢ. The all-zero pattern sums to 0 and the sums are mirror-symmetric (pattern −w sums to
///   minus pattern w's), so the table stores (3^k − 1) / 2 entries, and a weight group's code
///   selects an entry and a sign. bitnet.cpp's TL2 does exactly this for k = 3: a sign bit and a
///   4-bit index of |9w₀ + 3w₁ + w₂| into 13 entries plus zero. (TL1 stores all 3² = 9 sums of
///   a pair; mirroring halves that.)
/// - **Build.** The k entries with one non-zero weight are the activations themselves. Every
///   other entry is one add or subtract of two entries with fewer non-zero weights (split its
///   non-zero positions into halves; each half, or its mirror, is already in the table). So a
///   group costs `buildAdds(groupOf: k)` = (3^k − 1) / 2 − k adds — 0, 2, 10, 36 for k = 1…4 —
///   in ⌈log2 k⌉ adder stages.
/// - **Lookup.** Every column selects one entry per group and adds or subtracts it into its sum:
///   ⌈r / g⌉ lookups and ⌈r / g⌉ adds per column per token, where the adder tree does r adds.
///   The table is built once per token per tile and broadcast to every column, so its adds are
///   shared by all columns.
/// - **Pipeline depth** (cycles from a token's activations entering to its sums leaving):
///   ⌈log2 g⌉ table-build stages + `tableReadCycles` (the broadcast table is registered before the
///   columns read it) + ⌈log2 ⌈r / g⌉⌉ reduction stages. One token still enters per cycle: the
///   table for the next token is built while the columns read the current one.
///
/// Pricing (`EnergyModel`): table-build and accumulating adds at the INT8 add energy (entries are
/// sums of at most 4 int8 values, ≤ 10 bits, priced like the adder tree's widening stages),
/// lookups at the technology table's `lutLookupPicojoules`.
public struct LUTDatapath: Equatable, Sendable {
    /// Activations per group, g.
    public let groupSize: Int

    /// Group sizes the model accepts. g = 1 degenerates to the adder tree plus a lookup per
    /// weight; g = 5 would need 121 entries per group, beyond any published design (TL1 uses 2,
    /// TL2 3, T-MAC and LUT Tensor Core groups of 4 one-bit weights).
    public static let groupSizes: ClosedRange<Int> = 1...4

    /// Group size when a chip selects `lut` without `lutGroupSize`: 3, as bitnet.cpp's TL2, whose
    /// 5-bit weight code is this table's index (arXiv 2410.16144; docs/reference/bitnet-facts.md §3a).
    public static let defaultGroupSize = 3

    /// Pipeline register between the table and the columns that read it, cycles (structural: the
    /// table is broadcast across the array).
    public static let tableReadCycles: Int64 = 1

    /// The datapath for groups of `groupSize` activations, or nil outside `groupSizes`.
    public init?(groupSize: Int) {
        guard Self.groupSizes.contains(groupSize) else { return nil }
        self.groupSize = groupSize
    }

    /// 3^k for a group of k ≤ 4 activations.
    private static func patterns(_ k: Int) -> Int64 {
        var count: Int64 = 1
        for _ in 0..<k { count *= 3 }
        return count
    }

    /// Entries stored for a group of k activations: (3^k − 1) / 2 (the zero entry is implicit and
    /// each mirror pair is stored once). k in 0...4.
    public static func storedEntries(groupOf k: Int) -> Int64 {
        (patterns(k) - 1) / 2
    }

    /// Adds that build the table of a group of k activations: (3^k − 1) / 2 − k. k in 0...4.
    public static func buildAdds(groupOf k: Int) -> Int64 {
        storedEntries(groupOf: k) - Int64(k)
    }

    /// Groups a token's `rows` activations form: ⌈rows / g⌉ (lookups per column per token).
    public func groups(rows: Int64) -> Int64 {
        ceilDiv(rows, Int64(groupSize))
    }

    /// Adds that build one token's tables for `rows` activations:
    /// ⌊rows / g⌋ × buildAdds(g) + buildAdds(rows mod g).
    public func buildAdds(rows: Int64) -> Int64 {
        let g = Int64(groupSize)
        return rows / g * Self.buildAdds(groupOf: groupSize) + Self.buildAdds(groupOf: Int(rows % g))
    }

    /// Table-build latency, cycles: ⌈log2 g⌉ adder stages.
    public var buildDepthCycles: Int64 { ceilLog2(Int64(groupSize)) }

    /// Pipeline depth of an array with `arrayRows` rows, cycles:
    /// ⌈log2 g⌉ + `tableReadCycles` + ⌈log2 ⌈arrayRows / g⌉⌉.
    public func pipelineDepthCycles(arrayRows: Int) -> Int64 {
        buildDepthCycles + Self.tableReadCycles + ceilLog2(groups(rows: Int64(arrayRows)))
    }

    /// Whether `format`'s codes drive the table select directly, so tiles skip the unpack stage:
    /// I2_S's 2-bit codes (g of them address the entry, as they drive add/subtract/skip in the adder
    /// tree) and TL2's 5-bit code for g = 3, which is the sign and index of this table's entry.
    /// Base-3 bytes (5 trits) and TL2 codes for other group sizes must be decoded first.
    public func readsCodesDirectly(_ format: WeightFormat) -> Bool {
        switch format {
        case .i2s: return true
        case .tl2: return groupSize == 3
        case .base3: return false
        }
    }
}

/// ⌈log2 n⌉ for n ≥ 1 (0 for n ≤ 1): adder stages that reduce n values to one.
func ceilLog2(_ n: Int64) -> Int64 {
    var depth: Int64 = 0
    var width: Int64 = 1
    while width < n { width *= 2; depth += 1 }
    return depth
}
