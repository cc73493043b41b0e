import TritCore

/// The fitted (non-datasheet) parameters of the GPU kernel model, read from the `calibration`
/// object of a `Configs/gpus/*.json` file.
///
/// For the H200 they are fitted to real measurements (`Configs/validation/h200-fp16-calibration.json`,
/// fitting script `Configs/gpus/fit-h200-calibration.py`); GPUs without measurements reuse the
/// H200 values, as each file's `calibration.note` says. The formulas that use them are documented
/// on `GPUModel`.
public struct GPUCalibration: Equatable, Sendable {
    /// How the numbers were obtained (free text, required so every file says it).
    public var note: String
    /// Long-transfer achievable bandwidth as a fraction of the datasheet peak, in (0, 1].
    public var achievableBandwidthFraction: Double
    /// Transfer size in bytes at which a kernel reaches half its long-transfer bandwidth
    /// (bandwidth × bytes / (bytes + this)): the short-transfer ramp.
    public var halfBandwidthTransferBytes: Double
    /// Output rows (N of a linear layer) at which a memory-bound GEMV reaches half its bandwidth
    /// (× N / (N + this)): fewer output rows leave SMs without independent work.
    public var halfBandwidthOutputRows: Double
    /// Fixed cost per kernel under CUDA-graph replay, in seconds.
    public var kernelOverheadGraphSeconds: Double
    /// Fixed cost per kernel under eager launches, in seconds.
    public var kernelOverheadEagerSeconds: Double
    /// Extra fixed latency of a library GEMM/GEMV kernel (cuBLAS) beyond the per-kernel overhead, in seconds.
    public var linearKernelLatencySeconds: Double
    /// Best fraction of the peak tensor FLOP/s a large GEMM tile sustains, in (0, 1].
    public var tensorCoreEfficiency: Double
    /// Token rows (padded M) at which tensor-core efficiency is half of `tensorCoreEfficiency`
    /// (× Mpad / (Mpad + this)).
    public var halfEfficiencyTokenRows: Double
    /// Largest token count (M) for which a GEMM runs as a memory-bound GEMV (no tile quantisation).
    public var gemvMaximumTokenRows: Int
    /// Rows (M) of one GEMM output tile, for tile and wave quantisation.
    public var tileRows: Int
    /// Columns (N) of one GEMM output tile, for tile and wave quantisation.
    public var tileColumns: Int
    /// Board energy per byte moved to or from memory, above idle, in joules.
    public var energyPerByteAboveIdleJoules: Double
    /// Board energy per FLOP, above idle, in joules.
    public var energyPerFLOPAboveIdleJoules: Double

    /// Memberwise initialiser (no validation; `parse` validates file input).
    public init(note: String, achievableBandwidthFraction: Double, halfBandwidthTransferBytes: Double,
                halfBandwidthOutputRows: Double, kernelOverheadGraphSeconds: Double, kernelOverheadEagerSeconds: Double,
                linearKernelLatencySeconds: Double, tensorCoreEfficiency: Double, halfEfficiencyTokenRows: Double,
                gemvMaximumTokenRows: Int, tileRows: Int, tileColumns: Int, energyPerByteAboveIdleJoules: Double, energyPerFLOPAboveIdleJoules: Double) {
        self.note = note
        self.achievableBandwidthFraction = achievableBandwidthFraction
        self.halfBandwidthTransferBytes = halfBandwidthTransferBytes
        self.halfBandwidthOutputRows = halfBandwidthOutputRows
        self.kernelOverheadGraphSeconds = kernelOverheadGraphSeconds
        self.kernelOverheadEagerSeconds = kernelOverheadEagerSeconds
        self.linearKernelLatencySeconds = linearKernelLatencySeconds
        self.tensorCoreEfficiency = tensorCoreEfficiency
        self.halfEfficiencyTokenRows = halfEfficiencyTokenRows
        self.gemvMaximumTokenRows = gemvMaximumTokenRows
        self.tileRows = tileRows
        self.tileColumns = tileColumns
        self.energyPerByteAboveIdleJoules = energyPerByteAboveIdleJoules
        self.energyPerFLOPAboveIdleJoules = energyPerFLOPAboveIdleJoules
    }

    /// The field names of the `calibration` object.
    public static let fields = [
        "note", "achievableBandwidthFraction", "halfBandwidthTransferBytes", "halfBandwidthOutputRows",
        "kernelOverheadGraphSeconds", "kernelOverheadEagerSeconds", "linearKernelLatencySeconds",
        "tensorCoreEfficiency", "halfEfficiencyTokenRows", "gemvMaximumTokenRows", "tileRows", "tileColumns",
        "energyPerByteAboveIdleJoules", "energyPerFLOPAboveIdleJoules",
    ]

    /// Reads the `calibration` object.
    /// - Throws: `InputError` naming the file and `calibration.<field>` for an unknown or missing
    ///   field, a value ≤ 0, or a fraction/efficiency above 1.
    public static func parse(_ json: JSONObjectReader) throws -> GPUCalibration {
        try json.rejectUnknownKeys(fields)
        let unitInterval = Double.leastNonzeroMagnitude...1.0
        return GPUCalibration(
            note: try json.string("note"),
            achievableBandwidthFraction: try json.double("achievableBandwidthFraction", in: unitInterval, describing: "a number in (0, 1]"),
            halfBandwidthTransferBytes: try json.positiveDouble("halfBandwidthTransferBytes"),
            halfBandwidthOutputRows: try json.positiveDouble("halfBandwidthOutputRows"),
            kernelOverheadGraphSeconds: try json.positiveDouble("kernelOverheadGraphSeconds"),
            kernelOverheadEagerSeconds: try json.positiveDouble("kernelOverheadEagerSeconds"),
            linearKernelLatencySeconds: try json.positiveDouble("linearKernelLatencySeconds"),
            tensorCoreEfficiency: try json.double("tensorCoreEfficiency", in: unitInterval, describing: "a number in (0, 1]"),
            halfEfficiencyTokenRows: try json.positiveDouble("halfEfficiencyTokenRows"),
            gemvMaximumTokenRows: try json.positiveInt("gemvMaximumTokenRows"),
            tileRows: try json.positiveInt("tileRows"),
            tileColumns: try json.positiveInt("tileColumns"),
            energyPerByteAboveIdleJoules: try json.positiveDouble("energyPerByteAboveIdleJoules"),
            energyPerFLOPAboveIdleJoules: try json.positiveDouble("energyPerFLOPAboveIdleJoules"))
    }

    /// The per-kernel fixed cost of `mode`, in seconds.
    public func kernelOverheadSeconds(_ mode: ExecutionMode) -> Double {
        switch mode {
        case .graph: return kernelOverheadGraphSeconds
        case .eager: return kernelOverheadEagerSeconds
        }
    }
}
