import GPUBaseline
import TritModel
import TritReport

/// A whole phase on the FP16 GPU (or tensor-parallel group of GPUs), assembled from modelled steps
/// weighted as `PhaseSteps` says.
struct GPUPhase {
    let steps: [(step: GPUStepResult, weight: Double)]
    let tokens: Int

    var totalSeconds: Double { steps.reduce(0) { $0 + $1.step.seconds * $1.weight } }
    var totalJoules: Double { steps.reduce(0) { $0 + $1.step.joules * $1.weight } }

    /// Time of the phase's all-reduces between GPUs, s, and the energy of all boards during them, J
    /// (both 0 on one GPU).
    var allReduce: (seconds: Double, joules: Double) {
        (steps.reduce(0) { $0 + $1.step.allReduceSeconds * $1.weight }, steps.reduce(0) { $0 + $1.step.allReduceJoules * $1.weight })
    }

    var energyBreakdown: [String: Double] {
        var result: [String: Double] = [:]
        for (step, weight) in steps {
            for (component, joules) in step.energyBreakdownJoules { result[component, default: 0] += joules * weight }
        }
        return result
    }

    func byCategory() -> [LayerCategory: (seconds: Double, joules: Double)] {
        var result: [LayerCategory: (seconds: Double, joules: Double)] = [:]
        for (step, weight) in steps {
            for row in step.byCategory() {
                var entry = result[row.category] ?? (0, 0)
                entry.seconds += row.seconds * weight
                entry.joules += row.joules * weight
                result[row.category] = entry
            }
        }
        return result
    }
}

/// Models the steps of a run on the GPU (one, or a tensor-parallel group).
struct GPUPhaseRunner {
    let model: GPUModel

    /// The phase; with `checkingMemory` false, on idealised GPUs with enough memory.
    func run(_ phase: PhaseSteps, checkingMemory: Bool = true) throws -> GPUPhase {
        GPUPhase(steps: try phase.steps.map { (try model.run($0.graph, checkingMemory: checkingMemory), $0.weight) }, tokens: phase.tokens)
    }
}

/// How reports name and describe the GPU side, shared by `RunPipeline` and `SystemRunner`.
extension GPUModel {
    /// The GPU's short name in the report folder and column: the config id (`a100-80gb-sxm`), with
    /// `-tpN` for a tensor-parallel group of N (`a100-80gb-sxm-tp2`) and `-eager` / `-fused` for
    /// the non-default execution, so runs never share a folder.
    var reportName: String {
        (gpus == 1 ? config.id : "\(config.id)-tp\(gpus)") + (mode == .graph ? "" : "-\(mode.rawValue)")
            + (fusion == .unfused ? "" : "-\(fusion.rawValue)")
    }

    /// How kernels are issued and elementwise work launched: `CUDA-graph execution` (the defaults),
    /// `eager execution, fused elementwise kernels`.
    var executionDescription: String { Self.executionDescription(mode: mode, fusion: fusion) }

    /// `executionDescription` for `mode` and `fusion`.
    static func executionDescription(mode: ExecutionMode, fusion: ElementwiseFusion) -> String {
        (mode == .graph ? "CUDA-graph execution" : "eager execution") + (fusion == .fused ? ", fused elementwise kernels" : "")
    }

    /// The "GPU model" setting: `NVIDIA H200 SXM, FP16, CUDA-graph execution`, plus the group and
    /// its link for several GPUs.
    var settingDescription: String {
        var text = "\(displayName), FP16, \(executionDescription)"
        if gpus > 1, let link = config.interconnect {
            text += ", tensor-parallel \(gpus) over \(link.name) (\(Units.bytes(link.bandwidthBytesPerSecond))/s per direction, "
                + "\(Units.seconds(link.latencySeconds)) per step)"
        }
        return text
    }

    /// The report note on tensor parallelism over several GPUs (nil for one GPU): what is split,
    /// what is all-reduced and how it is timed, and the all-reduce share of each phase's GPU time.
    func tensorParallelNote(prefill: GPUPhase, decode: GPUPhase) -> String? {
        guard gpus > 1, let link = config.interconnect else { return nil }
        func share(_ phase: GPUPhase) -> String {
            Units.percent(phase.totalSeconds > 0 ? phase.allReduce.seconds / phase.totalSeconds : 0)
        }
        return "GPU tensor parallelism: \(displayName) split the model Megatron-style (q/k/v, gate/up and the LM head by output "
            + "features, o_proj and down_proj by input features, attention by heads, the embedding by vocabulary rows; norms and the "
            + "residual stream replicated) and ring-all-reduce the o_proj and down_proj outputs, the embedding rows and any BitNet "
            + "sub-norm statistics over \(link.name), each taking 2(N−1) × \(Units.seconds(link.latencySeconds)) + 2(N−1)/N × bytes / "
            + "\(Units.bytes(link.bandwidthBytesPerSecond))/s, the formula of the chip's links (Patarasuk & Yuan 2009; NCCL). "
            + "All-reduces take \(share(prefill)) of the GPU prefill time and \(share(decode)) of the decode time (the link row of "
            + "the per-category table). GPU energy counts all \(gpus) boards (idle power also during all-reduces, no energy per bit "
            + "on the link: no sourced figure); memory and the power cap are per GPU."
    }

    /// The report note on the largest decode batch the GPU side holds at `positions` positions per
    /// sequence, and its throughput (`largestDecodeBatch`).
    func capacityNote(_ capacity: DecodeCapacity) -> String {
        let memory = gpus == 1 ? Units.bytes(capacity.memoryCapacityBytesPerGPU) : "\(gpus) × \(Units.bytes(capacity.memoryCapacityBytesPerGPU))"
        return "GPU capacity: the largest decode batch whose FP16 weights (\(Units.bytes(capacity.weightBytesPerGPU)) per GPU) and KV "
            + "cache of \(capacity.positionsPerSequence) positions per sequence (prompt + generated tokens; \(Units.bytes(capacity.kvCacheBytesPerGPU)) "
            + "per GPU) fit \(memory) is \(capacity.batch); its decode step at context \(capacity.positionsPerSequence - 1) takes "
            + "\(Units.seconds(capacity.stepSeconds)) (all-reduces \(Units.seconds(capacity.allReduceSeconds))), "
            + "\(Units.tokensPerSecond(capacity.tokensPerSecond)) (activations and workspace not counted)."
    }
}
