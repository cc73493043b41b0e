import TritChip
import TritCore

/// Timing of one weight-stationary ternary array (DESIGN.md §3).
///
/// Timing equation for a tile of r × c weights (w bytes) over T tokens:
/// cycles = ⌈w / weightLoadBytesPerCycle⌉ (load the tile from the weight buffer)
///        + T (one token's r int8 activations enter per cycle)
///        + D (pipeline depth of the array, fixed by its `rows` R, not by the tile's r).
/// `adderTree`: D = ⌈log2 R⌉ adder stages.
/// `lut` with group size g (`LUTDatapath`): D = ⌈log2 g⌉ table-build stages + 1 table read
/// + ⌈log2 ⌈R / g⌉⌉ reduction stages; the next token's table is built while the columns read the
/// current one, so one token still enters per cycle. (R = 256: g = 2 → 1 + 1 + 7 = 9, g = 3 →
/// 2 + 1 + 7 = 10, g = 4 → 2 + 1 + 6 = 9, against the adder tree's 8.)
/// Formats that need decoding (TL2, base-3) load through the unpack stage: the load term is
/// max(⌈w / weightLoadBytesPerCycle⌉, ⌈r × c / unpackWeightsPerCycle⌉), and every weight counts
/// one unpack action — except TL2 on the `lut` datapath with g = 3, whose 5-bit codes are the
/// table's sign and index (`ResolvedChip.tileWeightsNeedUnpack`).
/// With shadow weight registers the load of a tile overlaps the previous tile's streaming: it
/// starts when both the previous tile started streaming and the tile's weights arrived, and the
/// tile streams from max(now, load end); the array is free for the next tile once this tile's
/// last token has entered (the pipeline drains while the next tile streams), and the tile's
/// sums are ready D cycles later; see `ExecutionState`.
/// Energy actions:
/// - `adderTree`: r × c × T ternary adds (an int8 add/subtract/skip per weight per token);
/// - `lut`: T × (⌊r / g⌋ × ((3^g − 1)/2 − g) + ((3^(r mod g) − 1)/2 − r mod g)) table-build adds
///   (the table is built once per token and shared by the c columns), ⌈r / g⌉ × c × T lookups,
///   and as many accumulating adds;
/// - both: T × c int32 accumulations when adding into existing partial sums; SRAM reads of the
///   tile, the activations and (when accumulating) the old partial sums; SRAM writes of the
///   partial sums. The LUT's tables live in registers and add no SRAM traffic.
struct TernaryArrayTiming {
    let weightLoadBytesPerCycle: Int64
    let pipelineDepthCycles: Int64

    let shadowWeightRegisters: Bool
    /// Weights decoded per cycle, or nil when the format needs no unpacking or the rate is unlimited.
    let unpackWeightsPerCycle: Int64?
    let unpacks: Bool
    /// The LUT datapath, or nil for the adder tree.
    let lut: LUTDatapath?

    /// - Throws: `InputError` naming `ternaryArray.lutGroupSize` for a LUT group size outside
    ///   `LUTDatapath.groupSizes` (possible only for a config built in code).
    init(chip: ResolvedChip) throws {
        lut = try chip.lutDatapath()
        shadowWeightRegisters = chip.config.ternaryArray.shadowWeightRegisters
        unpacks = chip.tileWeightsNeedUnpack
        unpackWeightsPerCycle = unpacks ? chip.config.ternaryArray.unpackWeightsPerCycle.map(Int64.init) : nil
        weightLoadBytesPerCycle = Int64(chip.config.ternaryArray.weightLoadBytesPerCycle)
        pipelineDepthCycles = chip.arrayPipelineDepthCycles
    }

    @inline(__always)
    func cycles(weightBytes: Int64, weights: Int64, tokens: Int64) -> Int64 {
        loadCycles(weightBytes, weights: weights) + tokens + pipelineDepthCycles
    }

    @inline(__always)
    func loadCycles(_ weightBytes: Int64, weights: Int64) -> Int64 {
        let load = ceilDiv(weightBytes, weightLoadBytesPerCycle)
        guard let rate = unpackWeightsPerCycle else { return load }
        return max(load, ceilDiv(weights, rate))
    }

    @inline(__always)
    func count(rows: Int64, columns: Int64, tokens: Int64, weightBytes: Int64, inputBytes: Int64,
               accumulatorBytes: Int64, accumulate: Bool, into counters: inout ActionCounters) {
        if let lut {
            let lookups = lut.groups(rows: rows) * columns * tokens
            counters.lutBuildAdds += lut.buildAdds(rows: rows) * tokens
            counters.lutLookups += lookups
            counters.lutAccumulateAdds += lookups
        } else {
            counters.ternaryAdds += rows * columns * tokens
        }
        if unpacks { counters.unpackedWeights += rows * columns }
        counters.sramReadBytes += weightBytes + inputBytes
        counters.sramWriteBytes += accumulatorBytes
        if accumulate {
            counters.int32Adds += tokens * columns
            counters.sramReadBytes += accumulatorBytes
        }
    }
}
