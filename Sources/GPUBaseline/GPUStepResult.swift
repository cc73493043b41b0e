import TritModel

/// The modelled time and energy of one inference step (a `Graph`) on a GPU.
public struct GPUStepResult: Sendable {
    /// Step time, in seconds (sum of kernel times; stretched if power-capped).
    public var seconds: Double
    /// Board energy of the step, in joules.
    public var joules: Double
    /// `joules / seconds`, in watts; never above the board power limit.
    public var averagePowerWatts: Double
    /// Whether the step would have exceeded the board power limit and was slowed to it.
    public var powerCapped: Bool
    /// Bytes moved in device memory.
    public var bytes: Int64
    /// FLOPs executed (2 × MACs + vector operations).
    public var flops: Int64
    /// Per-kernel estimates, in execution order.
    public var kernels: [KernelEstimate]
    /// Energy split, in joules: `idle` (idle power × time), `memory` (bytes × energy per byte above
    /// idle), `compute` (FLOPs × energy per FLOP above idle). The values sum to `joules`.
    public var energyBreakdownJoules: [String: Double]

    /// Memberwise initialiser.
    public init(seconds: Double, joules: Double, averagePowerWatts: Double, powerCapped: Bool, bytes: Int64, flops: Int64,
                kernels: [KernelEstimate], energyBreakdownJoules: [String: Double]) {
        self.seconds = seconds
        self.joules = joules
        self.averagePowerWatts = averagePowerWatts
        self.powerCapped = powerCapped
        self.bytes = bytes
        self.flops = flops
        self.kernels = kernels
        self.energyBreakdownJoules = energyBreakdownJoules
    }

    /// Time and energy summed per layer category, sorted by category (`LayerCategory` order);
    /// categories with no kernels are omitted.
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
