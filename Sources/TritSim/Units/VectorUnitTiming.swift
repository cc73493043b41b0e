import TritChip
import TritCore

/// Timing of the vector unit.
///
/// Timing equation: cycles = startup + max(⌈ops / lanes⌉, ⌈special / specialPerCycle⌉,
/// ⌈(bytes read + written) / SRAM bytes per cycle⌉): the slowest of arithmetic, special
/// functions and SRAM traffic, after a fixed pipeline fill.
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

    @inline(__always)
    func cycles(operations: Int64, specialOps: Int64, bytes: Int64) -> Int64 {
        startupCycles + max(ceilDiv(operations, lanes), ceilDiv(specialOps, specialPerCycle), ceilDiv(bytes, sramBytesPerCycle))
    }
}

/// Timing of the full-precision MAC array (attention and LM head).
///
/// Timing equation: cycles = startup + max(⌈MACs / macsPerCycle⌉, ⌈bytes read / SRAM bytes per cycle⌉).
struct AttentionUnitTiming {
    let macsPerCycle: Int64
    let sramBytesPerCycle: Int64
    let startupCycles: Int64

    init(chip: ResolvedChip) {
        macsPerCycle = Int64(chip.config.attentionUnit.macsPerCycle)
        sramBytesPerCycle = Int64(chip.config.sram.bytesPerCycle)
        startupCycles = Int64(chip.config.attentionUnit.startupCycles)
    }

    @inline(__always)
    func cycles(macs: Int64, inputBytes: Int64) -> Int64 {
        startupCycles + max(ceilDiv(macs, macsPerCycle), ceilDiv(inputBytes, sramBytesPerCycle))
    }
}
