/// How the host issues kernels to the GPU, which sets the fixed cost paid per kernel.
public enum ExecutionMode: String, CaseIterable, Sendable {
    /// CUDA-graph replay: the whole step is one pre-recorded graph, so the per-kernel cost is the
    /// GPU-side dispatch gap (`GPUCalibration.kernelOverheadGraphSeconds`, 0.91 µs measured on H200).
    case graph
    /// Eager PyTorch launches: every kernel pays host dispatch and launch latency
    /// (`GPUCalibration.kernelOverheadEagerSeconds`, fitted to single timed launches on H200).
    case eager
}
