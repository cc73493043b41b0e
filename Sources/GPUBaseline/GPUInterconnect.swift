import TritCore

/// The link a GPU uses to reach its peers under multi-GPU tensor parallelism, read from the
/// optional `interconnect` object of a `Configs/gpus/*.json` file (e.g. NVLink 3 on an A100 SXM,
/// PCIe 4.0 x16 on an L4). A GPU without one is modelled alone.
///
/// Each number has a source in the file's `sources` object under its dotted key
/// (`interconnect.bandwidthBytesPerSecond`, `interconnect.latencySeconds`).
public struct GPUInterconnect: Equatable, Sendable {
    /// The link, e.g. `NVLink 3` or `PCIe 4.0 x16`.
    public var name: String
    /// What one GPU sends to its peers (and, at the same time, receives) over all its links, per
    /// direction, in bytes/s: half the "bidirectional" figure of a datasheet.
    public var bandwidthBytesPerSecond: Double
    /// Fixed latency of one transfer between two GPUs, in seconds.
    public var latencySeconds: Double

    /// Memberwise initialiser (no validation; `parse` validates file input).
    public init(name: String, bandwidthBytesPerSecond: Double, latencySeconds: Double) {
        self.name = name
        self.bandwidthBytesPerSecond = bandwidthBytesPerSecond
        self.latencySeconds = latencySeconds
    }

    /// The key of the object in a GPU file.
    public static let key = "interconnect"

    /// The field names of the `interconnect` object.
    public static let fields = ["name", "bandwidthBytesPerSecond", "latencySeconds"]

    /// The keys in a GPU file's `sources` that an `interconnect` object requires (dotted paths).
    public static let sourcedFields = ["bandwidthBytesPerSecond", "latencySeconds"].map { "\(key).\($0)" }

    /// Reads the `interconnect` object.
    /// - Throws: `InputError` naming the file and `interconnect.<field>` for an unknown or missing
    ///   field, a bandwidth outside 1e6...1e15 bytes/s or a latency outside 1e-9...1 s.
    public static func parse(_ json: JSONObjectReader) throws -> GPUInterconnect {
        try json.rejectUnknownKeys(fields)
        // From a slow PCIe link to far beyond any GPU fabric; from a nanosecond hop to a second.
        func bounded(_ key: String, _ range: ClosedRange<Double>, _ unit: String) throws -> Double {
            try json.double(key, in: range, describing: "\(unit) in \(JSONObjectReader.format(range))")
        }
        return GPUInterconnect(
            name: try json.string("name"),
            bandwidthBytesPerSecond: try bounded("bandwidthBytesPerSecond", 1e6...1e15, "bytes/s per direction"),
            latencySeconds: try bounded("latencySeconds", 1e-9...1, "s"))
    }
}
