// INTEGRATOR: replace — this whole file is a temporary stand-in so the command line can be built
// and tested before the simulator exists. Every number below is invented; the report carries a
// "placeholder" note saying so.
import Foundation
import TritCore
import TritReport

/// Runs one chip-versus-GPU comparison and returns the report.
public enum RunPipeline {
    /// Loads the configs named by `options` from `configs`, simulates prefill and decode on the
    /// chip and the GPU, and builds the report.
    ///
    /// PLACEHOLDER: returns a small fixed report with invented numbers and a `placeholder` note.
    /// - Parameters:
    ///   - options: validated `tritsim run` options.
    ///   - configs: the configs folder found by `ConfigLocator`.
    /// - Throws: `InputError` for configs that cannot be found or read (not yet: the placeholder
    ///   reads nothing).
    public static func execute(_ options: RunOptions, configs: URL) throws -> ComparisonReport {
        let promptTokens = Double(options.promptTokens)
        let decodeTokens = Double(options.generateTokens * options.batch)

        func result(latency: Double, tokens: Double, perTokenCount: Double, joulesPerToken: Double,
                    split: [(String, Double)]) -> PlatformPhaseResult {
            let totalSeconds = latency * perTokenCount
            let totalJoules = joulesPerToken * tokens
            return PlatformPhaseResult(
                latencySeconds: latency, tokensPerSecond: tokens / totalSeconds, joulesPerToken: joulesPerToken,
                totalSeconds: totalSeconds, totalJoules: totalJoules,
                energyBreakdownJoules: Dictionary(uniqueKeysWithValues: split.map { ($0.0, $0.1 * totalJoules) }))
        }

        let prefillChipLatency = 2.0e-4 * promptTokens
        let prefillGPULatency = 5.0e-5 * promptTokens + 0.004
        let prefill = PhaseComparison(
            phase: "prefill", detail: "\(options.promptTokens) prompt tokens",
            chip: result(latency: prefillChipLatency, tokens: promptTokens, perTokenCount: 1, joulesPerToken: 4.2e-4,
                         split: [("array", 0.55), ("sram", 0.25), ("dram", 0.15), ("leakage", 0.05)]),
            gpu: result(latency: prefillGPULatency, tokens: promptTokens, perTokenCount: 1, joulesPerToken: 1.4e-2,
                        split: [("compute", 0.6), ("hbm", 0.25), ("idle", 0.15)]),
            chipTime: ChipTimeBreakdown(computeFraction: 0.82, memoryWaitFraction: 0.1, otherFraction: 0.08,
                                        dramBusyFraction: 0.4))
        let decode = PhaseComparison(
            phase: "decode",
            detail: "\(options.generateTokens) tokens, batch \(options.batch), "
                + "context \(options.promptTokens)→\(options.promptTokens + options.generateTokens - 1)",
            chip: result(latency: 0.0123, tokens: decodeTokens, perTokenCount: Double(options.generateTokens),
                         joulesPerToken: 0.011, split: [("dram", 0.7), ("sram", 0.1), ("array", 0.1), ("leakage", 0.1)]),
            gpu: result(latency: 0.0064, tokens: decodeTokens, perTokenCount: Double(options.generateTokens),
                        joulesPerToken: 0.45, split: [("hbm", 0.5), ("idle", 0.4), ("compute", 0.1)]),
            chipTime: ChipTimeBreakdown(computeFraction: 0.12, memoryWaitFraction: 0.83, otherFraction: 0.05,
                                        dramBusyFraction: 0.97))

        var layers: [LayerRow] = []
        for phase in [prefill, decode] {
            for (category, share) in [("BitLinear", 0.8), ("attention", 0.15), ("norm, activation, residual", 0.05)] {
                layers.append(LayerRow(
                    phase: phase.phase, category: category,
                    chipSeconds: share * phase.chip.totalSeconds, chipJoules: share * phase.chip.totalJoules,
                    chipDRAMBytes: Int64(share * 1.2e9), gpuSeconds: share * phase.gpu.totalSeconds,
                    gpuJoules: share * phase.gpu.totalJoules))
            }
        }

        return ComparisonReport(
            title: "\(options.model) on \(options.chip) vs \(options.gpu) (placeholder)",
            modelName: options.model, chipName: options.chip, gpuName: options.gpu,
            settings: [("prompt tokens", String(options.promptTokens)),
                       ("generate tokens", String(options.generateTokens)),
                       ("batch", String(options.batch))],
            phases: [prefill, decode], layers: layers,
            notes: ["placeholder: RunPipeline.execute is a stand-in; every number in this report is invented."],
            resolvedConfigs: ["options": .object([
                "model": .string(options.model), "chip": .string(options.chip), "gpu": .string(options.gpu),
                "promptTokens": .int(Int64(options.promptTokens)),
                "generateTokens": .int(Int64(options.generateTokens)), "batch": .int(Int64(options.batch)),
            ])])
    }
}
