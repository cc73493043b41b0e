import TritModel

/// The modelled cost of one ring all-reduce between the GPUs of a tensor-parallel group
/// (`GPUModel` with `gpus` > 1): after a row-parallel linear layer (o_proj, down_proj), the
/// vocab-parallel embedding, or a BitNet sub-layer norm's statistics
/// (`GraphNode.tensorParallelAllReduceBytes`).
public struct AllReduceEstimate: Sendable, Equatable {
    /// `<node name>.all_reduce`, e.g. `model.layers.3.self_attn.o_proj.all_reduce`.
    public var name: String
    /// Breakdown category of the node whose output is reduced.
    public var category: LayerCategory
    /// Bytes each GPU contributes (b: the reduced range).
    public var bytes: Int64
    /// Bytes each GPU sends (and receives) over the interconnect: ⌈2(N − 1) × b / N⌉.
    public var bytesSentPerGPU: Int64
    /// Wall-clock time, in seconds: 2(N − 1) × link latency + bytes sent / link bandwidth
    /// (`RingAllReduce`).
    public var seconds: Double
    /// Energy of all N boards while it runs, in joules: idle power × seconds × N (no energy per
    /// bit moved over the link is modelled: no sourced figure, see `Sources/GPUBaseline/README.md`).
    public var joules: Double

    /// Memberwise initialiser.
    public init(name: String, category: LayerCategory, bytes: Int64, bytesSentPerGPU: Int64, seconds: Double, joules: Double) {
        self.name = name
        self.category = category
        self.bytes = bytes
        self.bytesSentPerGPU = bytesSentPerGPU
        self.seconds = seconds
        self.joules = joules
    }
}
