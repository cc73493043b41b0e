import TritCore
import TritModel

/// The FP16 GPU baseline: runs a step's graph as FP16 kernels on a modelled GPU (DESIGN.md §4).
///
/// Per kernel (one per graph node; a layer's attention scores, softmax and values are one fused
/// FlashAttention-style kernel):
///
///     seconds = overhead(mode) [+ linearKernelLatency for GEMMs] + max(bytes / bandwidth, compute)
///     bandwidth = peakBW × achievableBandwidthFraction × bytes / (bytes + halfBandwidthTransferBytes)
///                 [× N / (N + halfBandwidthOutputRows) for a GEMM with N output features]
///     compute (GEMV, M ≤ gemvMaximumTokenRows) = 2MKN / (peakFLOPS × tensorCoreEfficiency)
///     compute (GEMM M×K×N) = waves × 2·tileRows·tileColumns·K / (peakFLOPS / SMs × eff(Mpad))
///     waves = ⌈⌈M/tileRows⌉·⌈N/tileColumns⌉ / SMs⌉,  eff(Mpad) = tensorCoreEfficiency × Mpad / (Mpad + halfEfficiencyTokenRows)
///     + vector operations / peakFP32VectorFLOPS
///
/// So small-M GEMVs are memory-bound and large-M GEMMs pay tile and wave quantisation.
/// Energy = idle power × seconds + energyPerByte × bytes + energyPerFLOP × FLOPs; if the step's
/// average power would exceed the board limit, the step is stretched until it equals the limit.
/// Bytes and FLOPs come from the graph with `Precision.fp16Everywhere` (ternary weights in FP16).
///
/// **Several GPUs** (`gpus` = N > 1, Megatron-style tensor parallelism, Shoeybi et al. 2019): every
/// GPU runs `Graph.tensorParallelShard` of the step — q/k/v, gate/up and the LM head split by
/// output features (column-parallel), o_proj and down_proj by input features (row-parallel),
/// attention by heads (query heads / N, KV heads / N), the embedding by vocabulary rows; the
/// elementwise work on split tensors is split with them, while the norms of the hidden-size
/// residual stream, the residual adds and their weights are replicated. The GPUs run the same
/// kernels in lock step, and after each row-parallel layer (and the embedding gather, and each
/// BitNet sub-layer norm's per-token statistics) they ring-all-reduce the tensor over the
/// `interconnect`: 2(N − 1) × latency + ⌈2(N − 1) × b / N⌉ / bandwidth (`RingAllReduce`, the
/// formula the chip's `link.all_reduce` uses). Step time = kernel times + all-reduce times;
/// energy = N × one GPU's (idle power of every board, also during the all-reduces; no energy per
/// bit over the link, for want of a sourced figure); the power cap applies to each GPU; memory is
/// checked per GPU. N = 1 is exactly the one-GPU model.
public struct GPUModel: Sendable {
    /// The GPU being modelled (each GPU of a tensor-parallel group is one of these).
    public let config: GPUConfig
    /// GPUs the model is split over by tensor parallelism (1: one GPU).
    public let gpus: Int
    /// How kernels are issued (the per-kernel cost) unless a call says otherwise.
    public let mode: ExecutionMode
    /// How elementwise work is launched.
    public let fusion: ElementwiseFusion

    /// The tensor-parallel group sizes accepted (`--gpus`, the range issue 5 asks for): one GPU
    /// to 64. Whether a size makes sense is the model's business (it must divide the heads).
    public static let gpuCounts = 1...64

    /// The command-line option that sets `gpus`, named in error messages.
    public static let gpusOption = "--gpus"

    /// A model of one `config` GPU.
    public init(config: GPUConfig) {
        self.config = config
        gpus = 1
        mode = .graph
        fusion = .unfused
    }

    /// A model of `gpus` `config` GPUs running a model by tensor parallelism.
    /// - Throws: `InputError` naming `--gpus` when `gpus` is outside `gpuCounts`, or naming the
    ///   GPU file and its `interconnect` field when `gpus` > 1 and the GPU has no interconnect.
    /// - Parameters:
    ///   - mode: how kernels are issued (CUDA-graph replay by default).
    ///   - fusion: how elementwise work is launched (one kernel per node by default).
    public init(config: GPUConfig, gpus: Int, mode: ExecutionMode = .graph, fusion: ElementwiseFusion = .unfused) throws {
        guard Self.gpuCounts.contains(gpus) else {
            throw InputError(source: "command line", location: Self.gpusOption,
                             expected: "an integer in \(Self.gpuCounts.lowerBound)...\(Self.gpuCounts.upperBound) (GPUs splitting the model by tensor parallelism)",
                             found: "\(gpus)")
        }
        guard gpus == 1 || config.interconnect != nil else {
            throw InputError(source: config.sourceFile.isEmpty ? config.name : config.sourceFile, location: GPUInterconnect.key,
                             expected: "an \"\(GPUInterconnect.key)\" object (link bandwidth and latency) to split a model over \(Self.gpusOption) \(gpus)",
                             found: "none: \(config.name) is modelled alone (use \(Self.gpusOption) 1)")
        }
        self.config = config
        self.gpus = gpus
        self.mode = mode
        self.fusion = fusion
    }

    /// `NVIDIA H200 SXM`, or `2 × NVIDIA A100 80GB SXM4` for a tensor-parallel group.
    public var displayName: String { gpus == 1 ? config.name : "\(gpus) × \(config.name)" }

    /// The graph each GPU runs for `graph` (a whole step): `graph` itself on one GPU, its
    /// tensor-parallel share (`Graph.tensorParallelShard`) on several.
    /// - Throws: `InputError` naming the model file and field (`num_attention_heads`,
    ///   `num_key_value_heads`, `intermediate_size`) that `gpus` does not divide, and `--gpus`.
    public func deviceGraph(_ graph: Graph) throws -> Graph {
        guard gpus > 1 else { return graph }
        return try graph.tensorParallelShard(degree: gpus, context: "\(Self.gpusOption) \(gpus) (\(config.name))")
    }

    /// Time of one ring all-reduce of `bytes` bytes per GPU over the group, in seconds (0 on one
    /// GPU): 2(N − 1) × latency + ⌈2(N − 1) × bytes / N⌉ / bandwidth of the `interconnect`.
    public func allReduceSeconds(bytes: Int64) -> Double {
        guard gpus > 1, let link = config.interconnect else { return 0 }
        return RingAllReduce.seconds(bytes: bytes, members: Int64(gpus), latencySeconds: link.latencySeconds,
                                     bandwidthBytesPerSecond: link.bandwidthBytesPerSecond)
    }

    /// Time and energy of one step.
    /// - Parameters:
    ///   - graph: the step (prefill or decode) of one whole model (`Graph.prefill` / `Graph.decode`).
    ///   - mode: CUDA-graph replay or eager launches; the model's `mode` when nil.
    ///   - checkingMemory: whether to refuse a model that does not fit the GPU's memory (each
    ///     GPU's share of it, for several GPUs); false models idealised GPUs with this one's
    ///     bandwidth and compute but enough memory (used when a multi-chip system runs a model the
    ///     GPUs cannot hold, see `memoryShortfall`).
    /// - Throws: `InputError` if the FP16 weights plus KV cache exceed the GPU's memory (the
    ///   message gives bytes needed and available), if `gpus` does not divide the model's heads,
    ///   KV heads or FFN width (naming the model field and `--gpus`), or a byte/FLOP count overflows.
    public func run(_ graph: Graph, mode: ExecutionMode? = nil, checkingMemory: Bool = true) throws -> GPUStepResult {
        let mode = mode ?? self.mode
        let device = try deviceGraph(graph)
        if checkingMemory { try MemoryFootprint(device).check(fitsIn: config, model: graph.model.name, gpus: gpus) }
        let built = try FP16Kernel.kernels(of: device)
        let kernels = fusion == .fused ? FP16Kernel.fusingElementwise(built, nodes: device.nodes) : built
        var estimates: [KernelEstimate] = []
        estimates.reserveCapacity(kernels.count)
        var bytes: Int64 = 0
        var flops: Int64 = 0
        for kernel in kernels {
            let timing = KernelTiming(gpu: config, mode: mode, bytes: Double(kernel.bytes), tensorFLOPs: Double(kernel.tensorFLOPs),
                                      vectorFLOPs: Double(kernel.vectorFLOPs), shape: kernel.shape)
            estimates.append(KernelEstimate(name: kernel.name, category: kernel.category, seconds: timing.seconds, bytes: kernel.bytes,
                                            flops: kernel.flops, memoryBound: timing.memoryBound, joules: 0))
            bytes = try Checked.add(bytes, kernel.bytes, "step bytes")
            flops = try Checked.add(flops, kernel.flops, "step FLOPs")
        }
        return applyEnergyAndPowerCap(estimates, allReduces: try allReduces(of: device), bytes: bytes, flops: flops)
    }

    /// The all-reduces of one GPU's graph under tensor parallelism, in graph order (none on one
    /// GPU), without their energy (set by `applyEnergyAndPowerCap`).
    private func allReduces(of device: Graph) throws -> [AllReduceEstimate] {
        guard gpus > 1 else { return [] }
        let precision = Precision.fp16Everywhere
        return try device.nodes.compactMap { node -> AllReduceEstimate? in
            guard let bytes = node.tensorParallelAllReduceBytes(precision) else { return nil }
            // RingAllReduce forms 2 × bytes: refuse rather than saturate a count that large.
            _ = try Checked.multiply(bytes, 2, "\(node.name) all-reduce bytes")
            return AllReduceEstimate(name: node.name + ".all_reduce", category: node.category, bytes: bytes,
                                     bytesSentPerGPU: RingAllReduce.bytesSentPerMember(bytes: bytes, members: Int64(gpus)),
                                     seconds: allReduceSeconds(bytes: bytes), joules: 0)
        }
    }

    /// Kernel time of one `F.linear(x[m, k], W[n, k])` in FP16 (bytes 2·(mk + kn + mn), FLOPs 2·mkn),
    /// including the per-kernel overhead of `mode`, in seconds. Sizes below 1 are treated as 1.
    ///
    /// The board power limit is not applied here: it is a step-average constraint that `run` enforces.
    /// (The additive energy model over-predicts the power of kernels that are both bandwidth- and
    /// compute-heavy, e.g. the 2B4T LM head at M = 256, which the real H200 ran uncapped.)
    /// Used to compare with the H200 calibration measurements.
    public func gemmSeconds(m: Int, k: Int, n: Int, mode: ExecutionMode) -> Double {
        let (m, k, n) = (max(1, m), max(1, k), max(1, n))
        let (dm, dk, dn) = (Double(m), Double(k), Double(n))
        let bytesPerElement = Double(Precision.fp16Everywhere.activationBytes)
        let bytes = bytesPerElement * (dm * dk + dk * dn + dm * dn)
        let timing = KernelTiming(gpu: config, mode: mode, bytes: bytes, tensorFLOPs: 2 * dm * dk * dn,
                                  vectorFLOPs: 0, shape: .linear(m: m, k: k, n: n))
        return timing.seconds
    }

    /// Time of one decode attention call (one query per sequence against `context` cached keys and
    /// values): the fused FlashAttention-style kernel the step model uses (`FP16Kernel`), in seconds,
    /// with the per-kernel overhead of `mode`. Used to compare with measured SDPA calls.
    /// - Throws: `InputError` if a byte or FLOP count overflows.
    public func decodeAttentionSeconds(batch: Int, heads: Int, kvHeads: Int, headDim: Int, context: Int, mode: ExecutionMode) throws -> Double {
        let shape = Operator.Attention(sequences: max(1, batch), queries: 1, cachedKeys: max(0, context - 1), heads: max(1, heads),
                                       kvHeads: max(1, kvHeads), headDim: max(1, headDim))
        let nodes = [GraphNode(name: "scores", layer: 0, category: .attention, operation: .attentionScores(shape), inputs: []),
                     GraphNode(name: "softmax", layer: 0, category: .attention, operation: .softmax(shape), inputs: [0]),
                     GraphNode(name: "values", layer: 0, category: .attention, operation: .attentionValues(shape), inputs: [1])]
        return try FP16Kernel.kernels(of: nodes).reduce(0) { total, kernel in
            total + KernelTiming(gpu: config, mode: mode, bytes: Double(kernel.bytes), tensorFLOPs: Double(kernel.tensorFLOPs),
                                 vectorFLOPs: Double(kernel.vectorFLOPs), shape: kernel.shape).seconds
        }
    }

    /// Time of one device-to-device copy moving `bytes` (read + write), in seconds: a memory-bound
    /// kernel at the achievable bandwidth for its size, plus the per-kernel overhead of `mode`.
    public func copySeconds(bytes: Double, mode: ExecutionMode) -> Double {
        KernelTiming(gpu: config, mode: mode, bytes: max(0, bytes), tensorFLOPs: 0, vectorFLOPs: 0, shape: .elementwise).seconds
    }

    /// Average board power of a loop of calls each moving `bytes` and computing `flops` in
    /// `seconds`: idle + (energyPerByte × bytes + energyPerFLOP × FLOPs) / seconds, in watts; when
    /// that exceeds the board power limit, the limit (the GPU slows down instead: `run`'s cap).
    public func loopPower(bytes: Double, flops: Double, seconds: Double) -> (watts: Double, capped: Bool) {
        guard seconds > 0 else { return (config.boardPowerLimitWatts, true) }  // work in no time: the cap
        let watts = config.idlePowerWatts + dynamicJoules(bytes: bytes, flops: flops) / seconds
        return watts > config.boardPowerLimitWatts ? (config.boardPowerLimitWatts, true) : (watts, false)
    }

    /// Energy above idle of moving `bytes` and computing `flops` on one GPU, in joules:
    /// energyPerByteAboveIdle × bytes + energyPerFLOPAboveIdle × FLOPs (`GPUCalibration`).
    func dynamicJoules(bytes: Double, flops: Double) -> Double {
        bytes * config.calibration.energyPerByteAboveIdleJoules + flops * config.calibration.energyPerFLOPAboveIdleJoules
    }

    /// Adds energies, and stretches all kernels uniformly if one GPU's average power over the step
    /// (all-reduces included, at idle power) exceeds the board limit. `bytes` and `flops` are one
    /// GPU's; energies are scaled to all `gpus` boards.
    private func applyEnergyAndPowerCap(_ kernels: [KernelEstimate], allReduces: [AllReduceEstimate], bytes: Int64,
                                        flops: Int64) -> GPUStepResult {
        let c = config.calibration
        let boards = Double(gpus)
        let memoryJoules = Double(bytes) * c.energyPerByteAboveIdleJoules
        let computeJoules = Double(flops) * c.energyPerFLOPAboveIdleJoules
        let uncappedSeconds = kernels.reduce(0) { $0 + $1.seconds }
        let reduceSeconds = allReduces.reduce(0) { $0 + $1.seconds }
        // Step time at which one GPU's idle + dynamic energy averages exactly the board limit.
        let cappedSeconds = (memoryJoules + computeJoules) / (config.boardPowerLimitWatts - config.idlePowerWatts)
        let powerCapped = cappedSeconds > uncappedSeconds + reduceSeconds
        // Only the kernels stretch; the all-reduces keep their time (the GPUs idle through them).
        let stretch = powerCapped && uncappedSeconds > 0 ? (cappedSeconds - reduceSeconds) / uncappedSeconds : 1
        let seconds = uncappedSeconds * stretch + reduceSeconds
        let estimates = kernels.map { kernel -> KernelEstimate in
            var estimate = kernel
            estimate.seconds = kernel.seconds * stretch
            estimate.joules = boards * (config.idlePowerWatts * estimate.seconds
                + Double(kernel.bytes) * c.energyPerByteAboveIdleJoules + Double(kernel.flops) * c.energyPerFLOPAboveIdleJoules)
            return estimate
        }
        let reductions = allReduces.map { allReduce -> AllReduceEstimate in
            var estimate = allReduce
            estimate.joules = boards * config.idlePowerWatts * allReduce.seconds
            return estimate
        }
        let idleJoules = config.idlePowerWatts * seconds
        let joules = boards * (idleJoules + memoryJoules + computeJoules)
        return GPUStepResult(seconds: seconds, joules: joules,
                             averagePowerWatts: seconds > 0 ? joules / boards / seconds : config.idlePowerWatts,
                             powerCapped: powerCapped, bytes: bytes, flops: flops, kernels: estimates,
                             energyBreakdownJoules: ["idle": boards * idleJoules, "memory": boards * memoryJoules,
                                                     "compute": boards * computeJoules],
                             gpus: gpus, allReduces: reductions)
    }

    /// The FP16 bytes (weights + KV cache) `graph` needs on each GPU (its tensor-parallel share
    /// for several GPUs) and the bytes one GPU has, when the step does not fit; nil when it does.
    /// - Throws: `InputError` if a byte count overflows `Int64`, or `gpus` does not divide the
    ///   model (see `deviceGraph`).
    public func memoryShortfall(_ graph: Graph) throws -> (neededBytes: Int64, availableBytes: Int64)? {
        let needed = try MemoryFootprint(try deviceGraph(graph)).totalBytes()
        return needed > config.memoryCapacityBytes ? (needed, config.memoryCapacityBytes) : nil
    }

    /// The FP16 bytes one GPU holds for `graph` (a whole step): the weights of its tensor-parallel
    /// share (norms replicated and counted fully; the whole model on one GPU) and its KV cache
    /// after the step (kvHeads / `gpus` heads). Activations and workspace are not counted.
    /// - Throws: `InputError` if a byte count overflows `Int64`, or `gpus` does not divide the
    ///   model (see `deviceGraph`).
    public func memoryPerGPU(_ graph: Graph) throws -> (weightBytes: Int64, kvCacheBytes: Int64) {
        let footprint = try MemoryFootprint(try deviceGraph(graph))
        return (footprint.weightBytes, footprint.kvCacheBytes)
    }
}
