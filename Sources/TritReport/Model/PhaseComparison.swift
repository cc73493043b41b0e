/// The chip and the GPU side by side in one phase.
public struct PhaseComparison: Sendable, Equatable {
    /// `"prefill"` or `"decode"`.
    public var phase: String
    /// What the phase covered, for people: `"512 prompt tokens"`,
    /// `"128 tokens, batch 1, context 512→639"`.
    public var detail: String
    /// The ternary chip's result.
    public var chip: PlatformPhaseResult
    /// The GPU's result.
    public var gpu: PlatformPhaseResult
    /// Where the chip's time went.
    public var chipTime: ChipTimeBreakdown

    /// Creates a comparison for one phase.
    public init(phase: String, detail: String, chip: PlatformPhaseResult, gpu: PlatformPhaseResult, chipTime: ChipTimeBreakdown) {
        self.phase = phase
        self.detail = detail
        self.chip = chip
        self.gpu = gpu
        self.chipTime = chipTime
    }

    /// GPU latency over chip latency: above 1 the chip is faster.
    public var speedUp: Double { gpu.latencySeconds / chip.latencySeconds }

    /// GPU energy per token over chip energy per token: above 1 the chip uses less energy.
    public var energyRatio: Double { gpu.joulesPerToken / chip.joulesPerToken }

    /// Chip throughput over GPU throughput: above 1 the chip produces more tokens per second.
    public var throughputRatio: Double { chip.tokensPerSecond / gpu.tokensPerSecond }
}
