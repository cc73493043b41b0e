import TritCore

extension ComparisonReport {
    /// The comparison as Markdown (`report.md`), ending in a newline.
    ///
    /// Sections: title, settings, summary table (the terminal table's rows with a phase column),
    /// chip-time lines, energy breakdown per phase and platform (component, joules per token,
    /// share), the per-chip table of a multi-chip system, the per-layer-category table, and notes.
    public func markdown() -> String {
        var out = "# \(title)\n\n"

        var settingsTable = TextTable(headers: ["setting", "value"])
        settingsTable.append(["model", modelName])
        settingsTable.append(["chip", chipName])
        settingsTable.append(["GPU", gpuName])
        for setting in settings { settingsTable.append([setting.key, setting.value]) }
        out += settingsTable.markdown() + "\n"

        out += "## Summary\n\n"
        out += summaryMarkdownTable().markdown() + "\n"
        for phase in phases {
            out += "- \(Self.phaseHeading(phase)); \(Self.chipTimeLine(phase.chipTime))\n"
        }
        out += "\n" + Self.ratioLegend.prefix(1).uppercased() + Self.ratioLegend.dropFirst() + ".\n\n"

        if !phases.isEmpty {
            out += "## Energy breakdown\n\n"
            for phase in phases {
                for (platform, name, result) in [("chip", chipName, phase.chip), ("GPU", gpuName, phase.gpu)] {
                    out += "### \(Self.phaseHeading(phase)) — \(platform) (\(name))\n\n"
                    out += Self.energyTable(result).markdown() + "\n"
                }
            }
        }

        if !chipUsage.isEmpty {
            out += "## Per chip\n\n" + Self.chipUsageIntroduction + "\n\n"
            out += chipUsageTable().markdown() + "\n"
        }

        if !layers.isEmpty {
            out += "## Per layer category\n\n"
            out += layersMarkdownTable().markdown() + "\n"
        }

        if !notes.isEmpty {
            out += "## Notes\n\n"
            out += notes.map { "- \($0)\n" }.joined() + "\n"
        }
        // Exactly one newline at the end of the file.
        while out.hasSuffix("\n\n") { out.removeLast() }
        return out
    }

    /// The summary table with a leading phase column (phase details follow the table).
    func summaryMarkdownTable() -> TextTable {
        var table = TextTable(headers: ["phase"] + summaryHeaders, alignments: [.left] + Self.summaryAlignments)
        for phase in phases {
            for row in Self.summaryRows(phase) { table.append([phase.phase] + row) }
        }
        return table
    }

    /// Component, joules per token and share of the phase total, largest first (ties by name),
    /// then a total row.
    static func energyTable(_ result: PlatformPhaseResult) -> TextTable {
        var table = TextTable(headers: ["component", "per token", "share"], alignments: [.left, .right, .right])
        let perTokenScale = result.totalJoules != 0 ? result.joulesPerToken / result.totalJoules : 0
        let components = result.energyBreakdownJoules.sorted {
            $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key
        }
        for (component, joules) in components {
            let share = result.totalJoules != 0 ? joules / result.totalJoules : 0
            table.append([component, Units.joules(joules * perTokenScale), Units.percent(share)])
        }
        let sum = result.energyBreakdownJoules.sumInKeyOrder
        table.append(["total", Units.joules(result.joulesPerToken),
                      Units.percent(result.totalJoules != 0 ? sum / result.totalJoules : 0)])
        return table
    }

    /// One row per `LayerRow`: chip and GPU time and energy, chip DRAM traffic, speed-up (n/a for a
    /// category the GPU does not have, such as a system's chip-to-chip `link`).
    func layersMarkdownTable() -> TextTable {
        var table = TextTable(
            headers: ["phase", "category", "chip time", "chip energy", "chip DRAM traffic", "GPU time", "GPU energy", "speed-up"],
            alignments: [.left, .left, .right, .right, .right, .right, .right, .right])
        for row in layers {
            table.append([row.phase, row.category, Units.seconds(row.chipSeconds), Units.joules(row.chipJoules),
                          Units.bytes(row.chipDRAMBytes), Units.seconds(row.gpuSeconds), Units.joules(row.gpuJoules),
                          row.gpuSeconds == 0 ? "n/a" : Units.ratio(row.gpuSeconds / row.chipSeconds)])
        }
        return table
    }
}
