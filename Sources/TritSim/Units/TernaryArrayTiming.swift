import TritChip
import TritCore

/// Timing of one weight-stationary ternary array (DESIGN.md §3).
///
/// Timing equation for a tile of r × c weights (w bytes) over T tokens:
/// cycles = ⌈w / weightLoadBytesPerCycle⌉ (load the tile from the weight buffer)
///        + T (one token's r int8 activations enter per cycle)
///        + ⌈log2(rows)⌉ (adder-tree pipeline depth).
/// Formats that need decoding (TL2, base-3) load through the unpack stage: the load term is
/// max(⌈w / weightLoadBytesPerCycle⌉, ⌈r × c / unpackWeightsPerCycle⌉), and every weight counts
/// one unpack action.
/// With shadow weight registers the load of a tile overlaps the previous tile's streaming: it
/// starts when both the previous tile started streaming and the tile's weights arrived, and the
/// tile streams from max(now, load end); the array is free for the next tile once this tile's
/// last token has entered (the pipelined adder tree drains while the next tile streams), and
/// the tile's sums are ready ⌈log2(rows)⌉ cycles later; see `ExecutionState`.
/// Energy actions: r × c × T ternary adds (an int8 add/subtract/skip per weight per token);
/// T × c int32 accumulations when adding into existing partial sums; SRAM reads of the tile,
/// the activations and (when accumulating) the old partial sums; SRAM writes of the partial sums.
struct TernaryArrayTiming {
    let weightLoadBytesPerCycle: Int64
    let pipelineDepthCycles: Int64

    let shadowWeightRegisters: Bool
    /// Weights decoded per cycle, or nil when the format needs no unpacking or the rate is unlimited.
    let unpackWeightsPerCycle: Int64?
    let unpacks: Bool

    init(chip: ResolvedChip) {
        shadowWeightRegisters = chip.config.ternaryArray.shadowWeightRegisters
        unpacks = chip.config.weightFormat.needsUnpack
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
        counters.ternaryAdds += rows * columns * tokens
        if unpacks { counters.unpackedWeights += rows * columns }
        counters.sramReadBytes += weightBytes + inputBytes
        counters.sramWriteBytes += accumulatorBytes
        if accumulate {
            counters.int32Adds += tokens * columns
            counters.sramReadBytes += accumulatorBytes
        }
    }
}
