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
public struct GPUModel: Sendable {
    /// The GPU being modelled.
    public let config: GPUConfig

    /// A model of `config`.
    public init(config: GPUConfig) { self.config = config }

    /// Time and energy of one step.
    /// - Parameters:
    ///   - graph: the step (prefill or decode) of one model.
    ///   - mode: CUDA-graph replay (default) or eager launches.
    ///   - checkingMemory: whether to refuse a model that does not fit the GPU's memory; false
    ///     models an idealised GPU with this one's bandwidth and compute but enough memory (used
    ///     when a multi-chip system runs a model one GPU cannot hold, see `memoryShortfall`).
    /// - Throws: `InputError` if the model's FP16 weights plus KV cache exceed the GPU's memory
    ///   (the message gives GB needed and available), or a byte/FLOP count overflows.
    public func run(_ graph: Graph, mode: ExecutionMode = .graph, checkingMemory: Bool = true) throws -> GPUStepResult {
        if checkingMemory { try MemoryFootprint(graph).check(fitsIn: config, model: graph.model.name) }
        let kernels = try FP16Kernel.kernels(of: graph)
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
        return applyEnergyAndPowerCap(estimates, bytes: bytes, flops: flops)
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
        let c = config.calibration
        let watts = config.idlePowerWatts + (bytes * c.energyPerByteAboveIdleJoules + flops * c.energyPerFLOPAboveIdleJoules) / max(seconds, 1e-15)
        return watts > config.boardPowerLimitWatts ? (config.boardPowerLimitWatts, true) : (watts, false)
    }

    /// Adds energies, and stretches all kernels uniformly if the average power exceeds the limit.
    private func applyEnergyAndPowerCap(_ kernels: [KernelEstimate], bytes: Int64, flops: Int64) -> GPUStepResult {
        let c = config.calibration
        let memoryJoules = Double(bytes) * c.energyPerByteAboveIdleJoules
        let computeJoules = Double(flops) * c.energyPerFLOPAboveIdleJoules
        let uncappedSeconds = kernels.reduce(0) { $0 + $1.seconds }
        // Time at which idle + dynamic energy averages exactly the board limit.
        let cappedSeconds = (memoryJoules + computeJoules) / (config.boardPowerLimitWatts - config.idlePowerWatts)
        let powerCapped = cappedSeconds > uncappedSeconds
        let stretch = powerCapped && uncappedSeconds > 0 ? cappedSeconds / uncappedSeconds : 1
        let seconds = uncappedSeconds * stretch
        let estimates = kernels.map { kernel -> KernelEstimate in
            var estimate = kernel
            estimate.seconds = kernel.seconds * stretch
            estimate.joules = config.idlePowerWatts * estimate.seconds
                + Double(kernel.bytes) * c.energyPerByteAboveIdleJoules + Double(kernel.flops) * c.energyPerFLOPAboveIdleJoules
            return estimate
        }
        let idleJoules = config.idlePowerWatts * seconds
        let joules = idleJoules + memoryJoules + computeJoules
        return GPUStepResult(seconds: seconds, joules: joules, averagePowerWatts: seconds > 0 ? joules / seconds : config.idlePowerWatts,
                             powerCapped: powerCapped, bytes: bytes, flops: flops, kernels: estimates,
                             energyBreakdownJoules: ["idle": idleJoules, "memory": memoryJoules, "compute": computeJoules])
    }

    /// The FP16 bytes (weights + KV cache) `graph` needs and the bytes the GPU has, when the step
    /// does not fit; nil when it does.
    /// - Throws: `InputError` if a byte count overflows `Int64`.
    public func memoryShortfall(_ graph: Graph) throws -> (neededBytes: Int64, availableBytes: Int64)? {
        let footprint = try MemoryFootprint(graph)
        let needed = try Checked.add(footprint.weightBytes, footprint.kvCacheBytes, "FP16 weights + KV cache bytes")
        return needed > config.memoryCapacityBytes ? (needed, config.memoryCapacityBytes) : nil
    }
}
