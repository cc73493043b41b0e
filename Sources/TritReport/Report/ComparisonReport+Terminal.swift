extension ComparisonReport {
    /// The comparison as aligned plain text for a terminal, ending in a newline.
    ///
    /// Title, settings, then one table whose columns are aligned across phases: per phase a
    /// heading line, the rows latency (TTFT or TPOT), tokens/s and energy per token (chip, GPU,
    /// ratio), and a chip-time line. For a multi-chip system, the per-chip table. Notes follow.
    public func terminalTable() -> String {
        var lines = [title]
        if !settings.isEmpty {
            lines.append(settings.map { "\($0.key): \($0.value)" }.joined(separator: " · "))
        }
        lines.append("")

        var table = TextTable(headers: summaryHeaders, alignments: Self.summaryAlignments)
        var insertions: [(beforeRow: Int, text: String)] = []
        for phase in phases {
            insertions.append((table.rows.count, Self.phaseHeading(phase)))
            for row in Self.summaryRows(phase) {
                var indented = row
                indented[0] = "  " + row[0]
                table.append(indented)
            }
            insertions.append((table.rows.count, "  " + Self.chipTimeLine(phase.chipTime)))
        }
        let rendered = table.plainTextLines()
        lines.append(contentsOf: rendered.prefix(2))
        for (rowIndex, rowLine) in rendered.dropFirst(2).enumerated() {
            lines.append(contentsOf: insertions.filter { $0.beforeRow == rowIndex }.map(\.text))
            lines.append(rowLine)
        }
        lines.append(contentsOf: insertions.filter { $0.beforeRow == table.rows.count }.map(\.text))
        lines.append(Self.ratioLegend)

        if !chipUsage.isEmpty {
            lines.append("")
            lines.append("per chip: " + Self.chipUsageIntroduction.prefix(1).lowercased() + Self.chipUsageIntroduction.dropFirst())
            lines.append(contentsOf: chipUsageTable().plainTextLines())
        }

        if !notes.isEmpty {
            lines.append("")
            lines.append("notes:")
            lines.append(contentsOf: notes.map { "- " + $0 })
        }
        return lines.map { $0 + "\n" }.joined()
    }
}
