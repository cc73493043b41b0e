import Foundation
import TritCore

/// Measurements of one real GPU that the FP16 baseline is validated against (`tritsim validate
/// gpu`): FP16 `F.linear` GEMM times, decode attention times and sustained power points. The file
/// format is the one of `Configs/validation/h200-fp16-calibration.json`, documented in
/// `Configs/validation/README.md` so users can measure their own GPU.
public struct GPUMeasurements: Equatable, Sendable {
    /// One FP16 GEMM `F.linear(x[m, k], W[n, k])` measured in one or both execution modes.
    public struct GEMM: Equatable, Sendable {
        public let label: String
        public let m: Int, k: Int, n: Int
        /// Per call back to back in a CUDA graph (weights never L2-resident), seconds.
        public let graphSeconds: Double?
        /// One launch timed on its own (launch latency included), seconds.
        public let eagerSeconds: Double?
    }

    /// One decode attention call (scaled-dot-product attention of one query per sequence).
    public struct DecodeAttention: Equatable, Sendable {
        public let batch: Int, heads: Int, kvHeads: Int, headDim: Int, context: Int
        public let seconds: Double
    }

    /// A sustained loop's average board power at the throughput it reached.
    public struct PowerPoint: Equatable, Sendable {
        /// `copy_sustained` or `fp16_gemm_sustained`.
        public let name: String
        public let averageWatts: Double
        /// Seconds per call of the loop (the loop's time over its calls).
        public let secondsPerCall: Double
    }

    /// The measured device, as the file names it.
    public let device: String
    public let gemms: [GEMM]
    public let decodeAttention: [DecodeAttention]
    /// The sustained device-to-device copy loop: bytes per call count read + write.
    public struct SustainedCopy: Equatable, Sendable {
        public let power: PowerPoint
        public let bytesPerCall: Double
    }

    /// The sustained FP16 GEMM loop of `size`³ GEMMs.
    public struct SustainedGEMM: Equatable, Sendable {
        public let power: PowerPoint
        public let size: Int
    }

    public let copy: SustainedCopy?
    public let gemmLoop: SustainedGEMM?

    /// The largest decode attention call a file may describe, in multiply-adds of one of its two
    /// matrix products: 2^50, far beyond any GPU (an H200 would need minutes), and far from the
    /// 64-bit byte and FLOP counts of the kernel model.
    public static let maximumAttentionMACs: Int64 = 1 << 50

    /// The edge of the sustained GEMM loop's square matrices (`fp16_gemm_sustained` runs 8192³ GEMMs).
    public static let sustainedGEMMSize = 8192

    /// Reads a measurement file.
    /// - Throws: `InputError` naming the file and the field (`gemm[3].us_per_gemm_graph`) when the
    ///   file is not JSON, a field is unknown, missing, of the wrong type or not positive, or the
    ///   file has no GEMM point.
    public static func load(file url: URL, displayName: String? = nil) throws -> GPUMeasurements {
        try parse(try JSONObjectReader.load(file: url, displayName: displayName))
    }

    /// Parses the top-level object of a measurement file; see `load(file:)`.
    public static func parse(_ json: JSONObjectReader) throws -> GPUMeasurements {
        try json.rejectUnknownKeys(["what", "device", "power_limit_w", "max_sm_clock_mhz", "idle_power_w", "ceilings", "gemm_note",
                                    "gemm", "attention_decode_sdpa"])
        let device = try json.object("device")
        let positive = 1e-12...1e12
        let gemms = try json.objects("gemm").map { g -> GEMM in
            try g.rejectUnknownKeys(["label", "M", "K", "N", "us_per_gemm_graph", "us_single_eager", "TFLOPs", "GBps", "copies"])
            let graph = try g.optionalDouble("us_per_gemm_graph", in: positive)
            let eager = try g.optionalDouble("us_single_eager", in: positive)
            guard graph != nil || eager != nil else {
                throw g.error("us_per_gemm_graph", expected: "a time in µs (or us_single_eager)", found: "neither")
            }
            return GEMM(label: try g.string("label"), m: Int(try g.int("M", in: 1...1 << 24)), k: Int(try g.int("K", in: 1...1 << 24)),
                        n: Int(try g.int("N", in: 1...1 << 24)), graphSeconds: graph.map { $0 * 1e-6 }, eagerSeconds: eager.map { $0 * 1e-6 })
        }
        guard !gemms.isEmpty else { throw json.error("gemm", expected: "at least one GEMM point", found: "an empty array") }
        let attention = try (json.contains("attention_decode_sdpa") ? json.objects("attention_decode_sdpa") : []).map { a -> DecodeAttention in
            try a.rejectUnknownKeys(["B", "heads", "kv_heads", "head_dim", "ctx", "us", "GBps"])
            let heads = Int(try a.int("heads", in: 1...1 << 16)), kvHeads = Int(try a.int("kv_heads", in: 1...1 << 16))
            guard heads % kvHeads == 0 else {
                throw a.error("kv_heads", expected: "a divisor of heads (\(heads))", found: "\(kvHeads)")
            }
            let batch = Int(try a.int("B", in: 1...1 << 20)), headDim = Int(try a.int("head_dim", in: 1...1 << 16))
            let context = Int(try a.int("ctx", in: 1...1 << 24))
            // Each field may be in range and their product still overflow the byte and MAC counts.
            let (macs, overflow) = (Int64(batch) * Int64(heads)).multipliedReportingOverflow(by: Int64(headDim) * Int64(context))
            guard !overflow, macs <= maximumAttentionMACs else {
                throw a.error("B", expected: "a call of at most \(maximumAttentionMACs) multiply-adds per matrix product (B × heads × head_dim × ctx)",
                              found: "B \(batch) × heads \(heads) × head_dim \(headDim) × ctx \(context)")
            }
            return DecodeAttention(batch: batch, heads: heads, kvHeads: kvHeads, headDim: headDim, context: context,
                                   seconds: try a.double("us", in: positive) * 1e-6)
        }
        var copy: SustainedCopy? = nil
        var gemmLoop: SustainedGEMM? = nil
        if let ceilings = try json.optionalObject("ceilings") {
            try ceilings.rejectUnknownKeys(["d2d_copy_GBps_rw", "fp16_gemm_8192_TFLOPs", "int8_gemm_8192_TOPs", "fp16_gemm_sustained",
                                            "copy_sustained"])
            let loopKeys = ["calls", "s", "joules", "avg_w", "TFLOPs", "pJ_per_flop", "GBps_rw", "pJ_per_byte"]
            if let c = try ceilings.optionalObject("copy_sustained") {
                try c.rejectUnknownKeys(loopKeys)
                let calls = Double(try c.int("calls", in: 1...1 << 40)), seconds = try c.double("s", in: positive)
                let point = PowerPoint(name: "copy_sustained", averageWatts: try c.double("avg_w", in: positive), secondsPerCall: seconds / calls)
                copy = SustainedCopy(power: point, bytesPerCall: try c.double("GBps_rw", in: positive) * 1e9 * seconds / calls)
            }
            if let g = try ceilings.optionalObject("fp16_gemm_sustained") {
                try g.rejectUnknownKeys(loopKeys)
                let calls = Double(try g.int("calls", in: 1...1 << 40))
                gemmLoop = SustainedGEMM(power: PowerPoint(name: "fp16_gemm_sustained", averageWatts: try g.double("avg_w", in: positive),
                                                           secondsPerCall: try g.double("s", in: positive) / calls),
                                         size: sustainedGEMMSize)
            }
        }
        return GPUMeasurements(device: try device.optionalString("name") ?? "unnamed device", gemms: gemms, decodeAttention: attention,
                               copy: copy, gemmLoop: gemmLoop)
    }
}
