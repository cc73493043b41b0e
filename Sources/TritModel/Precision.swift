import TritCore

/// How many bits each kind of tensor occupies on a given piece of hardware.
///
/// The graph counts elements; a `Precision` turns them into bytes. The ternary chip stores
/// ternary weights packed (2 bits for I2_S), activations between BitLinears as int8, the
/// residual stream and full-precision weights as fp16. The FP16 GPU baseline stores everything
/// as fp16 (`Precision.fp16Everywhere`).
public struct Precision: Equatable, Sendable {
    /// Bits per ternary weight in memory, as an exact fraction (2/1 for I2_S, 5/3 for TL2, 8/5
    /// for base-3 packing), so byte counts of different formats compare exactly.
    public var ternaryWeightBits: BitsPerWeight
    /// Bytes per element of full-precision weights (embedding, LM head, norm weights).
    public var fullPrecisionWeightBytes: Int
    /// Bytes per element of the residual stream and other full-precision activations.
    public var activationBytes: Int
    /// Bytes per element of quantised BitLinear inputs (int8 = 1).
    public var quantizedActivationBytes: Int
    /// Bytes per element of BitLinear outputs after dequantisation.
    public var linearOutputBytes: Int
    /// Bits per element of the KV cache.
    public var kvCacheBits: Int

    /// Memberwise initialiser.
    public init(ternaryWeightBits: BitsPerWeight, fullPrecisionWeightBytes: Int, activationBytes: Int,
                quantizedActivationBytes: Int, linearOutputBytes: Int, kvCacheBits: Int) {
        self.ternaryWeightBits = ternaryWeightBits
        self.fullPrecisionWeightBytes = fullPrecisionWeightBytes
        self.activationBytes = activationBytes
        self.quantizedActivationBytes = quantizedActivationBytes
        self.linearOutputBytes = linearOutputBytes
        self.kvCacheBits = kvCacheBits
    }

    /// The FP16 GPU baseline: every tensor, including the would-be ternary weights, in fp16.
    public static let fp16Everywhere = Precision(ternaryWeightBits: BitsPerWeight(numerator: 16, denominator: 1), fullPrecisionWeightBytes: 2, activationBytes: 2,
                                                 quantizedActivationBytes: 2, linearOutputBytes: 2, kvCacheBits: 16)

    /// Bytes of `count` ternary weights, rounded up to whole bytes.
    public func ternaryWeightBytes(_ count: Int64) -> Int64 {
        ternaryWeightBits.bytes(forWeights: count)
    }

    /// Bytes of `count` KV-cache elements, rounded up to whole bytes.
    public func kvBytes(_ count: Int64) -> Int64 {
        (count * Int64(kvCacheBits) + 7) / 8
    }
}

