/// What one platform (the ternary chip or the GPU) achieved in one phase (prefill or decode).
///
/// All quantities are in SI base units. The report only formats these numbers; it never derives
/// them from hardware parameters.
public struct PlatformPhaseResult: Sendable, Equatable {
    /// Latency in seconds: time to first token (TTFT, the whole prompt) for prefill, time per
    /// output token (TPOT, one decode step for the whole batch) for decode.
    public var latencySeconds: Double
    /// Throughput in tokens per second over the phase (prompt tokens for prefill, generated tokens
    /// summed over the batch for decode).
    public var tokensPerSecond: Double
    /// Energy per token in joules (`totalJoules` divided by the tokens of the phase).
    public var joulesPerToken: Double
    /// Wall time of the whole phase, in seconds.
    public var totalSeconds: Double
    /// Energy of the whole phase, in joules.
    public var totalJoules: Double
    /// Energy of the whole phase by component (e.g. `"dram"`, `"sram"`, `"array"`, `"leakage"`),
    /// in joules. The parts are expected to sum to `totalJoules`.
    public var energyBreakdownJoules: [String: Double]

    /// Creates a result; see the properties for units.
    public init(latencySeconds: Double, tokensPerSecond: Double, joulesPerToken: Double,
                totalSeconds: Double, totalJoules: Double, energyBreakdownJoules: [String: Double]) {
        self.latencySeconds = latencySeconds
        self.tokensPerSecond = tokensPerSecond
        self.joulesPerToken = joulesPerToken
        self.totalSeconds = totalSeconds
        self.totalJoules = totalJoules
        self.energyBreakdownJoules = energyBreakdownJoules
    }
}
