import TritCore

extension ComparisonReport {
    /// Version of the `summary.json` layout; raised when a field changes meaning or is removed.
    public static let summarySchemaVersion: Int64 = 1

    /// The whole report as JSON (`summary.json`), rendered by `JSONWriter` (sorted keys, fixed
    /// number format), ending in a newline.
    ///
    /// Numbers are JSON numbers in SI base units with the unit in the field name
    /// (`latencySeconds`, `joulesPerToken`, `chipDRAMBytes`); derived ratios (`speedUp`,
    /// `energyRatio`, `throughputRatio`) are included. `settings` is an array of `{key, value}`
    /// objects to keep its order; `gpuCount` is the number of GPUs on the GPU side. A multi-chip
    /// report adds `chips` (one object per `ChipUsageRow`).
    /// Non-finite numbers become `null`.
    public func summaryJSON() -> String {
        JSONWriter.render(summaryJSONValue())
    }

    /// The value rendered by `summaryJSON()`.
    public func summaryJSONValue() -> JSONOutput {
        var members: [String: JSONOutput] = [
            "schemaVersion": .int(Self.summarySchemaVersion),
            "title": .string(title),
            "modelName": .string(modelName),
            "chipName": .string(chipName),
            "gpuName": .string(gpuName),
            "gpuCount": .int(Int64(gpuCount)),
            "folderName": .string(folderName),
            "settings": .array(settings.map { .object(["key": .string($0.key), "value": .string($0.value)]) }),
            "phases": .array(phases.map(Self.json)),
            "layers": .array(layers.map(Self.json)),
            "notes": .array(notes.map(JSONOutput.string)),
            "resolvedConfigs": .object(resolvedConfigs),
        ]
        // Only multi-chip reports have per-chip rows; single-chip summaries keep their layout.
        if !chipUsage.isEmpty { members["chips"] = .array(chipUsage.map(Self.json)) }
        return .object(members)
    }

    private static func json(_ row: ChipUsageRow) -> JSONOutput {
        .object([
            "phase": .string(row.phase),
            "chips": .string(row.chips),
            "program": .string(row.program),
            "seconds": .double(row.seconds),
            "sramHighWaterBytes": .double(row.sramHighWaterBytes),
            "sramCapacityBytes": .double(row.sramCapacityBytes),
            "dramBytes": .double(row.dramBytes),
            "linkBytesSent": .double(row.linkBytesSent),
            "linkBytesReceived": .double(row.linkBytesReceived),
        ])
    }

    private static func json(_ phase: PhaseComparison) -> JSONOutput {
        .object([
            "phase": .string(phase.phase),
            "detail": .string(phase.detail),
            "chip": json(phase.chip),
            "gpu": json(phase.gpu),
            "chipTime": .object([
                "computeFraction": .double(phase.chipTime.computeFraction),
                "memoryWaitFraction": .double(phase.chipTime.memoryWaitFraction),
                "otherFraction": .double(phase.chipTime.otherFraction),
                "dramBusyFraction": .double(phase.chipTime.dramBusyFraction),
                "unitBusyFractions": .object(Dictionary(phase.chipTime.unitBusyFractions.map { ($0.unit, JSONOutput.double($0.fraction)) },
                                                        uniquingKeysWith: { first, _ in first })),
            ]),
            "speedUp": .double(phase.speedUp),
            "energyRatio": .double(phase.energyRatio),
            "throughputRatio": .double(phase.throughputRatio),
        ])
    }

    private static func json(_ result: PlatformPhaseResult) -> JSONOutput {
        .object([
            "latencySeconds": .double(result.latencySeconds),
            "tokensPerSecond": .double(result.tokensPerSecond),
            "joulesPerToken": .double(result.joulesPerToken),
            "totalSeconds": .double(result.totalSeconds),
            "totalJoules": .double(result.totalJoules),
            "energyBreakdownJoules": .object(result.energyBreakdownJoules.mapValues(JSONOutput.double)),
        ])
    }

    private static func json(_ row: LayerRow) -> JSONOutput {
        .object([
            "phase": .string(row.phase),
            "category": .string(row.category),
            "chipSeconds": .double(row.chipSeconds),
            "chipJoules": .double(row.chipJoules),
            "chipDRAMBytes": .double(row.chipDRAMBytes),
            "gpuSeconds": .double(row.gpuSeconds),
            "gpuJoules": .double(row.gpuJoules),
        ])
    }
}
