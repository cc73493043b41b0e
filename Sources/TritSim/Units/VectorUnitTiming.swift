import TritChip
import TritCore

/// Timing of the vector unit.
///
/// Timing equation: the unit is occupied for max(⌈ops / lanes⌉, ⌈special / specialPerCycle⌉,
/// ⌈(bytes read + written) / SRAM bytes per cycle⌉) cycles (the slowest of arithmetic, special
/// functions and SRAM traffic) and the result is ready `startup` cycles later (the pipeline's
/// depth): the next instruction enters while this one drains, as in any pipelined SIMD unit.
struct VectorUnitTiming {
    let lanes: Int64
    let specialPerCycle: Int64
    let sramBytesPerCycle: Int64
    let startupCycles: Int64

    init(chip: ResolvedChip) {
        lanes = Int64(chip.config.vectorUnit.lanes)
        specialPerCycle = Int64(chip.config.vectorUnit.specialFunctionsPerCycle)
        sramBytesPerCycle = Int64(chip.config.sram.bytesPerCycle)
        startupCycles = Int64(chip.config.vectorUnit.startupCycles)
    }

    /// Cycles the unit is occupied (at least one).
    @inline(__always)
    func occupancy(operations: Int64, specialOps: Int64, bytes: Int64) -> Int64 {
        max(1, ceilDiv(operations, lanes), ceilDiv(specialOps, specialPerCycle), ceilDiv(bytes, sramBytesPerCycle))
    }
}

/// Timing of the full-precision MAC array (attention and LM head).
///
/// Timing equation: occupied for max(⌈MACs / macsPerCycle⌉, ⌈bytes read / SRAM bytes per cycle⌉)
/// cycles; the result is ready `startup` cycles later (pipelined, as the vector unit).
struct AttentionUnitTiming {
    let macsPerCycle: Int64
    let sramBytesPerCycle: Int64
    let startupCycles: Int64

    init(chip: ResolvedChip) {
        macsPerCycle = Int64(chip.config.attentionUnit.macsPerCycle)
        sramBytesPerCycle = Int64(chip.config.sram.bytesPerCycle)
        startupCycles = Int64(chip.config.attentionUnit.startupCycles)
    }

    /// Cycles the unit is occupied (at least one).
    @inline(__always)
    func occupancy(macs: Int64, inputBytes: Int64) -> Int64 {
        max(1, ceilDiv(macs, macsPerCycle), ceilDiv(inputBytes, sramBytesPerCycle))
    }
}
