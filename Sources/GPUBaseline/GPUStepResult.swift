import TritModel

/// The modelled time and energy of one inference step (a `Graph`) on a GPU, or on a group of
/// `gpus` GPUs splitting the model by tensor parallelism.
public struct GPUStepResult: Sendable {
    /// Step time, in seconds: the kernels (stretched if power-capped) plus the all-reduces.
    public var seconds: Double
    /// Energy of the step on all `gpus` boards, in joules.
    public var joules: Double
    /// Average power of one board, in watts: `joules / gpus / seconds`; never above the board
    /// power limit.
    public var averagePowerWatts: Double
    /// Whether the step would have exceeded the board power limit and was slowed to it.
    public var powerCapped: Bool
    /// Bytes moved in the device memory of one GPU.
    public var bytes: Int64
    /// FLOPs executed by one GPU (2 × MACs + vector operations).
    public var flops: Int64
    /// Per-kernel estimates of one GPU, in execution order (every GPU of the group runs the same
    /// kernels in lock step); each kernel's `joules` is its energy on all `gpus` boards.
    public var kernels: [KernelEstimate]
    /// Energy split, in joules, over all `gpus` boards: `idle` (idle power × time, all-reduces
    /// included), `memory` (bytes × energy per byte above idle), `compute` (FLOPs × energy per FLOP
    /// above idle). The values sum to `joules`.
    public var energyBreakdownJoules: [String: Double]
    /// GPUs in the tensor-parallel group (1: one GPU).
    public var gpus: Int
    /// The all-reduces between the GPUs, in execution order; empty for one GPU.
    public var allReduces: [AllReduceEstimate]

    /// Memberwise initialiser.
    public init(seconds: Double, joules: Double, averagePowerWatts: Double, powerCapped: Bool, bytes: Int64, flops: Int64,
                kernels: [KernelEstimate], energyBreakdownJoules: [String: Double], gpus: Int = 1, allReduces: [AllReduceEstimate] = []) {
        self.seconds = seconds
        self.joules = joules
        self.averagePowerWatts = averagePowerWatts
        self.powerCapped = powerCapped
        self.bytes = bytes
        self.flops = flops
        self.kernels = kernels
        self.energyBreakdownJoules = energyBreakdownJoules
        self.gpus = gpus
        self.allReduces = allReduces
    }

    /// Time of all the step's all-reduces, in seconds (0 for one GPU).
    public var allReduceSeconds: Double { allReduces.reduce(0) { $0 + $1.seconds } }

    /// Energy of all boards during the all-reduces, in joules (0 for one GPU).
    public var allReduceJoules: Double { allReduces.reduce(0) { $0 + $1.joules } }

    /// Time and energy summed per layer category over the kernels (all-reduces excluded: see
    /// `allReduceSeconds`), sorted by category (`LayerCategory` order); categories with no
    /// kernels are omitted.
    public func byCategory() -> [(category: LayerCategory, seconds: Double, joules: Double)] {
        var seconds: [LayerCategory: Double] = [:]
        var joules: [LayerCategory: Double] = [:]
        for kernel in kernels {
            seconds[kernel.category, default: 0] += kernel.seconds
            joules[kernel.category, default: 0] += kernel.joules
        }
        return seconds.keys.sorted().map { (category: $0, seconds: seconds[$0] ?? 0, joules: joules[$0] ?? 0) }
    }
}
