import TritCore

extension ComparisonReport {
    /// Column names of `layers.csv`, the same as the `layers` field names in `summary.json`.
    public static let layersCSVHeader = [
        "phase", "category", "chipSeconds", "chipJoules", "chipDRAMBytes", "gpuSeconds", "gpuJoules",
    ]

    /// The per-layer-category rows as CSV (`layers.csv`): a header record, then one record per
    /// `LayerRow`, RFC 4180 quoting, LF line endings.
    ///
    /// Numbers use `JSONWriter.formatNumber` (integral values exactly, others with 9 significant
    /// digits, `%.9g`), so CSV and JSON agree; byte counts are exact integers. Non-finite values
    /// are written as empty fields.
    public func layersCSV() -> String {
        var table = CSVTable(header: Self.layersCSVHeader)
        for row in layers {
            table.append([row.phase, row.category, Self.number(row.chipSeconds), Self.number(row.chipJoules),
                          Self.number(row.chipDRAMBytes), Self.number(row.gpuSeconds), Self.number(row.gpuJoules)])
        }
        return table.render()
    }

    private static func number(_ value: Double) -> String {
        value.isFinite ? JSONWriter.formatNumber(value) : ""
    }
}
