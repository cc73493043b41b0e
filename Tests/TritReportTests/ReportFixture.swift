import TritCore
import TritReport

/// A small hand-made report with round numbers, so expected text can be derived by hand.
enum ReportFixture {
    /// Prefill: chip 10 ms for 512 tokens (51.2k tok/s), 420 µJ/token; GPU 20 ms, 1.26 mJ/token.
    /// Decode: chip 12.3 ms/token, GPU 6.15 ms/token.
    static func report(breakdownOrderReversed: Bool = false) -> ComparisonReport {
        let chipParts = [("array", 0.129024), ("sram", 0.043008), ("dram", 0.043008)]
        let parts = breakdownOrderReversed ? Array(chipParts.reversed()) : chipParts
        var breakdown: [String: Double] = [:]
        for (name, joules) in parts { breakdown[name] = joules }
        let prefill = PhaseComparison(
            phase: "prefill", detail: "512 prompt tokens",
            chip: PlatformPhaseResult(latencySeconds: 0.010, tokensPerSecond: 51_200, joulesPerToken: 0.00042,
                                      totalSeconds: 0.010, totalJoules: 0.21504, energyBreakdownJoules: breakdown),
            gpu: PlatformPhaseResult(latencySeconds: 0.020, tokensPerSecond: 25_600, joulesPerToken: 0.00126,
                                     totalSeconds: 0.020, totalJoules: 0.64512,
                                     energyBreakdownJoules: ["compute": 0.5, "hbm": 0.14512]),
            chipTime: ChipTimeBreakdown(computeFraction: 0.82, memoryWaitFraction: 0.10, otherFraction: 0.08,
                                        dramBusyFraction: 0.40))
        let decode = PhaseComparison(
            phase: "decode", detail: "128 tokens, batch 1, context 512→639",
            chip: PlatformPhaseResult(latencySeconds: 0.0123, tokensPerSecond: 81.3, joulesPerToken: 0.011,
                                      totalSeconds: 1.5744, totalJoules: 1.408, energyBreakdownJoules: ["dram": 1.408]),
            gpu: PlatformPhaseResult(latencySeconds: 0.00615, tokensPerSecond: 162.6, joulesPerToken: 0.44,
                                     totalSeconds: 0.7872, totalJoules: 56.32, energyBreakdownJoules: ["hbm": 56.32]),
            chipTime: ChipTimeBreakdown(computeFraction: 0.12, memoryWaitFraction: 0.83, otherFraction: 0.05,
                                        dramBusyFraction: 0.97))
        return ComparisonReport(
            title: "fixture report", modelName: "model-a", chipName: "chip-b", gpuName: "gpu-c",
            settings: [("prompt tokens", "512"), ("batch", "1")],
            phases: [prefill, decode],
            layers: [
                LayerRow(phase: "prefill", category: "BitLinear", chipSeconds: 0.008, chipJoules: 0.2,
                         chipDRAMBytes: 1_180_000_000, gpuSeconds: 0.016, gpuJoules: 0.6),
                LayerRow(phase: "decode", category: "norm, \"misc\"", chipSeconds: 0.5, chipJoules: 1,
                         chipDRAMBytes: 12, gpuSeconds: 0.25, gpuJoules: 50),
            ],
            notes: ["note one", "note | two"],
            resolvedConfigs: ["chip": .object(["rows": .int(256), "clockHz": .double(1.5e9)]),
                              "model": .object(["name": .string("model-a")])])
    }
}
