/// Rows and lines shared by the terminal and Markdown renderings, so both say the same thing.
extension ComparisonReport {
    /// Column headings of the summary table.
    var summaryHeaders: [String] { ["metric", "chip (\(chipName))", "GPU (\(gpuName))", "chip vs GPU"] }

    /// Alignments of the summary table's columns.
    static let summaryAlignments: [TextTable.Alignment] = [.left, .right, .right, .left]

    /// The three metric rows of one phase: latency, throughput, energy per token.
    static func summaryRows(_ phase: PhaseComparison) -> [[String]] {
        let latencyName = phase.phase == "prefill" ? "latency (TTFT)" : phase.phase == "decode" ? "latency (TPOT)" : "latency"
        return [
            [latencyName, Units.seconds(phase.chip.latencySeconds), Units.seconds(phase.gpu.latencySeconds),
             "speed-up \(Units.ratio(phase.speedUp))"],
            ["tokens/s", Units.tokensPerSecond(phase.chip.tokensPerSecond), Units.tokensPerSecond(phase.gpu.tokensPerSecond),
             "throughput \(Units.ratio(phase.throughputRatio))"],
            ["energy per token", Units.joules(phase.chip.joulesPerToken), Units.joules(phase.gpu.joulesPerToken),
             "energy ratio \(Units.ratio(phase.energyRatio))"],
        ]
    }

    /// `"ternary arrays: busy X%, waiting on memory Y%, waiting on other units or idle Z%; DRAM busy W%"`,
    /// then, when known, `"; units busy: arrays A%, vector B%, …"`.
    static func chipTimeLine(_ time: ChipTimeBreakdown) -> String {
        var line = "ternary arrays: busy \(Units.percent(time.computeFraction)), "
            + "waiting on memory \(Units.percent(time.memoryWaitFraction)), "
            + "waiting on other units or idle \(Units.percent(time.otherFraction)); DRAM busy \(Units.percent(time.dramBusyFraction))"
        if !time.unitBusyFractions.isEmpty {
            line += "\n    units busy: " + time.unitBusyFractions.map { "\($0.unit) \(Units.percent($0.fraction))" }.joined(separator: ", ")
        }
        return line
    }

    /// The phase heading: `"prefill: 512 prompt tokens"`, or just the phase when there is no detail.
    static func phaseHeading(_ phase: PhaseComparison) -> String {
        phase.detail.isEmpty ? phase.phase : "\(phase.phase): \(phase.detail)"
    }

    /// A one-line reading guide for the ratio column.
    static let ratioLegend = "ratios above 1× favour the chip (speed-up = GPU latency / chip latency, "
        + "energy ratio = GPU J/token / chip J/token)"

    /// The sentence above the per-chip table.
    static let chipUsageIntroduction = "Each row is a group of chips running the same program; quantities are per chip, "
        + "summed over the phase (SRAM: the peak of its steps)."

    /// One row per `ChipUsageRow`: phase, chips, program, stage time, SRAM high-water (and share of
    /// the chip's SRAM), off-chip traffic, link bytes sent and received.
    func chipUsageTable() -> TextTable {
        var table = TextTable(
            headers: ["phase", "chips", "program", "stage time", "SRAM high-water", "DRAM traffic", "link sent", "link received"],
            alignments: [.left, .left, .left, .right, .right, .right, .right, .right])
        for row in chipUsage {
            let share = row.sramCapacityBytes > 0 ? " (\(Units.percent(row.sramHighWaterBytes / row.sramCapacityBytes)))" : ""
            table.append([row.phase, row.chips, row.program, Units.seconds(row.seconds), Units.bytes(row.sramHighWaterBytes) + share,
                          Units.bytes(row.dramBytes), Units.bytes(row.linkBytesSent), Units.bytes(row.linkBytesReceived)])
        }
        return table
    }
}
