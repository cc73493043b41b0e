import Foundation
import TritCore

/// A multi-chip system as the user describes it in `Configs/systems/<name>.json`: N identical
/// chips of one preset, how a model is partitioned over them, and the link between them
/// (DESIGN.md §3 "Multi-chip").
///
/// Every field carries its unit in its name; the JSON's `sources` object gives the source of every
/// number (or says it is an assumption). Unknown fields are rejected. See `Configs/systems/README.md`.
public struct SystemConfig: Equatable, Sendable {
    /// Preset name (file stem), used in report folder names.
    public var name: String
    /// The file the config was read from, as the user named it (for error messages).
    public var sourceFile: String = ""
    /// What errors about this system name: its file, or `system <name>` for a config built in code.
    public var errorSource: String { sourceFile.isEmpty ? "system \(name)" : sourceFile }
    /// One-line description.
    public var description: String
    /// The chip preset every chip of the system is: a name in `Configs/chips/`, or a path
    /// (relative paths resolve against this file's folder).
    public var chip: String
    /// Number of chips N.
    public var chips: Int
    /// How a model is split over the chips: tensor-parallel degree × pipeline stages = N.
    public var partitioning: Partitioning
    /// The chip-to-chip link.
    public var link: ChipLink
    /// Field path → source or rationale text.
    public var sources: [String: String]

    /// A system built in code (tests, sweeps); `load(file:name:)` reads one from a file.
    public init(name: String, description: String = "", chip: String, chips: Int, partitioning: Partitioning, link: ChipLink,
                sources: [String: String] = [:]) {
        self.name = name
        self.description = description
        self.chip = chip
        self.chips = chips
        self.partitioning = partitioning
        self.link = link
        self.sources = sources
    }

    /// Tensor × pipeline parallelism.
    ///
    /// JSON: `"tensor"` (degree N, one stage), `"pipeline"` (N stages of one chip each), or
    /// `{"tensor": T, "pipeline": P}` with T × P = `chips`.
    public struct Partitioning: Equatable, Sendable {
        /// Chips that share every layer of a stage (Megatron-style tensor parallelism); 1 = none.
        public var tensorParallel: Int
        /// Pipeline stages, each a contiguous range of layers; 1 = none.
        public var pipelineStages: Int

        /// A partitioning of T-way tensor parallelism in each of P pipeline stages.
        public init(tensorParallel: Int, pipelineStages: Int) {
            self.tensorParallel = tensorParallel
            self.pipelineStages = pipelineStages
        }

        /// `tensor-parallel 8`, `pipeline 4 stages`, `tensor-parallel 8 × pipeline 16 stages`.
        public var description: String {
            switch (tensorParallel, pipelineStages) {
            case (_, 1): return "tensor-parallel \(tensorParallel)"
            case (1, _): return "pipeline \(pipelineStages) stages"
            default: return "tensor-parallel \(tensorParallel) × pipeline \(pipelineStages) stages"
            }
        }
    }

    /// The partitioning names accepted as a string.
    public enum PartitioningKind: String, CaseIterable, Sendable {
        /// Tensor parallelism of degree N.
        case tensor
        /// N pipeline stages.
        case pipeline
    }

    /// Most chips a system may have: far above any real system (Groq's largest network has 10,440
    /// chips), and small enough that every per-system count stays inside 64 bits.
    public static let maximumChips: Int64 = 65_536

    static let topFields = ["name", "description", "chip", "chips", "partitioning", "link", "sources", "notes"]

    /// Loads and validates a system description (the chip it names is resolved by `SystemCatalog`).
    /// - Parameter name: the preset name; defaults to the file stem.
    /// - Throws: `InputError` naming the file and dotted field for a missing file, bad JSON, an
    ///   unknown field, a missing field, `chips` outside 1...65536, an unknown partitioning, a
    ///   tensor × pipeline product other than `chips`, or a link number out of range.
    public static func load(file url: URL, name: String? = nil) throws -> SystemConfig {
        let json = try JSONObjectReader.load(file: url)
        var config = try parse(json, name: name ?? url.deletingPathExtension().lastPathComponent)
        config.sourceFile = url.path
        return config
    }

    /// Parses an already-read system JSON object (see `load(file:name:)`).
    public static func parse(_ json: JSONObjectReader, name: String) throws -> SystemConfig {
        try json.rejectUnknownKeys(topFields)
        // Informational fields: the name comes from the file stem, but a wrong type is still an error.
        _ = try json.optionalString("name")
        _ = try json.optionalString("notes")
        let chips = Int(try json.int("chips", in: 1...maximumChips))
        let link = try json.object("link")
        try link.rejectUnknownKeys(["bandwidthBytesPerSecond", "latencyNanoseconds", "energyPicojoulesPerBit"])
        var sources: [String: String] = [:]
        if json.contains("sources") {
            let s = try json.object("sources")
            for key in s.keys { sources[key] = try s.string(key) }
        }
        let chip = try json.string("chip")
        guard !chip.isEmpty else { throw json.error("chip", expected: "a chip name or path", found: "an empty string") }
        return SystemConfig(
            name: name,
            description: try json.optionalString("description") ?? "",
            chip: chip,
            chips: chips,
            partitioning: try parsePartitioning(json, chips: chips),
            // Ranges span every chip link ever built with wide margin (PCIe 1 lane to NVLink 5).
            link: ChipLink(
                bandwidthBytesPerSecond: try link.double("bandwidthBytesPerSecond", in: 1e6...1e15,
                                                         describing: "a bandwidth in 1e6...1e15 bytes/s"),
                latencyNanoseconds: try link.double("latencyNanoseconds", in: 0...1e6, describing: "a latency in 0...1e6 ns"),
                energyPicojoulesPerBit: try link.double("energyPicojoulesPerBit", in: 0.001...1000,
                                                        describing: "pJ/bit in 0.001...1000")),
            sources: sources)
    }

    private static func parsePartitioning(_ json: JSONObjectReader, chips: Int) throws -> Partitioning {
        let names = PartitioningKind.allCases.map(\.rawValue).joined(separator: ", ")
        guard let value = json.value("partitioning") else {
            throw json.error("partitioning", expected: "\(names) or {\"tensor\": T, \"pipeline\": P}", found: "nothing (field missing)")
        }
        if case .string = value {
            switch try json.choice("partitioning", of: PartitioningKind.self) {
            case .tensor: return Partitioning(tensorParallel: chips, pipelineStages: 1)
            case .pipeline: return Partitioning(tensorParallel: 1, pipelineStages: chips)
            }
        }
        guard case .object = value else {
            throw json.error("partitioning", expected: "\(names) or {\"tensor\": T, \"pipeline\": P}", found: value.summary)
        }
        let both = try json.object("partitioning")
        try both.rejectUnknownKeys(["tensor", "pipeline"])
        let tensor = Int(try both.int("tensor", in: 1...maximumChips))
        let pipeline = Int(try both.int("pipeline", in: 1...maximumChips))
        guard tensor * pipeline == chips else {
            throw json.error("partitioning", expected: "tensor × pipeline = chips (\(chips))",
                             found: "\(tensor) × \(pipeline) = \(tensor * pipeline)")
        }
        return Partitioning(tensorParallel: tensor, pipelineStages: pipeline)
    }
}
