import Foundation
import GPUBaseline
import TritChip
import TritCompiler
import TritCore
import TritModel
import TritReport
import TritSim

/// One step of a phase on a multi-chip system: the simulated step of each distinct program.
struct SystemStep {
    /// Per distinct program: the stages that run it and one chip's simulated step.
    let groups: [(stages: [Int], step: ChipStep)]

    /// Wall time of the step, s: pipeline stages run one after another, so the stage times add
    /// (tensor-parallel chips of a stage run in lock step; one chip's time is the stage's).
    var seconds: Double { groups.reduce(0) { $0 + $1.step.statistics.seconds * Double($1.stages.count) } }
}

/// A whole phase on a multi-chip system, assembled from simulated steps weighted as `PhaseSteps` says.
struct SystemPhase {
    let system: ResolvedSystem
    let steps: [(step: SystemStep, weight: Double)]
    let tokens: Int

    /// Wall time of the phase, s.
    var totalSeconds: Double { steps.reduce(0) { $0 + $1.step.seconds * $1.weight } }

    /// Energy of the whole system over the phase: every chip's dynamic energy (T chips per stage)
    /// plus static power × N chips × the phase's wall time.
    var energy: EnergyBreakdown {
        var dynamic = EnergyBreakdown.zero
        for (step, weight) in steps {
            for (stages, chipStep) in step.groups {
                var part = chipStep.energy
                part.staticJoules = 0
                dynamic = dynamic + part.scaled(by: weight * Double(stages.count * system.tensorParallel))
            }
        }
        dynamic.staticJoules = system.chip.config.staticPowerWatts * Double(system.chips) * totalSeconds
        return dynamic
    }

    /// The phase as one chip per stage, stages one after another: its time shares and per-tag
    /// quantities are those of one chip of each stage, added over the stages.
    var perStageChip: ChipPhase {
        ChipPhase(steps: steps.flatMap { step, weight in step.groups.map { ($0.step, weight * Double($0.stages.count)) } },
                  tokens: tokens)
    }

    /// Time of the busiest resource of the link tag (summed over stages), and the dynamic link
    /// energy of all chips.
    func linkRow() -> (seconds: Double, joules: Double) {
        var seconds = 0.0, joules = 0.0
        for (step, weight) in perStageChip.steps {
            let s = step.statistics
            guard let index = s.tags.firstIndex(of: Compiler.linkTag) else { continue }
            seconds += step.chip.seconds(s.bottleneckCyclesByTag[index]) * weight
            joules += EnergyModel.energy(of: s.countersByTag[index], on: step.chip, seconds: 0).totalJoules * weight
        }
        return (seconds, joules * Double(system.tensorParallel))
    }
}

/// Runs one model on a multi-chip system and on one GPU: `tritsim run --system`.
///
/// The model is split over the system (`SystemPartition`); every distinct chip program (one per
/// kind of pipeline stage) is compiled and simulated on one chip whose all-reduces take the ring
/// collective's time, which is exact for the identical tensor-parallel chips; stage times add.
/// The GPU side is one GPU running the whole model, or `--gpus` N GPUs splitting it by tensor
/// parallelism; if the model's FP16 weights and KV cache do not fit (each GPU's share of) the
/// memory, the GPUs are modelled with enough memory (same bandwidth and compute) and the report
/// says so.
enum SystemRunner {
    /// Builds the report of `tritsim run --system NAME` (options as `RunPipeline.execute`).
    /// - Throws: `InputError` for configs that cannot be found or read, a model the system cannot
    ///   split (naming the model field), a stage that does not fit its chip (naming the chip
    ///   field), or a step the model does not allow.
    static func execute(_ options: RunOptions, system systemName: String, configs: URL,
                        beforeSimulating: (_ folderName: String) throws -> Void) throws -> ComparisonReport {
        let catalogs = ConfigCatalogs(configs)
        let model = try catalogs.models.load(options.model)
        let system = try catalogs.systems.load(systemName)
        let gpu = try catalogs.gpus.load(options.gpu)
        let (prefillSteps, decodeSteps) = try RunPipeline.phaseSteps(options, model: model)
        let partition = try SystemPartition(model: model, system: system)

        // Cheap checks first: the GPU model and the plan of every chip program of every step.
        let gpuModel = try GPUModel(config: gpu, gpus: options.gpus, mode: options.gpuMode, fusion: options.gpuFusion)
        let shortfall = try ([prefillSteps, decodeSteps].flatMap(\.steps).compactMap { try gpuModel.memoryShortfall($0.graph) }
            .max { $0.neededBytes < $1.neededBytes })
        let gpuRunner = GPUPhaseRunner(model: gpuModel)
        let gpuPrefill = try gpuRunner.run(prefillSteps, checkingMemory: shortfall == nil)
        let gpuDecode = try gpuRunner.run(decodeSteps, checkingMemory: shortfall == nil)
        for (graph, _) in [prefillSteps, decodeSteps].flatMap(\.steps).reversed() {
            for group in partition.programGroups {
                let stage = partition.stages[group[0]]
                _ = try Compiler(chip: system.chip, role: stage.role).plan(try partition.graph(stage, phase: graph.phase))
            }
        }
        try beforeSimulating(ComparisonReport.folderName(modelName: model.name, chipName: system.config.name, gpuName: gpuModel.reportName))
        let chipPrefill = try simulate(prefillSteps, partition: partition, system: system)
        let chipDecode = try simulate(decodeSteps, partition: partition, system: system)

        let steps = Double(options.generateTokens)
        let prefill = PhaseComparison(
            phase: "prefill", detail: RunPipeline.prefillDetail(options),
            chip: RunPipeline.result(seconds: chipPrefill.totalSeconds, latency: chipPrefill.totalSeconds / Double(options.batch),
                                     tokens: chipPrefill.tokens, breakdown: chipPrefill.energy.components),
            gpu: RunPipeline.result(seconds: gpuPrefill.totalSeconds, latency: gpuPrefill.totalSeconds / Double(options.batch),
                                    tokens: gpuPrefill.tokens, breakdown: gpuPrefill.energyBreakdown),
            chipTime: RunPipeline.timeBreakdown(chipPrefill.perStageChip))
        let decode = PhaseComparison(
            phase: "decode", detail: RunPipeline.decodeDetail(options),
            chip: RunPipeline.result(seconds: chipDecode.totalSeconds, latency: chipDecode.totalSeconds / steps,
                                     tokens: chipDecode.tokens, breakdown: chipDecode.energy.components),
            gpu: RunPipeline.result(seconds: gpuDecode.totalSeconds, latency: gpuDecode.totalSeconds / steps,
                                    tokens: gpuDecode.tokens, breakdown: gpuDecode.energyBreakdown),
            chipTime: RunPipeline.timeBreakdown(chipDecode.perStageChip))
        try RunPipeline.checkFinite([prefill, decode])

        var layers: [LayerRow] = []
        var usage: [ChipUsageRow] = []
        let scale = Double(system.tensorParallel)
        for (name, chipPhase, gpuPhase) in [("prefill", chipPrefill, gpuPrefill), ("decode", chipDecode, gpuDecode)] {
            let chipRows = chipPhase.perStageChip.byCategory()
            let gpuRows = gpuPhase.byCategory()
            for category in LayerCategory.allCases where chipRows[category] != nil || gpuRows[category] != nil {
                let c = chipRows[category] ?? (0, 0, 0)
                let g = gpuRows[category] ?? (0, 0)
                layers.append(LayerRow(phase: name, category: category.rawValue, chipSeconds: c.seconds, chipJoules: c.joules * scale,
                                       chipDRAMBytes: c.dramBytes * scale, gpuSeconds: g.seconds, gpuJoules: g.joules))
            }
            let link = chipPhase.linkRow()
            let gpuLink = gpuPhase.allReduce
            if link.joules > 0 || link.seconds > 0 || gpuLink.seconds > 0 {
                layers.append(LayerRow(phase: name, category: Compiler.linkTag, chipSeconds: link.seconds, chipJoules: link.joules,
                                       chipDRAMBytes: 0, gpuSeconds: gpuLink.seconds, gpuJoules: gpuLink.joules))
            }
            usage += chipUsage(phase: name, chipPhase, partition: partition)
        }

        let plan = chipPrefill.steps[0].step.groups[0].step.plan
        let c = system.config
        var reportNotes = notes(options: options, system: system, partition: partition, gpu: gpuModel, shortfall: shortfall, prefillPlan: plan)
        if let note = gpuModel.tensorParallelNote(prefill: gpuPrefill, decode: gpuDecode) { reportNotes.append(note) }
        let gpuGroup = gpuModel.gpus == 1 ? "one GPU" : "tensor-parallel \(gpuModel.gpus)"
        return ComparisonReport(
            title: "\(model.name) on \(c.name) (\(c.chips) × \(system.chip.config.name), \(c.partitioning.description)) vs \(gpuModel.displayName) (FP16, \(gpuGroup))",
            modelName: model.name, chipName: c.name, gpuName: gpuModel.reportName,
            settings: [("GPU model", gpuModel.gpus == 1 ? gpuModel.settingDescription + ", one GPU" : gpuModel.settingDescription),
                       ("system", "\(c.chips) × \(system.chip.config.name), \(c.partitioning.description)"),
                       ("link", "\(Units.bytes(c.link.bandwidthBytesPerSecond))/s per direction, \(Units.seconds(c.link.latencyNanoseconds * 1e-9)) per hop, \(Units.significant(c.link.energyPicojoulesPerBit)) pJ/bit")]
                + RunPipeline.chipSettings(system.chip) + RunPipeline.runSettings(options, chip: system.chip),
            phases: [prefill, decode],
            layers: layers,
            notes: reportNotes,
            resolvedConfigs: ["model": ConfigEcho.json(model), "chip": ConfigEcho.json(system.chip), "gpu": ConfigEcho.json(gpu),
                              "system": ConfigEcho.json(system)],
            chipUsage: usage, gpuCount: gpuModel.gpus)
    }

    /// Simulates every distinct chip program for every step of a phase.
    static func simulate(_ phase: PhaseSteps, partition: SystemPartition, system: ResolvedSystem) throws -> SystemPhase {
        let steps = try phase.steps.map { graph, weight -> (step: SystemStep, weight: Double) in
            let groups = try partition.programGroups.map { group -> (stages: [Int], step: ChipStep) in
                let stage = partition.stages[group[0]]
                let runner = ChipPhaseRunner(chip: system.chip, role: stage.role)
                return (group, try runner.step(try partition.graph(stage, phase: graph.phase)))
            }
            return (SystemStep(groups: groups), weight)
        }
        return SystemPhase(system: system, steps: steps, tokens: phase.tokens)
    }

    /// Per-chip rows of a phase: one per distinct program.
    private static func chipUsage(phase name: String, _ phase: SystemPhase, partition: SystemPartition) -> [ChipUsageRow] {
        let chip = phase.system.chip
        let capacity = Double(chip.config.sram.totalBytes)
        return partition.programGroups.enumerated().map { index, group in
            var seconds = 0.0, dram = 0.0, sent = 0.0, received = 0.0
            var highWater: Int64 = 0
            for (step, weight) in phase.steps {
                let chipStep = step.groups[index].step
                let counters = chipStep.statistics.counters
                seconds += chipStep.statistics.seconds * weight
                dram += Double(counters.dramReadBytes + counters.dramWriteBytes) * weight
                sent += Double(counters.linkBytesSent) * weight
                received += Double(counters.linkBytesReceived) * weight
                highWater = max(highWater, chipStep.sramHighWater.totalBytes)
            }
            return ChipUsageRow(phase: name, chips: chipList(group.map { partition.stages[$0].chips }),
                                program: programDescription(group, partition: partition), seconds: seconds,
                                sramHighWaterBytes: Double(highWater), sramCapacityBytes: capacity, dramBytes: dram,
                                linkBytesSent: sent, linkBytesReceived: received)
        }
    }

    /// `0–7`, `8–119`, or `0, 3` for chip ranges that do not join.
    static func chipList(_ ranges: [Range<Int>]) -> String {
        var merged: [Range<Int>] = []
        for range in ranges {
            if let last = merged.last, last.upperBound == range.lowerBound {
                merged[merged.count - 1] = last.lowerBound ..< range.upperBound
            } else {
                merged.append(range)
            }
        }
        return merged.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)–\($0.upperBound - 1)" }.joined(separator: ", ")
    }

    /// `stage 0 of 16: layers 0–4 + embedding, tensor-parallel 8`, `stages 1–14 of 16: 5 layers each, …`.
    static func programDescription(_ group: [Int], partition: SystemPartition) -> String {
        let stages = group.map { partition.stages[$0] }
        guard let first = stages.first, let last = stages.last else { return "" }
        let count = partition.stages.count
        var text: String
        if stages.count == 1 {
            text = (count > 1 ? "stage \(first.index) of \(count): " : "") + "layers \(first.layers.lowerBound)–\(first.layers.upperBound - 1)"
        } else {
            text = "stages \(first.index)–\(last.index) of \(count): \(first.layers.count) layers each"
        }
        if first.hasEmbedding { text += " + embedding" }
        if first.hasHead { text += " + final norm and LM head" }
        if partition.tensorParallel > 1 { text += ", tensor-parallel \(partition.tensorParallel)" }
        return text
    }

    private static func notes(options: RunOptions, system: ResolvedSystem, partition: SystemPartition, gpu gpuModel: GPUModel,
                              shortfall: (neededBytes: Int64, availableBytes: Int64)?, prefillPlan: MemoryPlan) -> [String] {
        let gpu = gpuModel.config
        let c = system.config
        let chip = system.chip
        var notes = RunPipeline.notes(options: options, chip: chip, prefillPlan: prefillPlan)
        // Replace the single-chip energy note and add what is specific to a system.
        notes.removeAll { $0.hasPrefix("Chip energy:") || $0.hasPrefix("Per layer category:") }
        notes.insert(contentsOf: [
            "System: \(c.chips) chips (\(c.chips) × \(chip.config.name), \(c.partitioning.description)) are compared against "
                + (gpuModel.gpus == 1 ? "one \(gpu.name)" : gpuModel.displayName) + "; every chip column is the whole system.",
            "System time: one chip is simulated per distinct program"
                + (partition.tensorParallel > 1
                    ? "; the \(partition.tensorParallel) tensor-parallel chips of a stage run identical programs in lock step, each all-reduce taking the ring collective's time, 2(N−1) × link latency + 2(N−1)/N × bytes / link bandwidth (Patarasuk & Yuan 2009; NCCL)" : "")
                + (partition.stages.count > 1
                    ? "; pipeline stages run one after another, so a step takes the sum of the stage times, each stage's send to the next included (exact for decode at batch 1; with larger batches or several prefill chunks the stages could overlap, so an upper bound)" : "")
                + ".",
            "System energy: the dynamic energy of all \(c.chips) chips (arithmetic and SRAM at \(chip.technology.node), "
                + (chip.config.hasOffChipMemory ? "off-chip \(chip.config.offChipMemory.type.rawValue) at \(chip.config.offChipMemory.energyPicojoulesPerBit) pJ/bit" : "no off-chip memory")
                + ", links at \(c.link.energyPicojoulesPerBit) pJ/bit sent) plus static \(chip.config.staticPowerWatts) W × \(c.chips) chips × the system's time.",
        ], at: 2)
        if partition.tensorParallel > 1 {
            notes.append("Tensor parallelism (Megatron-style): q/k/v and gate/up split by columns, o_proj and down_proj by rows, with an all-reduce of the tokens × hidden fp16 outputs before each residual add; embedding and LM head split over the vocabulary (⌈vocab/\(partition.tensorParallel)⌉ rows per chip), the gathered embedding rows all-reduced and the logits left distributed (the reduction that picks the next token is not modelled); BitNet sub-norms all-reduce each token's fp32 sum of squares; activation quantisation scales are per token and chip slice.")
        }
        if partition.stages.count > 1 {
            notes.append("Pipeline parallelism: \(partition.stages.count) stages of contiguous layers (the first also holds the embedding, the last the final norm and LM head); each stage but the last sends the tokens × hidden fp16 activations of every token chunk to the next.")
        }
        if let shortfall, gpuModel.gpus == 1 {
            notes.append("GPU memory: \(partition.model.name) needs \(Units.bytes(shortfall.neededBytes)) of FP16 weights and KV cache, more than one \(gpu.name)'s \(Units.bytes(shortfall.availableBytes)); the GPU column models an idealised single GPU with its bandwidth and compute but enough memory (a real deployment needs more than one GPU).")
        } else if let shortfall {
            notes.append("GPU memory: \(partition.model.name) needs \(Units.bytes(shortfall.neededBytes)) of FP16 weights and KV cache per GPU split over \(gpuModel.gpus) GPUs, more than one \(gpu.name)'s \(Units.bytes(shortfall.availableBytes)); the GPU column models idealised GPUs with their bandwidth and compute but enough memory (a real deployment needs more GPUs).")
        }
        notes.append("Per layer category on a system: chip time is that of the category's busiest resource on one chip per stage, added over the stages; chip energy and DRAM traffic are summed over all chips; link is the chip-to-chip transfers"
            + (gpuModel.gpus > 1 ? " (and, in the GPU columns, the GPUs' all-reduces)." : "."))
        return notes
    }
}
