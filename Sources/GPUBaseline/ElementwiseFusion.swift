/// How a framework launches the graph's elementwise work on the GPU: RMSNorm, activation
/// quantisation, residual adds and the gated activation.
public enum ElementwiseFusion: String, CaseIterable, Sendable {
    /// One kernel per graph node, each reading its inputs from memory and writing its output back
    /// (eager PyTorch, Hugging Face transformers).
    case unfused
    /// A chain of elementwise nodes, each consuming the one before, runs as one kernel (vLLM's
    /// `fused_add_rms_norm` and `silu_and_mul`, TensorRT-LLM's fused norm plugins): one launch per
    /// chain, and an intermediate tensor is neither written nor read back unless a later kernel
    /// still needs it (the residual stream is still written for the next residual add).
    case fused
}
