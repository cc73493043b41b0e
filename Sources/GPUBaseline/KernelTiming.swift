import TritCore

/// Time of one FP16 kernel on one GPU: the roofline with shape-dependent efficiencies.
///
/// `seconds = overhead(mode) [+ linearKernelLatency for GEMMs] + max(memorySeconds, computeSeconds)`.
/// All constants come from `GPUConfig` (datasheet) and `GPUCalibration` (fitted).
struct KernelTiming: Sendable {
    /// Total kernel time, in seconds.
    var seconds: Double
    /// Time to move the kernel's bytes at the achievable bandwidth, in seconds.
    var memorySeconds: Double
    /// Time for its tensor and vector FLOPs at the achievable throughputs, in seconds.
    var computeSeconds: Double

    /// Whether memory time is the larger term.
    var memoryBound: Bool { memorySeconds >= computeSeconds }

    /// Times a kernel moving `bytes` and computing `tensorFLOPs` + `vectorFLOPs`, of `shape`.
    init(gpu: GPUConfig, mode: ExecutionMode, bytes: Double, tensorFLOPs: Double, vectorFLOPs: Double, shape: FP16Kernel.Shape) {
        let c = gpu.calibration
        // Achievable bandwidth: long-transfer fraction of peak, a short-transfer ramp, and for a
        // GEMV the parallelism available in its output rows.
        var bandwidth = gpu.peakMemoryBandwidthBytesPerSecond * c.achievableBandwidthFraction
            * bytes / (bytes + c.halfBandwidthTransferBytes)
        var fixed = c.kernelOverheadSeconds(mode)
        var tensorSeconds = 0.0
        switch shape {
        case let .linear(m, k, n):
            bandwidth *= Double(n) / (Double(n) + c.halfBandwidthOutputRows)
            fixed += c.linearKernelLatencySeconds
            tensorSeconds = KernelTiming.gemmComputeSeconds(gpu: gpu, m: m, k: k, n: n)
        case let .attention(rows):
            let paddedRows = Double(ceilDiv(max(1, rows), c.tileRows) * c.tileRows)
            let efficiency = KernelTiming.tensorEfficiency(c, paddedRows: paddedRows) * Double(max(1, rows)) / paddedRows
            tensorSeconds = tensorFLOPs / (gpu.peakFP16TensorFLOPS * efficiency)
        case .elementwise:
            tensorSeconds = tensorFLOPs / (gpu.peakFP16TensorFLOPS * c.tensorCoreEfficiency)
        }
        memorySeconds = bytes > 0 ? bytes / bandwidth : 0
        computeSeconds = tensorSeconds + vectorFLOPs / gpu.peakFP32VectorFLOPS
        seconds = fixed + max(memorySeconds, computeSeconds)
    }

    /// Tensor-core time of `F.linear(x[m, k], W[n, k])`: output tiles of tileRows × tileColumns,
    /// run in waves of one tile per SM, each tile at the per-SM peak × efficiency(padded M).
    /// In the GEMV regime (m ≤ gemvMaximumTokenRows) there is no tile quantisation: the FLOPs run
    /// at peak × tensorCoreEfficiency, far below the memory time, so the kernel is memory-bound.
    static func gemmComputeSeconds(gpu: GPUConfig, m: Int, k: Int, n: Int) -> Double {
        let c = gpu.calibration
        if m <= c.gemvMaximumTokenRows {
            return 2 * Double(m) * Double(k) * Double(n) / (gpu.peakFP16TensorFLOPS * c.tensorCoreEfficiency)
        }
        let tilesM = ceilDiv(max(1, m), c.tileRows)
        let tilesN = ceilDiv(max(1, n), c.tileColumns)
        let waves = (Double(tilesM) * Double(tilesN) / Double(gpu.streamingMultiprocessors)).rounded(.up)
        let paddedRows = Double(tilesM * c.tileRows)
        let tileFLOPs = 2 * Double(c.tileRows) * Double(c.tileColumns) * Double(k)
        let perSMFLOPS = gpu.peakFP16TensorFLOPS / Double(gpu.streamingMultiprocessors)
        return waves * tileFLOPs / (perSMFLOPS * tensorEfficiency(c, paddedRows: paddedRows))
    }

    /// Tensor-core efficiency at `paddedRows` token rows: tensorCoreEfficiency × Mpad / (Mpad + half).
    static func tensorEfficiency(_ c: GPUCalibration, paddedRows: Double) -> Double {
        c.tensorCoreEfficiency * paddedRows / (paddedRows + c.halfEfficiencyTokenRows)
    }
}
