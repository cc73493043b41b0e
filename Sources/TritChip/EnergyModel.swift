/// Energy of a run by component, in joules. `total` is the sum of the parts.
public struct EnergyBreakdown: Equatable, Sendable {
    /// Ternary adds (or LUT table builds, lookups and accumulating adds), int32 accumulation,
    /// weight unpacking, fp16 MACs, vector and special-function operations.
    public var arithmeticJoules: Double
    /// SRAM reads and writes.
    public var sramJoules: Double
    /// Off-chip memory reads and writes.
    public var dramJoules: Double
    /// Static power × time.
    public var staticJoules: Double
    /// Chip-to-chip link transfers (bits sent × link pJ/bit); 0 on a single chip.
    public var linkJoules: Double = 0

    /// Sum of the components.
    public var totalJoules: Double { arithmeticJoules + sramJoules + dramJoules + staticJoules + linkJoules }

    /// Components by name, for reports: `arithmetic`, `sram`, `dram`, `static`, and `link` when it
    /// is not zero (so single-chip reports list the same components as before links existed).
    public var components: [String: Double] {
        var parts = ["arithmetic": arithmeticJoules, "sram": sramJoules, "dram": dramJoules, "static": staticJoules]
        if linkJoules != 0 { parts["link"] = linkJoules }
        return parts
    }

    /// Breakdown with all parts zero.
    public static let zero = EnergyBreakdown(arithmeticJoules: 0, sramJoules: 0, dramJoules: 0, staticJoules: 0)

    /// Sum of two breakdowns, part by part.
    public static func + (a: EnergyBreakdown, b: EnergyBreakdown) -> EnergyBreakdown {
        EnergyBreakdown(arithmeticJoules: a.arithmeticJoules + b.arithmeticJoules, sramJoules: a.sramJoules + b.sramJoules,
                        dramJoules: a.dramJoules + b.dramJoules, staticJoules: a.staticJoules + b.staticJoules,
                        linkJoules: a.linkJoules + b.linkJoules)
    }

    /// Each part multiplied by `factor`.
    public func scaled(by factor: Double) -> EnergyBreakdown {
        EnergyBreakdown(arithmeticJoules: arithmeticJoules * factor, sramJoules: sramJoules * factor,
                        dramJoules: dramJoules * factor, staticJoules: staticJoules * factor, linkJoules: linkJoules * factor)
    }
}

/// Prices action counters with a chip's technology table: E = Σ count × energy per action + P_static × t.
public enum EnergyModel {
    private static let joulesPerPicojoule = 1e-12
    private static let bitsPerByte = 8.0

    /// Dynamic energy of `counters` plus static energy over `seconds`.
    /// - Parameters:
    ///   - counters: actions performed.
    ///   - chip: supplies pJ per action (technology table), pJ/bit of off-chip memory and of the
    ///     chip-to-chip link (when the chip is part of a system), static power.
    ///   - seconds: elapsed time of the run, s.
    public static func energy(of counters: ActionCounters, on chip: ResolvedChip, seconds: Double) -> EnergyBreakdown {
        let t = chip.technology
        let arithmeticPicojoules = Double(counters.ternaryAdds) * t.int8AddPicojoules
            + Double(counters.int32Adds) * t.int32AddPicojoules
            + Double(counters.unpackedWeights) * t.weightUnpackPicojoulesPerWeight
            + Double(counters.fp16MACs) * t.fp16MACPicojoules
            + Double(counters.vectorOps) * t.fp16MultiplyPicojoules
            + Double(counters.specialFunctionOps) * t.specialFunctionPicojoules
            + Double(counters.lutBuildAdds) * t.int8AddPicojoules
            + Double(counters.lutAccumulateAdds) * t.int8AddPicojoules
            + Double(counters.lutLookups) * t.lutLookupPicojoules
        let sramPicojoules = Double(counters.sramReadBytes) * t.sramReadPicojoulesPerByte
            + Double(counters.sramWriteBytes) * t.sramWritePicojoulesPerByte
        let dramPicojoules = Double(counters.dramReadBytes + counters.dramWriteBytes) * bitsPerByte
            * chip.config.offChipMemory.energyPicojoulesPerBit
        // Each bit crossing a link is paid once, by its sender (a SerDes pJ/bit covers both ends).
        let linkPicojoules = Double(counters.linkBytesSent) * bitsPerByte * (chip.link?.energyPicojoulesPerBit ?? 0)
        return EnergyBreakdown(arithmeticJoules: arithmeticPicojoules * joulesPerPicojoule,
                               sramJoules: sramPicojoules * joulesPerPicojoule,
                               dramJoules: dramPicojoules * joulesPerPicojoule,
                               staticJoules: chip.config.staticPowerWatts * seconds,
                               linkJoules: linkPicojoules * joulesPerPicojoule)
    }
}
