import Foundation
import TritCore

/// A ternary inference chip as the user describes it in `Configs/chips/<name>.json`.
///
/// Every field carries its unit in its name. The JSON also holds a `sources` object (field →
/// source or rationale) that tritsim copies into reports but does not interpret.
/// See `Configs/chips/README.md` for each preset's rationale.
public struct ChipConfig: Equatable, Sendable {
    /// Preset name (file stem), used in report folder names.
    public var name: String
    /// The file the config was read from, as the user named it (for error messages).
    public var sourceFile: String = ""
    /// What errors about this chip name: its file, or `chip <name>` for a config built in code.
    public var errorSource: String { sourceFile.isEmpty ? "chip \(name)" : sourceFile }
    /// One-line description.
    public var description: String
    /// Technology table name (`Configs/technology/<technology>.json`).
    public var technology: String
    /// Chip clock, Hz. Every unit runs at this clock.
    public var clockHz: Double
    /// Weight-stationary ternary arrays.
    public var ternaryArray: TernaryArray
    /// The vector unit (norms, quantisation, dequantisation, RoPE, gating, residuals, softmax).
    public var vectorUnit: VectorUnit
    /// The full-precision MAC array used for attention (QKᵀ, AV) and the LM head.
    public var attentionUnit: AttentionUnit
    /// On-chip SRAM buffers.
    public var sram: SRAM
    /// Off-chip memory.
    public var offChipMemory: OffChipMemory
    /// Ternary weight packing in DRAM.
    public var weightFormat: WeightFormat
    /// KV cache element width, bits (16 = fp16, 8 = int8).
    public var kvCacheBits: Int
    /// Static (leakage) power of the whole chip, W.
    public var staticPowerWatts: Double
    /// How many weight chunks DMA may load ahead of the arrays (2 = double buffering, 3 =
    /// triple, …), capped by the slots the weight buffer holds; nil = as many as fit.
    /// JSON: `"compiler": {"weightPrefetchDepth": N}` (optional).
    public var weightPrefetchDepth: Int? = nil
    /// Micro-batches a prefill chunk is split into so that successive layers overlap on the
    /// arrays, vector and attention units (1 = no pipelining; nil = the compiler chooses, see
    /// `MemoryPlan.microBatches`). JSON: `"compiler": {"prefillMicroBatches": N}` (optional).
    public var prefillMicroBatches: Int? = nil
    /// Most micro-batches a prefill chunk may be split into (each multiplies the tile
    /// instructions of the step).
    public static let maximumPrefillMicroBatches = 64
    /// Field path → source or rationale text.
    public var sources: [String: String]

    /// `rows` × `columns` ternary weights held stationary; one token's `rows` int8 activations
    /// enter per cycle and `columns` int32 partial sums leave.
    public struct TernaryArray: Equatable, Sendable {
        /// Input rows (the reduction dimension K per tile).
        public var rows: Int
        /// Output columns (N per tile).
        public var columns: Int
        /// Number of identical arrays.
        public var count: Int
        /// Adder datapath.
        public var datapath: TernaryDatapathKind
        /// Bytes per cycle from the weight buffer into one array when a tile is loaded.
        public var weightLoadBytesPerCycle: Int
        /// Whether the array has a second (shadow) set of weight registers, so the next tile
        /// loads while the current one streams tokens. JSON: optional, default false.
        public var shadowWeightRegisters: Bool = false
        /// Weights the unpack stage decodes per cycle for formats that need it (TL2, base-3);
        /// nil = never the bottleneck. JSON: optional.
        public var unpackWeightsPerCycle: Int? = nil
        /// Activations per table group g for the `lut` datapath (tables of (3^g − 1) / 2 entries,
        /// see `LUTDatapath`); nil = `LUTDatapath.defaultGroupSize`. The adder tree ignores it.
        /// JSON: optional, an integer in `LUTDatapath.groupSizes` (1...4).
        public var lutGroupSize: Int? = nil
    }

    /// SIMD vector unit.
    public struct VectorUnit: Equatable, Sendable {
        /// Elementwise operations per cycle.
        public var lanes: Int
        /// Special-function (exp, rsqrt, sin/cos) evaluations per cycle.
        public var specialFunctionsPerCycle: Int
        /// Fixed cycles to start one vector instruction (pipeline fill).
        public var startupCycles: Int
    }

    /// Full-precision (fp16) MAC array.
    public struct AttentionUnit: Equatable, Sendable {
        /// fp16 multiply-accumulates per cycle.
        public var macsPerCycle: Int
        /// Fixed cycles to start one instruction (pipeline fill).
        public var startupCycles: Int
    }

    /// On-chip SRAM, split into three buffers.
    public struct SRAM: Equatable, Sendable {
        /// Weight buffer for double/multi-buffered weight tiles streamed from DRAM, bytes.
        public var weightBufferBytes: Int64
        /// Activation buffer (residual stream, layer inputs/outputs, accumulators), bytes.
        public var activationBufferBytes: Int64
        /// KV staging buffer for KV-cache blocks streamed from DRAM, bytes.
        public var kvBufferBytes: Int64
        /// SRAM bandwidth available to the vector and attention units, bytes per cycle.
        public var bytesPerCycle: Int

        /// The three buffers together (the chip's SRAM address space), bytes.
        public var totalBytes: Int64 { weightBufferBytes + activationBufferBytes + kvBufferBytes }
    }

    /// Off-chip memory. For an SRAM-only chip (`type` `.none`) every number is 0 and unused.
    public struct OffChipMemory: Equatable, Sendable {
        /// Technology.
        public var type: OffChipMemoryKind
        /// Peak bandwidth, bytes/s.
        public var peakBandwidthBytesPerSecond: Double
        /// Fraction of peak that streaming DMA achieves (0 < e ≤ 1).
        public var efficiency: Double
        /// Latency from request to first data, ns.
        public var accessLatencyNanoseconds: Double
        /// Access energy, pJ per bit read or written.
        public var energyPicojoulesPerBit: Double
        /// Capacity, bytes.
        public var capacityBytes: Int64

        /// No off-chip memory: the chip keeps its weights and KV cache in SRAM (DESIGN.md §3).
        public static let none = OffChipMemory(type: .none, peakBandwidthBytesPerSecond: 0, efficiency: 1,
                                               accessLatencyNanoseconds: 0, energyPicojoulesPerBit: 0, capacityBytes: 0)
    }

    /// Whether the chip has off-chip memory; false for an SRAM-only chip.
    public var hasOffChipMemory: Bool { offChipMemory.type != .none }

    static let topFields = ["name", "description", "technology", "clockHz", "ternaryArray", "vectorUnit", "attentionUnit",
                            "sram", "offChipMemory", "weightFormat", "kvCacheBits", "staticPowerWatts", "compiler", "sources", "notes"]

    /// Loads and validates a chip description.
    /// - Parameter name: the preset name; defaults to the file stem.
    /// - Throws: `InputError` naming the file and dotted field for a missing file, bad JSON, an
    ///   unknown field, a missing field, a zero or negative size, an unknown enum value, or a
    ///   `ternaryArray.lutGroupSize` outside `LUTDatapath.groupSizes`.
    public static func load(file url: URL, name: String? = nil) throws -> ChipConfig {
        let json = try JSONObjectReader.load(file: url)
        var config = try parse(json, name: name ?? url.deletingPathExtension().lastPathComponent)
        config.sourceFile = url.path
        return config
    }

    /// Parses an already-read chip JSON object (see `load(file:name:)`).
    public static func parse(_ json: JSONObjectReader, name: String) throws -> ChipConfig {
        try json.rejectUnknownKeys(topFields)
        let array = try json.object("ternaryArray")
        try array.rejectUnknownKeys(["rows", "columns", "count", "datapath", "weightLoadBytesPerCycle", "shadowWeightRegisters", "unpackWeightsPerCycle",
                                    "lutGroupSize"])
        let vector = try json.object("vectorUnit")
        try vector.rejectUnknownKeys(["lanes", "specialFunctionsPerCycle", "startupCycles"])
        let attention = try json.object("attentionUnit")
        try attention.rejectUnknownKeys(["macsPerCycle", "startupCycles"])
        let sram = try json.object("sram")
        try sram.rejectUnknownKeys(["weightBufferBytes", "activationBufferBytes", "kvBufferBytes", "bytesPerCycle"])
        var sources: [String: String] = [:]
        if json.contains("sources") {
            let s = try json.object("sources")
            for key in s.keys { sources[key] = try s.string(key) }
        }
        // Ranges span real designs with wide margin (a 44 GB wafer-scale SRAM fits) and keep every
        // cycle and byte count of a simulated step inside 64 bits.
        let bufferBytes: ClosedRange<Int64> = 1...(Int64(1) << 37)
        var prefetchDepth: Int? = nil
        var microBatches: Int? = nil
        if json.contains("compiler") {
            let compiler = try json.object("compiler")
            try compiler.rejectUnknownKeys(["weightPrefetchDepth", "prefillMicroBatches"])
            if compiler.contains("weightPrefetchDepth") {
                prefetchDepth = Int(try compiler.int("weightPrefetchDepth", in: 1...1_048_576))
            }
            if compiler.contains("prefillMicroBatches") {
                microBatches = Int(try compiler.int("prefillMicroBatches", in: 1...Int64(ChipConfig.maximumPrefillMicroBatches)))
            }
        }
        var config = ChipConfig(
            name: name,
            description: try json.optionalString("description") ?? "",
            technology: try json.string("technology"),
            clockHz: try json.double("clockHz", in: 1e6...1e11, describing: "a clock in 1e6...1e11 Hz"),
            ternaryArray: TernaryArray(
                rows: Int(try array.int("rows", in: 1...4_096)),
                columns: Int(try array.int("columns", in: 1...4_096)),
                count: Int(try array.int("count", in: 1...4_096)),
                datapath: try array.choice("datapath", of: TernaryDatapathKind.self),
                weightLoadBytesPerCycle: Int(try array.int("weightLoadBytesPerCycle", in: 1...1_048_576))),
            vectorUnit: VectorUnit(
                lanes: Int(try vector.int("lanes", in: 1...1_048_576)),
                specialFunctionsPerCycle: Int(try vector.int("specialFunctionsPerCycle", in: 1...1_048_576)),
                startupCycles: Int(try vector.int("startupCycles", in: 0...1_000_000))),
            attentionUnit: AttentionUnit(
                macsPerCycle: Int(try attention.int("macsPerCycle", in: 1...1 << 30)),
                startupCycles: Int(try attention.int("startupCycles", in: 0...1_000_000))),
            sram: SRAM(
                weightBufferBytes: try sram.int("weightBufferBytes", in: bufferBytes),
                activationBufferBytes: try sram.int("activationBufferBytes", in: bufferBytes),
                kvBufferBytes: try sram.int("kvBufferBytes", in: bufferBytes),
                bytesPerCycle: Int(try sram.int("bytesPerCycle", in: 1...1 << 30))),
            offChipMemory: try parseOffChipMemory(json),
            weightFormat: try json.choice("weightFormat", of: WeightFormat.self),
            kvCacheBits: Int(try json.int("kvCacheBits", in: 1...32)),
            staticPowerWatts: try json.double("staticPowerWatts", in: 0...1e5, describing: "watts in 0...100000"),
            sources: sources)
        config.weightPrefetchDepth = prefetchDepth
        config.prefillMicroBatches = microBatches
        config.ternaryArray.shadowWeightRegisters = try array.optionalBool("shadowWeightRegisters") ?? false
        if array.contains("unpackWeightsPerCycle") {
            config.ternaryArray.unpackWeightsPerCycle = Int(try array.int("unpackWeightsPerCycle", in: 1...(1 << 24)))
        }
        if array.contains("lutGroupSize") {
            let sizes = LUTDatapath.groupSizes
            config.ternaryArray.lutGroupSize = Int(try array.int("lutGroupSize", in: Int64(sizes.lowerBound)...Int64(sizes.upperBound)))
        }
        return config
    }

    /// `offChipMemory`: an object with every field, or — for an SRAM-only chip — absent, the string
    /// `"none"`, or `{"type": "none"}` with no other field.
    private static func parseOffChipMemory(_ json: JSONObjectReader) throws -> OffChipMemory {
        guard let value = json.value("offChipMemory"), value != .null, value != .string(OffChipMemoryKind.none.rawValue) else {
            return .none
        }
        let memory = try json.object("offChipMemory")
        if memory.value("type") == .string(OffChipMemoryKind.none.rawValue) {
            try memory.rejectUnknownKeys(["type"])
            return .none
        }
        try memory.rejectUnknownKeys(["type", "peakBandwidthBytesPerSecond", "efficiency", "accessLatencyNanoseconds",
                                      "energyPicojoulesPerBit", "capacityBytes"])
        return OffChipMemory(
            type: try memory.choice("type", of: OffChipMemoryKind.self),
            peakBandwidthBytesPerSecond: try memory.double("peakBandwidthBytesPerSecond", in: 1e6...1e15,
                                                           describing: "a bandwidth in 1e6...1e15 bytes/s"),
            efficiency: try memory.double("efficiency", in: 0.01...1, describing: "a fraction in 0.01...1"),
            accessLatencyNanoseconds: try memory.double("accessLatencyNanoseconds", in: 0...1e6, describing: "a latency in 0...1e6 ns"),
            energyPicojoulesPerBit: try memory.double("energyPicojoulesPerBit", in: 0.01...1000, describing: "pJ/bit in 0.01...1000"),
            capacityBytes: try memory.int("capacityBytes", in: 1...(Int64(1) << 50)))
    }
}
