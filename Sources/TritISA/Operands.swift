import TritCore

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

    /// The empty range at address 0: an operand that is not used.
    public static let empty = SRAMRange(base: 0, bytes: 0)
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


/// Which chip-to-chip transfer a link-unit instruction performs (multi-chip systems).
public enum LinkKind: UInt8, CaseIterable, Sendable {
    /// Send an SRAM range to the next pipeline stage's chip.
    case send
    /// Receive an SRAM range from the previous pipeline stage's chip.
    case receive
    /// Ring all-reduce (sum) of an SRAM range over the tensor-parallel group's chips: every chip
    /// ends with the element-wise sum of everyone's range.
    case allReduce

    /// Bytes one chip sends and receives for a range of `bytes` bytes among `chips` chips.
    ///
    /// Send: (b, 0); receive: (0, b); ring all-reduce: each chip sends and receives
    /// ⌈2(N − 1) × b / N⌉ — N − 1 steps of reduce-scatter and N − 1 of all-gather, each moving
    /// b / N bytes (`RingAllReduce`, shared with the multi-GPU baseline). Source: Patarasuk & Yuan,
    /// "Bandwidth optimal all-reduce algorithms for clusters of workstations", J. Parallel Distrib.
    /// Comput. 69(2), 2009; the same factor
    /// 2(N − 1)/N converts NCCL's algorithm bandwidth to bus bandwidth (NVIDIA/nccl-tests,
    /// doc/PERFORMANCE.md).
    /// - Parameters:
    ///   - chips: chips taking part (N ≥ 1; 2 for a send or receive).
    ///   - bytes: length of the range, bytes (≥ 0, at most 2^40 in a checked program).
    /// - Returns: bytes sent and received by one chip.
    public func linkBytes(chips: Int64, bytes: Int64) -> (sent: Int64, received: Int64) {
        switch self {
        case .send: return (bytes, 0)
        case .receive: return (0, bytes)
        case .allReduce:
            let moved = RingAllReduce.bytesSentPerMember(bytes: bytes, members: chips)
            return (moved, moved)
        }
    }
}
