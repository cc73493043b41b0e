import TritModel

/// The modelled cost of one FP16 kernel of a step on a GPU.
public struct KernelEstimate: Sendable {
    /// Kernel name: the graph node's name, or `model.layers.N.self_attn.flash_attention` for the
    /// fused attention of layer N.
    public var name: String
    /// Breakdown category of the graph node(s) it runs.
    public var category: LayerCategory
    /// Wall-clock time, in seconds, including per-kernel overhead (and power-cap stretching).
    public var seconds: Double
    /// Bytes read plus written in device memory (FP16 tensors), on one GPU.
    public var bytes: Int64
    /// FLOPs: 2 × (ternary + full-precision MACs) + vector operations, on one GPU.
    public var flops: Int64
    /// Whether the memory term dominates the compute term of the kernel's roofline.
    public var memoryBound: Bool
    /// Board energy, in joules: idle power × seconds + energy per byte and per FLOP above idle, on
    /// every GPU of a tensor-parallel group (× `GPUStepResult.gpus`; bytes and FLOPs are one GPU's).
    public var joules: Double

    /// Memberwise initialiser.
    public init(name: String, category: LayerCategory, seconds: Double, bytes: Int64, flops: Int64, memoryBound: Bool, joules: Double) {
        self.name = name
        self.category = category
        self.seconds = seconds
        self.bytes = bytes
        self.flops = flops
        self.memoryBound = memoryBound
        self.joules = joules
    }
}
