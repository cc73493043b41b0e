/// A byte range in on-chip SRAM.
public struct SRAMRange: Equatable, Sendable {
    /// First byte address.
    public var base: Int64
    /// Length, bytes.
    public var bytes: Int64
    /// Creates a range.
    public init(base: Int64, bytes: Int64) {
        self.base = base
        self.bytes = bytes
    }
}

/// A byte range in off-chip memory.
public struct DRAMRange: Equatable, Sendable {
    /// First byte address.
    public var base: Int64
    /// Length, bytes.
    public var bytes: Int64
    /// Creates a range.
    public init(base: Int64, bytes: Int64) {
        self.base = base
        self.bytes = bytes
    }
}

/// What a DMA transfer carries, for per-stream byte statistics.
public enum DMAStream: UInt8, CaseIterable, Sendable {
    /// Packed ternary weights.
    case ternaryWeights
    /// Full-precision weights (embedding rows, LM head, norm weights).
    case fullPrecisionWeights
    /// KV-cache reads and writes.
    case kvCache
    /// Activations spilled to or reloaded from memory.
    case activations

    /// Name used in reports.
    public var name: String {
        switch self {
        case .ternaryWeights: return "ternary_weights"
        case .fullPrecisionWeights: return "fp_weights"
        case .kvCache: return "kv_cache"
        case .activations: return "activations"
        }
    }
}

/// Which vector-unit routine an instruction runs.
public enum VectorKind: UInt8, CaseIterable, Sendable {
    case rmsNorm, quantize, dequantize, rope, gating, residualAdd, softmax
}

/// Which full-precision matrix product an attention-unit instruction computes.
public enum MatrixKind: UInt8, CaseIterable, Sendable {
    /// QKᵀ scores.
    case scores
    /// Scores × V.
    case values
    /// A dense full-precision linear layer (the LM head).
    case dense
}

