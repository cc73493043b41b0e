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
    ///   field, or a value outside its range (fractions in 0.01...1, times up to 1 s, energies up
    ///   to 1 µJ per byte or FLOP, counts up to 65,536).
    public static func parse(_ json: JSONObjectReader) throws -> GPUCalibration {
        try json.rejectUnknownKeys(fields)
        // Ranges wide enough for any GPU and any fit, narrow enough that results stay finite.
        func bounded(_ key: String, _ range: ClosedRange<Double>, _ unit: String) throws -> Double {
            try json.double(key, in: range, describing: "\(unit) in \(JSONObjectReader.format(range))")
        }
        func count(_ key: String) throws -> Int { Int(try json.int(key, in: 1...65_536)) }
        // An eager launch pays at least what a CUDA-graph replay does (host dispatch on top of the
        // GPU-side gap); otherwise eager would model faster than graph.
        let graphOverhead = try bounded("kernelOverheadGraphSeconds", 1e-9...1, "s")
        let eagerOverhead = try bounded("kernelOverheadEagerSeconds", 1e-9...1, "s")
        guard eagerOverhead >= graphOverhead else {
            throw json.error("kernelOverheadEagerSeconds", expected: "at least kernelOverheadGraphSeconds (\(graphOverhead) s)",
                             found: "\(eagerOverhead)")
        }
        return GPUCalibration(
            note: try json.string("note"),
            achievableBandwidthFraction: try bounded("achievableBandwidthFraction", 0.01...1, "a fraction"),
            halfBandwidthTransferBytes: try bounded("halfBandwidthTransferBytes", 1...1e12, "bytes"),
            halfBandwidthOutputRows: try bounded("halfBandwidthOutputRows", 1e-3...1e9, "rows"),
            kernelOverheadGraphSeconds: graphOverhead,
            kernelOverheadEagerSeconds: eagerOverhead,
            linearKernelLatencySeconds: try bounded("linearKernelLatencySeconds", 1e-9...1, "s"),
            tensorCoreEfficiency: try bounded("tensorCoreEfficiency", 0.01...1, "a fraction"),
            halfEfficiencyTokenRows: try bounded("halfEfficiencyTokenRows", 1e-3...1e9, "rows"),
            gemvMaximumTokenRows: try count("gemvMaximumTokenRows"),
            tileRows: try count("tileRows"),
            tileColumns: try count("tileColumns"),
            energyPerByteAboveIdleJoules: try bounded("energyPerByteAboveIdleJoules", 1e-15...1e-6, "J/byte"),
            energyPerFLOPAboveIdleJoules: try bounded("energyPerFLOPAboveIdleJoules", 1e-16...1e-6, "J/FLOP"))
    }

    /// The per-kernel fixed cost of `mode`, in seconds.
    public func kernelOverheadSeconds(_ mode: ExecutionMode) -> Double {
        switch mode {
        case .graph: return kernelOverheadGraphSeconds
        case .eager: return kernelOverheadEagerSeconds
        }
    }
}
