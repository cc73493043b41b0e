import Foundation
import GPUBaseline
import TritChip
import TritCompiler
import TritCore
import TritModel
import TritReport

/// Runs one chip-versus-GPU comparison: `tritsim run`.
public enum RunPipeline {
    /// Loads the model, chip and GPU named by `options` from `configs`, simulates prefill and
    /// decode on the chip, models them on the GPU, and builds the report.
    ///
    /// - Parameters:
    ///   - options: validated `tritsim run` options.
    ///   - configs: the folder holding `models/`, `chips/`, `gpus/`, `technology/`.
    ///   - beforeSimulating: called with the report's folder name once every cheap check has
    ///     passed and before the chip is simulated, so the caller can check the output location
    ///     while failing is still free.
    /// - Throws: `InputError` for configs that cannot be found or read, a step the model does not
    ///   allow (prompt + generated tokens beyond its context), or a model that does not fit the
    ///   chip or the GPU.
    public static func execute(_ options: RunOptions, configs: URL,
                               beforeSimulating: (_ folderName: String) throws -> Void = { _ in }) throws -> ComparisonReport {
        if let system = options.system {
            return try SystemRunner.execute(options, system: system, configs: configs, beforeSimulating: beforeSimulating)
        }
        let catalogs = ConfigCatalogs(configs)
        let model = try catalogs.models.load(options.model)
        let chip = try catalogs.chips.load(options.chip)
        let gpu = try catalogs.gpus.load(options.gpu)
        let (prefillSteps, decodeSteps) = try phaseSteps(options, model: model)
        // Cheap checks first: the GPU model (which checks its memory) and the plan of every chip
        // step (SRAM, DRAM capacity, program size), so bad input fails before any simulation.
        let gpuModel = try GPUModel(config: gpu, gpus: options.gpus, mode: options.gpuMode, fusion: options.gpuFusion)
        let gpuRunner = GPUPhaseRunner(model: gpuModel)
        let gpuPrefill = try gpuRunner.run(prefillSteps)
        let gpuDecode = try gpuRunner.run(decodeSteps)
        // Several GPUs: the largest batch the group holds at this run's sequence length (the
        // setting of the BitNet b1.58 paper's Table 3), for the notes.
        let capacity = options.gpus > 1
            ? try gpuModel.largestDecodeBatch(model, positionsPerSequence: options.promptTokens + options.generateTokens) : nil
        let chipRunner = ChipPhaseRunner(chip: chip)
        try chipRunner.preflight([prefillSteps, decodeSteps])
        try beforeSimulating(ComparisonReport.folderName(modelName: model.name, chipName: chip.config.name, gpuName: gpuModel.reportName))
        let chipPrefill = try chipRunner.run(prefillSteps)
        let chipDecode = try chipRunner.run(decodeSteps)

        let prefill = PhaseComparison(
            phase: "prefill",
            detail: prefillDetail(options),
            chip: result(seconds: chipPrefill.totalSeconds, latency: chipPrefill.totalSeconds / Double(options.batch),
                         tokens: chipPrefill.tokens, breakdown: chipPrefill.energy.components),
            gpu: result(seconds: gpuPrefill.totalSeconds, latency: gpuPrefill.totalSeconds / Double(options.batch),
                        tokens: gpuPrefill.tokens, breakdown: gpuPrefill.energyBreakdown),
            chipTime: timeBreakdown(chipPrefill))
        let steps = Double(options.generateTokens)
        let decode = PhaseComparison(
            phase: "decode",
            detail: decodeDetail(options),
            chip: result(seconds: chipDecode.totalSeconds, latency: chipDecode.totalSeconds / steps, tokens: chipDecode.tokens,
                         breakdown: chipDecode.energy.components),
            gpu: result(seconds: gpuDecode.totalSeconds, latency: gpuDecode.totalSeconds / steps, tokens: gpuDecode.tokens,
                        breakdown: gpuDecode.energyBreakdown),
            chipTime: timeBreakdown(chipDecode))

        var layers: [LayerRow] = []
        for (name, chipPhase, gpuPhase) in [("prefill", chipPrefill, gpuPrefill), ("decode", chipDecode, gpuDecode)] {
            let chipRows = chipPhase.byCategory()
            let gpuRows = gpuPhase.byCategory()
            for category in LayerCategory.allCases where chipRows[category] != nil || gpuRows[category] != nil {
                let c = chipRows[category] ?? (0, 0, 0)
                let g = gpuRows[category] ?? (0, 0)
                layers.append(LayerRow(phase: name, category: category.rawValue, chipSeconds: c.seconds, chipJoules: c.joules,
                                       chipDRAMBytes: c.dramBytes, gpuSeconds: g.seconds, gpuJoules: g.joules))
            }
            if let row = gpuLinkRow(phase: name, gpuPhase) { layers.append(row) }
        }

        let plan = chipPrefill.steps[0].step.plan
        try checkFinite([prefill, decode])
        var reportNotes = notes(options: options, chip: chip, prefillPlan: plan)
        if let note = gpuModel.tensorParallelNote(prefill: gpuPrefill, decode: gpuDecode) { reportNotes.append(note) }
        if let capacity { reportNotes.append(gpuModel.capacityNote(capacity)) }
        return ComparisonReport(
            title: "\(model.name) on \(chip.config.name) vs \(gpuModel.displayName) (FP16)",
            modelName: model.name, chipName: chip.config.name, gpuName: gpuModel.reportName,
            settings: [("GPU model", gpuModel.settingDescription)] + chipSettings(chip)
                + runSettings(options, chip: chip),
            phases: [prefill, decode],
            layers: layers,
            notes: reportNotes,
            resolvedConfigs: ["model": ConfigEcho.json(model), "chip": ConfigEcho.json(chip), "gpu": ConfigEcho.json(gpu)],
            gpuCount: options.gpus)
    }

    /// The per-category row of the GPUs' all-reduces in a phase (`link`, the category of the
    /// chip-to-chip transfers of a system), or nil on one GPU.
    static func gpuLinkRow(phase name: String, _ phase: GPUPhase) -> LayerRow? {
        let allReduce = phase.allReduce
        guard allReduce.seconds > 0 else { return nil }
        return LayerRow(phase: name, category: Compiler.linkTag, chipSeconds: 0, chipJoules: 0, chipDRAMBytes: 0,
                        gpuSeconds: allReduce.seconds, gpuJoules: allReduce.joules)
    }

    /// The prefill and decode steps of a run, after checking that prompt + generated tokens fit
    /// the model's context.
    /// - Throws: `InputError` naming the options when they do not, or any step-graph error.
    static func phaseSteps(_ options: RunOptions, model: ModelConfig) throws -> (prefill: PhaseSteps, decode: PhaseSteps) {
        let positions = options.promptTokens + options.generateTokens
        guard positions <= model.maxPositionEmbeddings else {
            throw InputError(source: "command line", location: "--prompt-tokens + --generate-tokens",
                             expected: "at most \(model.maxPositionEmbeddings) (max_position_embeddings of \(model.name))",
                             found: "\(options.promptTokens) + \(options.generateTokens) = \(positions)")
        }
        return (try PhaseSteps.prefill(model, promptTokens: options.promptTokens, batch: options.batch),
                try PhaseSteps.decode(model, promptTokens: options.promptTokens, generateTokens: options.generateTokens,
                                      batch: options.batch))
    }

    /// `512 prompt tokens`, `512 prompt tokens × 4 prompts`.
    static func prefillDetail(_ options: RunOptions) -> String {
        Self.count(options.promptTokens, "prompt token") + (options.batch > 1 ? " × \(options.batch) prompts" : "")
    }

    /// `128 tokens, batch 1, context 512→639`.
    static func decodeDetail(_ options: RunOptions) -> String {
        let positions = options.promptTokens + options.generateTokens
        return "\(Self.count(options.generateTokens, "token")), batch \(options.batch), "
            + (options.generateTokens == 1 ? "context \(options.promptTokens)" : "context \(options.promptTokens)→\(positions - 1)")
    }

    /// Throws unless every latency, throughput and energy of `phases` is finite and non-negative.
    static func checkFinite(_ phases: [PhaseComparison]) throws {
        for phase in phases {
            for (platform, result) in [("chip", phase.chip), ("GPU", phase.gpu)] {
                let numbers = [result.latencySeconds, result.tokensPerSecond, result.joulesPerToken, result.totalJoules]
                guard numbers.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                    throw InputError(source: "results", location: "\(phase.phase) on the \(platform)",
                                     expected: "finite, non-negative time and energy",
                                     found: "a value that is not (check the \(platform) config's extreme values)")
                }
            }
        }
    }

    /// The report settings that describe one chip: arrays, SRAM, off-chip memory.
    static func chipSettings(_ chip: ResolvedChip) -> [(key: String, value: String)] {
        let c = chip.config
        let memory = c.hasOffChipMemory
            ? "\(c.offChipMemory.type.rawValue), \(Units.bytes(c.offChipMemory.peakBandwidthBytesPerSecond))/s peak × \(Units.percent(c.offChipMemory.efficiency)) achievable, \(Units.significant(c.offChipMemory.energyPicojoulesPerBit)) pJ/bit"
            : "none (SRAM-only: weights and KV cache resident in SRAM)"
        return [("chip arrays", "\(c.ternaryArray.count) × \(c.ternaryArray.rows)×\(c.ternaryArray.columns) ternary (\(Units.prefixed(chip.peakTernaryOpsPerSecond, unit: "OPS")) peak) at \(Units.prefixed(c.clockHz, unit: "Hz")), \(chip.technology.node)"),
                ("chip SRAM", "\(Units.bytes(c.sram.weightBufferBytes)) weights, \(Units.bytes(c.sram.activationBufferBytes)) activations, \(Units.bytes(c.sram.kvBufferBytes)) KV"),
                ("chip memory", memory)]
    }

    /// The report settings that describe the run: tokens, batch, weight format, KV cache.
    static func runSettings(_ options: RunOptions, chip: ResolvedChip) -> [(key: String, value: String)] {
        [("prompt tokens", String(options.promptTokens)), ("generate tokens", String(options.generateTokens)),
         ("batch", String(options.batch)), ("weight format", chip.config.weightFormat.rawValue),
         ("KV cache", "\(chip.config.kvCacheBits)-bit")]
    }

    /// `1 token`, `128 tokens`.
    private static func count(_ n: Int, _ noun: String) -> String { n == 1 ? "1 \(noun)" : "\(n) \(noun)s" }

    static func result(seconds: Double, latency: Double, tokens: Int, breakdown: [String: Double]) -> PlatformPhaseResult {
        let joules = breakdown.sumInKeyOrder
        return PlatformPhaseResult(latencySeconds: latency, tokensPerSecond: Double(tokens) / seconds,
                                   joulesPerToken: joules / Double(tokens), totalSeconds: seconds, totalJoules: joules,
                                   energyBreakdownJoules: breakdown)
    }

    static func timeBreakdown(_ phase: ChipPhase) -> ChipTimeBreakdown {
        let shares = phase.timeShares()
        var breakdown = ChipTimeBreakdown(computeFraction: shares.compute, memoryWaitFraction: shares.memoryWait,
                                          otherFraction: max(0, 1 - shares.compute - shares.memoryWait),
                                          dramBusyFraction: shares.unitBusy.last?.fraction ?? 0)
        breakdown.unitBusyFractions = shares.unitBusy
        return breakdown
    }

    /// The report's notes; `prefillPlan` is the plan of the (first) prefill step.
    static func notes(options: RunOptions, chip: ResolvedChip, prefillPlan plan: MemoryPlan) -> [String] {
        var notes = [
            "Decode: TPOT is the mean of the steps simulated at context \(options.promptTokens) and \(options.promptTokens + options.generateTokens - 1); step time and energy are affine in the context, so the mean is exact.",
            options.batch == 1
                ? "Prefill: the LM head runs for the last prompt position only."
                : "Prefill: the \(options.batch) prompts are prefilled one after another (on the GPU too); TTFT is one prompt's prefill, tokens/s and energy cover all of them. The LM head runs for the last prompt position only.",
            "Chip energy: arithmetic and SRAM at \(chip.technology.node) (Configs/technology/\(chip.technology.node).json), "
                + (chip.config.hasOffChipMemory ? "off-chip \(chip.config.offChipMemory.type.rawValue) at \(chip.config.offChipMemory.energyPicojoulesPerBit) pJ/bit" : "no off-chip memory")
                + ", static \(chip.config.staticPowerWatts) W.",
            "GPU: FP16 kernels, \(GPUModel.executionDescription(mode: options.gpuMode, fusion: options.gpuFusion)), calibrated on H200 measurements (Configs/validation/).",
            "Per layer category: totals over the whole phase (all steps, all sequences). Chip time is that of the category's busiest resource (the off-chip channel, or one unit of a kind); categories overlap in time, so they do not add up to the latency. KV-cache reads count as attention on both sides; kv_cache is the append.",
        ]
        if plan.chunks > 1 {
            notes.append("Chip prefill ran in \(plan.chunks) chunks of up to \(plan.chunkTokens) tokens (the activation buffer holds \(plan.chunkTokens) positions)"
                + (chip.config.hasOffChipMemory ? "; the weights are streamed once per chunk." : "; the resident weights are read once per chunk."))
        }
        if plan.microBatches > 1 {
            notes.append("Chip prefill ran as \(plan.microBatches) pipelined micro-batches per chunk: the layers' weights stay resident in the weight buffer while the micro-batches flow through them, so successive layers overlap on the arrays, vector and attention units.")
        }
        notes.append("Fused on the chip where the graph allows: a quantisation right after an RMSNorm rides on the norm, a residual "
            + "add on the dequantisation of the projection before it, and the FFN gating on gate/up's dequantisation (in decode, and "
            + "in prefill unless it is micro-batched); what is fused shows its chip time and energy under the category it rides on.")
        return notes
    }
}
