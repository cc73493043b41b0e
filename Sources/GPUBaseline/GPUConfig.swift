import Foundation
import TritCore

/// One GPU: datasheet peaks, power envelope and the calibrated kernel-model parameters, as read
/// from `Configs/gpus/<name>.json`. Every number carries a source in the file's `sources` object.
public struct GPUConfig: Equatable, Sendable {
    /// Short name (the file stem, e.g. `h200-sxm`), used in report folder names.
    public var id: String = ""
    /// The file the config was read from, as the user named it (for error messages).
    public var sourceFile: String = ""
    /// Display name, e.g. `NVIDIA H200 SXM`.
    public var name: String
    /// Dense (no 2:4 sparsity) FP16 tensor-core peak, in FLOP/s. Where a GPU's FP16 rate depends
    /// on the accumulator (GeForce), the FP32-accumulate rate that PyTorch/cuBLAS GEMMs run at.
    public var peakFP16TensorFLOPS: Double
    /// Dense (no 2:4 sparsity) INT8 tensor-core peak, in operations/s (2 per multiply-accumulate).
    public var peakINT8TensorOPS: Double
    /// Non-tensor FP32 peak (CUDA cores × clock × 2), in FLOP/s; elementwise work runs here.
    public var peakFP32VectorFLOPS: Double
    /// Datasheet peak memory bandwidth, in bytes/s.
    public var peakMemoryBandwidthBytesPerSecond: Double
    /// Device memory capacity, in bytes (datasheet GB × 10⁹).
    public var memoryCapacityBytes: Int64
    /// Last-level (L2) cache capacity, in bytes (datasheet MB read as MiB, as the devices report it).
    public var l2CacheBytes: Int64
    /// Board power limit (TDP), in watts.
    public var boardPowerLimitWatts: Double
    /// Whole-board idle power, in watts.
    public var idlePowerWatts: Double
    /// Streaming multiprocessors, for wave quantisation of GEMM tiles.
    public var streamingMultiprocessors: Int
    /// Highest (boost) SM clock of the datasheet, in Hz.
    public var boostClockHz: Double
    /// The link to peer GPUs for tensor parallelism; nil when the GPU is modelled alone.
    public var interconnect: GPUInterconnect?
    /// The source of each datasheet field, keyed by field name (dotted for the interconnect's
    /// fields: `interconnect.bandwidthBytesPerSecond`).
    public var sources: [String: String]
    /// The fitted kernel-model parameters.
    public var calibration: GPUCalibration

    /// Memberwise initialiser (no validation; `load(file:)` validates file input).
    public init(name: String, peakFP16TensorFLOPS: Double, peakINT8TensorOPS: Double, peakFP32VectorFLOPS: Double,
                peakMemoryBandwidthBytesPerSecond: Double, memoryCapacityBytes: Int64, l2CacheBytes: Int64, boardPowerLimitWatts: Double,
                idlePowerWatts: Double, streamingMultiprocessors: Int, boostClockHz: Double, interconnect: GPUInterconnect?,
                sources: [String: String], calibration: GPUCalibration) {
        self.name = name
        self.peakFP16TensorFLOPS = peakFP16TensorFLOPS
        self.peakINT8TensorOPS = peakINT8TensorOPS
        self.peakFP32VectorFLOPS = peakFP32VectorFLOPS
        self.peakMemoryBandwidthBytesPerSecond = peakMemoryBandwidthBytesPerSecond
        self.memoryCapacityBytes = memoryCapacityBytes
        self.l2CacheBytes = l2CacheBytes
        self.boardPowerLimitWatts = boardPowerLimitWatts
        self.idlePowerWatts = idlePowerWatts
        self.streamingMultiprocessors = streamingMultiprocessors
        self.boostClockHz = boostClockHz
        self.interconnect = interconnect
        self.sources = sources
        self.calibration = calibration
    }

    /// The datasheet fields, each of which must have an entry in `sources`.
    public static let datasheetFields = [
        "peakFP16TensorFLOPS", "peakINT8TensorOPS", "peakFP32VectorFLOPS", "peakMemoryBandwidthBytesPerSecond",
        "memoryCapacityBytes", "l2CacheBytes", "boardPowerLimitWatts", "idlePowerWatts", "streamingMultiprocessors",
        "boostClockHz",
    ]

    /// The keys this GPU's `sources` must have: `datasheetFields`, plus
    /// `GPUInterconnect.sourcedFields` when it has an interconnect.
    public var sourcedFields: [String] { GPUConfig.sourcedFields(withInterconnect: interconnect != nil) }

    /// `datasheetFields`, plus `GPUInterconnect.sourcedFields` if `withInterconnect`.
    static func sourcedFields(withInterconnect: Bool) -> [String] {
        datasheetFields + (withInterconnect ? GPUInterconnect.sourcedFields : [])
    }

    /// Loads and validates a GPU file.
    /// - Throws: `InputError` naming the file (and the dotted field path) if the file is missing or
    ///   not JSON, a field is unknown or missing, a number is zero, negative or out of its range, a
    ///   datasheet or interconnect field has no source (or an absent interconnect has one), or the
    ///   idle power is above half the board power limit.
    /// - Parameter id: the short name; defaults to the file stem.
    public static func load(file url: URL, id: String? = nil) throws -> GPUConfig {
        var config = try parse(try JSONObjectReader.load(file: url))
        config.id = id ?? url.deletingPathExtension().lastPathComponent
        config.sourceFile = url.path
        return config
    }

    /// Parses the top-level object of a GPU file; see `load(file:)`.
    public static func parse(_ json: JSONObjectReader) throws -> GPUConfig {
        try json.rejectUnknownKeys(["name"] + datasheetFields + [GPUInterconnect.key, "sources", "calibration"])
        // Absent: the GPU is modelled alone (no multi-GPU tensor parallelism).
        let interconnect = json.contains(GPUInterconnect.key) ? try GPUInterconnect.parse(try json.object(GPUInterconnect.key)) : nil
        let sourced = sourcedFields(withInterconnect: interconnect != nil)
        let sourcesReader = try json.object("sources")
        if interconnect == nil, let orphan = sourcesReader.keys.first(where: { GPUInterconnect.sourcedFields.contains($0) }) {
            throw sourcesReader.error(orphan, expected: "no interconnect source when the file has no \"\(GPUInterconnect.key)\" object",
                                      found: "a source for an absent interconnect")
        }
        try sourcesReader.rejectUnknownKeys(sourced + ["calibration"])
        var sources: [String: String] = [:]
        for field in sourcesReader.keys {
            sources[field] = try sourcesReader.string(field)
        }
        for field in sourced where (sources[field] ?? "").isEmpty {
            throw sourcesReader.error(field, expected: "a non-empty source for \(field)", found: "nothing")
        }
        // Ranges span every real GPU with margin (a Jetson to beyond a B200); outside them the
        // kernel model's numbers would be meaningless or not finite.
        func bounded(_ key: String, _ range: ClosedRange<Double>, _ unit: String) throws -> Double {
            try json.double(key, in: range, describing: "\(unit) in \(JSONObjectReader.format(range))")
        }
        let config = GPUConfig(
            name: try json.string("name"),
            peakFP16TensorFLOPS: try bounded("peakFP16TensorFLOPS", 1e9...1e18, "FLOP/s"),
            peakINT8TensorOPS: try bounded("peakINT8TensorOPS", 1e9...1e18, "operations/s"),
            peakFP32VectorFLOPS: try bounded("peakFP32VectorFLOPS", 1e9...1e18, "FLOP/s"),
            peakMemoryBandwidthBytesPerSecond: try bounded("peakMemoryBandwidthBytesPerSecond", 1e9...1e15, "bytes/s"),
            memoryCapacityBytes: try json.int("memoryCapacityBytes", in: 1...(Int64(1) << 50)),
            l2CacheBytes: try json.int("l2CacheBytes", in: 1...(Int64(1) << 40)),
            boardPowerLimitWatts: try bounded("boardPowerLimitWatts", 1...1e5, "W"),
            idlePowerWatts: try bounded("idlePowerWatts", 0.01...1e5, "W"),
            streamingMultiprocessors: Int(try json.int("streamingMultiprocessors", in: 1...65_536)),
            boostClockHz: try bounded("boostClockHz", 1e7...1e10, "Hz"),
            interconnect: interconnect,
            sources: sources,
            calibration: try GPUCalibration.parse(try json.object("calibration")))
        // Every real board idles far below its limit (H200: 81 of 700 W); near the limit the
        // power cap would stretch time without bound.
        guard config.idlePowerWatts <= 0.5 * config.boardPowerLimitWatts else {
            throw json.error("idlePowerWatts", expected: "at most half of boardPowerLimitWatts (\(config.boardPowerLimitWatts) W)",
                             found: "\(config.idlePowerWatts)")
        }
        return config
    }
}
