import TritCore

/// A ggml tensor type id as stored in a GGUF tensor-info entry, interpreted as bitnet.cpp's
/// llama.cpp fork (the producer of BitNet GGUF files) defines it.
///
/// Sources (`shared/reference/trace-formats.md` §2): ids from ggml `docs/gguf.md` and the fork's
/// `ggml/include/ggml.h` at `406a5036` (I2_S = 36, I8_S = 37, TL1 = 38, TL2 = 39; Q4_0_4_4,
/// Q4_0_4_8, Q4_0_8_8 = 31…33). Mainline ggml has since removed 31–33 and 36–38 and reused 39 for
/// MXFP4; a file from mainline using 39 would be misread as TL2 — ids 36–39 follow the producer.
/// Ids 4 and 5 (removed Q4_2/Q4_3) and anything above 39 are unknown and refused.
public enum GGMLType: UInt32, CaseIterable, Sendable {
    /// IEEE float32, float16; the 32-element block quantisations Q4_0 … Q8_1.
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    /// The 256-element "K" block quantisations.
    case q2K = 10, q3K = 11, q4K = 12, q5K = 13, q6K = 14, q8K = 15
    /// The importance-matrix ("IQ") quantisations.
    case iq2XXS = 16, iq2XS = 17, iq3XXS = 18, iq1S = 19, iq4NL = 20, iq3S = 21, iq2S = 22, iq4XS = 23
    /// Plain integers, float64, IQ1_M and bfloat16.
    case i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1M = 29, bf16 = 30
    /// Interleaved Q4_0 variants (ids the fork still has; mainline removed them) and mainline's
    /// ternary TQ1_0 (1.69 bpw) and TQ2_0 (2.06 bpw).
    case q4_0_4_4 = 31, q4_0_4_8 = 32, q4_0_8_8 = 33, tq1_0 = 34, tq2_0 = 35
    /// bitnet.cpp's 2-bit ternary format: 4 weights per byte, code = w + 1, then a 32-byte tail
    /// holding the float32 per-tensor scale.
    case i2S = 36
    /// bitnet.cpp's int8 activation type; no byte size documented, so a tensor of it is refused.
    case i8S = 37
    /// bitnet.cpp's ARM lookup-table format (2 weights → 4-bit index, 2 bits per weight).
    case tl1 = 38
    /// bitnet.cpp's x86 lookup-table format (3 weights → 5 bits).
    case tl2 = 39

    /// The name llama.cpp logs for the type (upper case, as in gguf-py `GGMLQuantizationType`).
    public var name: String {
        switch self {
        case .f32: return "F32"
        case .f16: return "F16"
        case .q4_0: return "Q4_0"
        case .q4_1: return "Q4_1"
        case .q5_0: return "Q5_0"
        case .q5_1: return "Q5_1"
        case .q8_0: return "Q8_0"
        case .q8_1: return "Q8_1"
        case .q2K: return "Q2_K"
        case .q3K: return "Q3_K"
        case .q4K: return "Q4_K"
        case .q5K: return "Q5_K"
        case .q6K: return "Q6_K"
        case .q8K: return "Q8_K"
        case .iq2XXS: return "IQ2_XXS"
        case .iq2XS: return "IQ2_XS"
        case .iq3XXS: return "IQ3_XXS"
        case .iq1S: return "IQ1_S"
        case .iq4NL: return "IQ4_NL"
        case .iq3S: return "IQ3_S"
        case .iq2S: return "IQ2_S"
        case .iq4XS: return "IQ4_XS"
        case .i8: return "I8"
        case .i16: return "I16"
        case .i32: return "I32"
        case .i64: return "I64"
        case .f64: return "F64"
        case .iq1M: return "IQ1_M"
        case .bf16: return "BF16"
        case .q4_0_4_4: return "Q4_0_4_4"
        case .q4_0_4_8: return "Q4_0_4_8"
        case .q4_0_8_8: return "Q4_0_8_8"
        case .tq1_0: return "TQ1_0"
        case .tq2_0: return "TQ2_0"
        case .i2S: return "I2_S"
        case .i8S: return "I8_S"
        case .tl1: return "TL1"
        case .tl2: return "TL2"
        }
    }

    /// How a type's data size follows from its element counts.
    public enum Layout: Equatable, Sendable {
        /// Blocks of `elements` consecutive elements along ne[0], `bytes` each: size =
        /// elements / block × bytes, with ne[0] a multiple of the block.
        case blocks(elements: Int64, bytes: Int64)
        /// I2_S and TL1: `ggml_nbytes` = elements / 4 + 32 (2 bits per weight, a 32-byte tail).
        case ternaryTwoBit
        /// TL2: `ggml_nbytes` = (ne0 − 256) × ne1 / 3 × 5 / 8 + 256 × ne1 / 2 × 4 / 8, rounded up
        /// to a multiple of 32, + 32 (C integer arithmetic, left to right).
        case ternaryTL2
        /// No size documented in the sources read: refused.
        case undocumented
    }

    /// The type's data layout.
    ///
    /// Block sizes (elements, bytes) are gguf-py's `GGML_QUANT_SIZES` in the fork's
    /// `gguf-py/gguf/constants.py` (stored copy at `Eddie-Wang1120/llama.cpp` commit `13e12994`;
    /// QK_K = 256). The fork's `ggml_nbytes` (`ggml/src/ggml.c`, `trace-formats.md` §2) overrides
    /// the I2_S, TL1 and TL2 entries (which gguf-py lists as (4, 1)) with the formulas of
    /// `ternaryTwoBit` and `ternaryTL2`; bitnet.cpp reads the data that way. I8_S (37) has no size
    /// in either source.
    public var layout: Layout {
        switch self {
        case .f32, .i32: return .blocks(elements: 1, bytes: 4)
        case .f16, .bf16, .i16: return .blocks(elements: 1, bytes: 2)
        case .i8: return .blocks(elements: 1, bytes: 1)
        case .i64, .f64: return .blocks(elements: 1, bytes: 8)
        case .q4_0, .iq4NL, .q4_0_4_4, .q4_0_4_8, .q4_0_8_8: return .blocks(elements: 32, bytes: 2 + 16)
        case .q4_1: return .blocks(elements: 32, bytes: 2 + 2 + 16)
        case .q5_0: return .blocks(elements: 32, bytes: 2 + 4 + 16)
        case .q5_1: return .blocks(elements: 32, bytes: 2 + 2 + 4 + 16)
        case .q8_0: return .blocks(elements: 32, bytes: 2 + 32)
        case .q8_1: return .blocks(elements: 32, bytes: 4 + 4 + 32)
        case .q2K: return .blocks(elements: 256, bytes: 2 + 2 + 256 / 16 + 256 / 4)
        case .q3K: return .blocks(elements: 256, bytes: 2 + 256 / 4 + 256 / 8 + 12)
        case .q4K: return .blocks(elements: 256, bytes: 2 + 2 + 256 / 2 + 12)
        case .q5K: return .blocks(elements: 256, bytes: 2 + 2 + 256 / 2 + 256 / 8 + 12)
        case .q6K: return .blocks(elements: 256, bytes: 2 + 256 / 2 + 256 / 4 + 256 / 16)
        case .q8K: return .blocks(elements: 256, bytes: 4 + 256 + 256 / 8)
        case .iq2XXS: return .blocks(elements: 256, bytes: 2 + 256 / 4)
        case .iq2XS: return .blocks(elements: 256, bytes: 2 + 256 / 4 + 256 / 32)
        case .iq3XXS: return .blocks(elements: 256, bytes: 2 + 256 / 4 + 256 / 8)
        case .iq1S: return .blocks(elements: 256, bytes: 2 + 256 / 8 + 256 / 16)
        case .iq3S: return .blocks(elements: 256, bytes: 2 + 256 / 4 + 256 / 8 + 256 / 32 + 4)
        case .iq2S: return .blocks(elements: 256, bytes: 2 + 256 / 4 + 256 / 16)
        case .iq4XS: return .blocks(elements: 256, bytes: 2 + 2 + 256 / 2 + 256 / 64)
        case .iq1M: return .blocks(elements: 256, bytes: 256 / 8 + 256 / 16 + 256 / 32)
        case .tq1_0: return .blocks(elements: 256, bytes: 2 + 4 * 13)
        case .tq2_0: return .blocks(elements: 256, bytes: 2 + 64)
        case .i2S, .tl1: return .ternaryTwoBit
        case .tl2: return .ternaryTL2
        case .i8S: return .undocumented
        }
    }

    /// Whether this is one of bitnet.cpp's ternary weight formats (I2_S, TL1, TL2).
    public var isTernary: Bool { self == .i2S || self == .tl1 || self == .tl2 }

    /// The known ids, for error messages.
    static var knownIDs: String { "0–3, 6–39" }

    /// Bytes of data a tensor of this type with `dimensions` (ggml order: ne[0] innermost)
    /// occupies, as `ggml_nbytes` computes them (0 when any dimension is 0).
    /// - Parameters:
    ///   - source, location: the file and tensor, for errors.
    /// - Throws: `InputError` for ne[0] not a multiple of the block size, TL2 with ne[0] < 256
    ///   or more than two dimensions above 1 (the formula covers neither), a type whose size is
    ///   not documented (I8_S), or counts beyond 64 bits.
    public func dataBytes(dimensions: [Int64], source: String, location: String) throws -> Int64 {
        let elements = try CheckedCounts.product(dimensions, source: source, location: location, "an element count")
        if elements == 0 { return 0 }
        let ne0 = dimensions.first ?? 1
        switch layout {
        case .blocks(let block, let bytes):
            guard ne0 % block == 0 else {
                throw InputError(source: source, location: location,
                                 expected: "ne[0] a multiple of \(name)'s block of \(block) elements", found: "ne[0] = \(ne0)")
            }
            return try CheckedCounts.multiply(elements / block, bytes, source: source, location: location, "a byte count")
        case .ternaryTwoBit:
            return elements / 4 + 32
        case .ternaryTL2:
            let ne1 = dimensions.count > 1 ? dimensions[1] : 1
            guard ne0 >= 256, dimensions.dropFirst(2).allSatisfy({ $0 == 1 }) else {
                throw InputError(source: source, location: location,
                                 expected: "a TL2 tensor with ne[0] ≥ 256 and at most two dimensions above 1 (the only case ggml_nbytes' TL2 formula covers)",
                                 found: "dimensions \(GGUFTensorInfo.describe(dimensions))")
            }
            func times(_ a: Int64, _ b: Int64) throws -> Int64 {
                try CheckedCounts.multiply(a, b, source: source, location: location, "a byte count")
            }
            let lut = try times(try times(ne0 - 256, ne1) / 3, 5) / 8
            let tail = try times(try times(256, ne1) / 2, 4) / 8
            let packed = try CheckedCounts.alignUp(try CheckedCounts.add(lut, tail, source: source, location: location, "a byte count"),
                                                   32, source: source, location: location)
            return try CheckedCounts.add(packed, 32, source: source, location: location, "a byte count")
        case .undocumented:
            throw InputError(source: source, location: location,
                             expected: "a ggml type whose byte size is documented",
                             found: "\(name) (\(rawValue)): no size for it in the sources read (trace-formats.md §2), so it is not guessed")
        }
    }
}
