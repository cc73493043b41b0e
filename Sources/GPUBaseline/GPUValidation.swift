import Foundation

/// The FP16 GPU model against measurements of a real GPU (`GPUMeasurements`): one row per measured
/// point with the modelled value and the error, grouped by what was measured, with the median and
/// largest absolute error of each group. `tritsim validate gpu` prints it.
public struct GPUValidation: Sendable {
    /// One measured point.
    public struct Row: Equatable, Sendable {
        /// What was measured (`2b4t.q/o M=1 K=2560 N=2560`).
        public let label: String
        /// Measured and modelled values in `Group.unit`.
        public let measured: Double
        public let modelled: Double
        /// modelled / measured − 1.
        public var error: Double { modelled / measured - 1 }
    }

    /// The points of one kind.
    public struct Group: Equatable, Sendable {
        public let name: String
        /// The unit of the rows' values (`µs`, `W`).
        public let unit: String
        public let rows: [Row]
        /// The issue-5 acceptance bounds on the median and the largest |error|, when the group has them.
        public let medianBound: Double?
        public let maximumBound: Double?
        /// What the group compares, in a sentence.
        public let note: String

        /// Median of |error| over the rows (0 without rows).
        public var medianAbsoluteError: Double {
            let sorted = rows.map { abs($0.error) }.sorted()
            guard !sorted.isEmpty else { return 0 }
            let middle = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        }

        /// Largest |error| over the rows (0 without rows).
        public var maximumAbsoluteError: Double { rows.map { abs($0.error) }.max() ?? 0 }

        /// Whether the group is within its bounds (true when it has none).
        public var withinBounds: Bool {
            (medianBound.map { medianAbsoluteError <= $0 } ?? true) && (maximumBound.map { maximumAbsoluteError <= $0 } ?? true)
        }
    }

    /// Issue 5 acceptance: over the GEMM table in `graph` mode, median |error| ≤ 8 % and max ≤ 25 %;
    /// sustained power points within 10 %.
    public static let gemmGraphMedianBound = 0.08
    public static let gemmGraphMaximumBound = 0.25
    public static let powerBound = 0.10

    public let groups: [Group]

    /// Compares `model` with every point of `measurements`.
    /// - Throws: `InputError` if a byte or FLOP count of a measured shape overflows.
    public init(model: GPUModel, measurements: GPUMeasurements) throws {
        func gemmLabel(_ g: GPUMeasurements.GEMM) -> String { "\(g.label) M=\(g.m) K=\(g.k) N=\(g.n)" }
        let graphRows = measurements.gemms.compactMap { g in
            g.graphSeconds.map { Row(label: gemmLabel(g), measured: $0 * 1e6, modelled: model.gemmSeconds(m: g.m, k: g.k, n: g.n, mode: .graph) * 1e6) }
        }
        let eagerRows = measurements.gemms.compactMap { g in
            g.eagerSeconds.map { Row(label: gemmLabel(g), measured: $0 * 1e6, modelled: model.gemmSeconds(m: g.m, k: g.k, n: g.n, mode: .eager) * 1e6) }
        }
        let attentionRows = try measurements.decodeAttention.map { a in
            Row(label: "B=\(a.batch) heads=\(a.heads)/\(a.kvHeads) d=\(a.headDim) ctx=\(a.context)", measured: a.seconds * 1e6,
                modelled: try model.decodeAttentionSeconds(batch: a.batch, heads: a.heads, kvHeads: a.kvHeads, headDim: a.headDim,
                                                            context: a.context, mode: .eager) * 1e6)
        }
        // Sustained loops: each call's modelled time, the power of the loop at that time, and the
        // energy of one call (power × time; dynamic energy per byte and per FLOP does not depend on
        // the rate, only the idle share does).
        var loops: [(label: String, measuredSeconds: Double, measuredWatts: Double, modelledSeconds: Double, modelledWatts: Double)] = []
        if let copy = measurements.copy {
            let seconds = model.copySeconds(bytes: copy.bytesPerCall, mode: .graph)
            loops.append(("\(copy.power.name) (\(Self.format(copy.bytesPerCall / 1e9)) GB read + written per call)",
                          copy.power.secondsPerCall, copy.power.averageWatts, seconds,
                          model.loopPower(bytes: copy.bytesPerCall, flops: 0, seconds: seconds).watts))
        }
        if let loop = measurements.gemmLoop {
            let n = Double(loop.size)
            let seconds = model.gemmSeconds(m: loop.size, k: loop.size, n: loop.size, mode: .graph)
            loops.append(("\(loop.power.name) (\(loop.size)³ FP16 GEMMs)", loop.power.secondsPerCall, loop.power.averageWatts, seconds,
                          model.loopPower(bytes: 3 * n * n * 2, flops: 2 * n * n * n, seconds: seconds).watts))
        }
        let powerRows = loops.map { Row(label: $0.label, measured: $0.measuredWatts, modelled: $0.modelledWatts) }
        let energyRows = loops.map { Row(label: $0.label, measured: $0.measuredWatts * $0.measuredSeconds * 1e3,
                                         modelled: $0.modelledWatts * $0.modelledSeconds * 1e3) }
        let loopTimeRows = loops.map { Row(label: $0.label, measured: $0.measuredSeconds * 1e6, modelled: $0.modelledSeconds * 1e6) }
        groups = [
            Group(name: "GEMM, CUDA graph", unit: "µs", rows: graphRows, medianBound: Self.gemmGraphMedianBound,
                  maximumBound: Self.gemmGraphMaximumBound,
                  note: "F.linear back to back in a CUDA graph (us_per_gemm_graph) against the model in graph mode"),
            Group(name: "GEMM, single eager launch", unit: "µs", rows: eagerRows, medianBound: nil, maximumBound: nil,
                  note: "one F.linear launch timed alone (us_single_eager) against the model in eager mode"),
            Group(name: "decode attention (SDPA)", unit: "µs", rows: attentionRows, medianBound: nil, maximumBound: nil,
                  note: "one decode attention call against the fused attention kernel in eager mode; the file does not say how the calls were timed"),
            Group(name: "sustained loops: time per call", unit: "µs", rows: loopTimeRows, medianBound: nil, maximumBound: nil,
                  note: "one call of a ~2 s loop against the model in graph mode (the model runs at the burst clocks of the GEMM table)"),
            Group(name: "sustained loops: power", unit: "W", rows: powerRows, medianBound: nil, maximumBound: Self.powerBound,
                  note: "average board power of the loop against idle + energy per byte and per FLOP over the modelled time of a call"),
            Group(name: "sustained loops: energy per call", unit: "mJ", rows: energyRows, medianBound: nil, maximumBound: Self.powerBound,
                  note: "average power × time of one call, measured and modelled"),
        ].filter { !$0.rows.isEmpty }
    }

    /// `value` with three significant digits, for labels.
    static func format(_ value: Double) -> String { String(format: "%.3g", value) }
}
