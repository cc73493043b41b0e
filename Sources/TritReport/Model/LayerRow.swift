/// Time and energy of one layer category (e.g. `"BitLinear"`, `"attention"`, `"lm_head"`) in one
/// phase, on both platforms. One row of `layers.csv`.
public struct LayerRow: Sendable, Equatable {
    /// `"prefill"` or `"decode"`.
    public var phase: String
    /// The layer category, as named by whoever built the report.
    public var category: String
    /// Chip time spent in this category over the whole phase, in seconds.
    public var chipSeconds: Double
    /// Chip energy spent in this category over the whole phase, in joules.
    public var chipJoules: Double
    /// Bytes the chip moved to or from off-chip memory for this category over the whole phase.
    public var chipDRAMBytes: Double
    /// GPU time spent in this category over the whole phase, in seconds.
    public var gpuSeconds: Double
    /// GPU energy spent in this category over the whole phase, in joules.
    public var gpuJoules: Double

    /// Creates a row; see the properties for units.
    public init(phase: String, category: String, chipSeconds: Double, chipJoules: Double, chipDRAMBytes: Double,
                gpuSeconds: Double, gpuJoules: Double) {
        self.phase = phase
        self.category = category
        self.chipSeconds = chipSeconds
        self.chipJoules = chipJoules
        self.chipDRAMBytes = chipDRAMBytes
        self.gpuSeconds = gpuSeconds
        self.gpuJoules = gpuJoules
    }
}
