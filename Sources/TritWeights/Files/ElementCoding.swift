/// Conversions between stored element formats and `Float`, done on bit patterns so they give the
/// same result on every platform (Swift's `Float16` is not available on every host).
///
/// Sources: IEEE 754-2008 binary16 (1 sign, 5 exponent, 10 fraction bits, bias 15); bfloat16 is
/// the upper 16 bits of an IEEE binary32 (1 sign, 8 exponent, 7 fraction bits).
public enum ElementCoding {
    /// The `Float` an IEEE binary16 bit pattern holds (exact: every binary16 is a binary32).
    public static func float(half bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = Int((bits >> 10) & 0x1F)
        var fraction = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:
            if fraction == 0 { return Float(bitPattern: sign) }
            // Subnormal: normalise.
            var shift = 0
            while fraction & 0x400 == 0 {
                fraction <<= 1
                shift += 1
            }
            fraction &= 0x3FF
            let biased = UInt32(127 - 15 + 1 - shift)
            return Float(bitPattern: sign | (biased << 23) | (fraction << 13))
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | (fraction << 13))
        default:
            return Float(bitPattern: sign | (UInt32(exponent - 15 + 127) << 23) | (fraction << 13))
        }
    }

    /// The `Float` a bfloat16 bit pattern holds (exact).
    public static func float(bfloat16 bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// `value` rounded to the nearest bfloat16 (ties to even); NaN stays a quiet NaN.
    public static func bfloat16(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: (bits >> 16) | 0x0040) }
        let roundingBias = 0x7FFF + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ roundingBias) >> 16)
    }

    /// `value` rounded to the nearest IEEE binary16 (ties to even); too large becomes ±infinity.
    public static func half(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        let fraction = bits & 0x7F_FFFF
        if exponent == 0xFF { return sign | 0x7C00 | (fraction != 0 ? 0x200 : 0) }
        let unbiased = exponent - 127
        if unbiased > 15 { return sign | 0x7C00 }
        if unbiased >= -14 {
            // Normal binary16: keep 10 fraction bits, round to nearest even on the 13 dropped.
            var result = UInt32(unbiased + 15) << 10 | (fraction >> 13)
            let dropped = fraction & 0x1FFF
            if dropped > 0x1000 || (dropped == 0x1000 && result & 1 == 1) { result += 1 }
            return sign | UInt16(truncatingIfNeeded: result)
        }
        if unbiased < -25 { return sign }
        // Subnormal binary16: value = m × 2^-24 with the implicit bit restored.
        let mantissa = fraction | 0x80_0000
        let shift = UInt32(-unbiased - 14 + 13)
        var result = mantissa >> shift
        let dropped = mantissa & ((1 << shift) - 1)
        let half = UInt32(1) << (shift - 1)
        if dropped > half || (dropped == half && result & 1 == 1) { result += 1 }
        return sign | UInt16(truncatingIfNeeded: result)
    }
}

extension ElementCoding {
    /// Little-endian float32 elements decoded from `bytes` (`bytes.count / 4` of them).
    public static func floats(float32 bytes: some Collection<UInt8>) -> [Float] {
        words(bytes, width: 4).map { Float(bitPattern: UInt32(truncatingIfNeeded: $0)) }
    }

    /// Little-endian IEEE binary16 elements decoded from `bytes` (`bytes.count / 2` of them).
    public static func floats(float16 bytes: some Collection<UInt8>) -> [Float] {
        words(bytes, width: 2).map { float(half: UInt16(truncatingIfNeeded: $0)) }
    }

    /// Little-endian bfloat16 elements decoded from `bytes` (`bytes.count / 2` of them).
    public static func floats(bfloat16 bytes: some Collection<UInt8>) -> [Float] {
        words(bytes, width: 2).map { float(bfloat16: UInt16(truncatingIfNeeded: $0)) }
    }

    /// `values` as little-endian float32 bytes.
    public static func bytes(float32 values: [Float]) -> [UInt8] {
        values.flatMap { littleEndian(UInt64($0.bitPattern), width: 4) }
    }

    /// `values` rounded to IEEE binary16, as little-endian bytes.
    public static func bytes(float16 values: [Float]) -> [UInt8] {
        values.flatMap { littleEndian(UInt64(half($0)), width: 2) }
    }

    /// `values` rounded to bfloat16, as little-endian bytes.
    public static func bytes(bfloat16 values: [Float]) -> [UInt8] {
        values.flatMap { littleEndian(UInt64(bfloat16($0)), width: 2) }
    }

    /// The low `width` bytes of `value`, least significant first (little-endian).
    public static func littleEndian(_ value: UInt64, width: Int) -> [UInt8] {
        (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    /// Consecutive little-endian words of `width` bytes (a trailing partial word is ignored).
    private static func words(_ bytes: some Collection<UInt8>, width: Int) -> [UInt64] {
        var result: [UInt64] = []
        result.reserveCapacity(bytes.count / width)
        var word: UInt64 = 0
        var filled = 0
        for byte in bytes {
            word |= UInt64(byte) << (8 * UInt64(filled))
            filled += 1
            if filled == width {
                result.append(word)
                word = 0
                filled = 0
            }
        }
        return result
    }
}
