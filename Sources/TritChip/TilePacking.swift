import TritCore

extension WeightFormat {
    /// Bytes that one tile of `weights` trits occupies when `TilePacking` packs it on its own,
    /// exact: I2_S ⌈n / 4⌉, TL2 ⌈5 × ⌈n / 3⌉ / 8⌉ (whole 5-bit codes of 3 weights), base-3
    /// ⌈n / 5⌉; 0 for n ≤ 0.
    ///
    /// I2_S and base-3 equal `bitsPerWeight.bytes(forWeights:)`; TL2 exceeds it by at most one
    /// byte (its last group is padded to 3 weights: at most 10/3 extra bits).
    /// - Complexity: O(1), no overflow for any `Int64`.
    public func packedTileBytes(weights: Int64) -> Int64 {
        guard weights > 0 else { return 0 }
        switch self {
        case .i2s:
            return ceilDiv(weights, 4)
        case .tl2:
            // ⌈5g / 8⌉ with g = 8q + r is 5q + ⌈5r / 8⌉, which cannot overflow.
            let groups = ceilDiv(weights, 3)
            return groups / 8 * 5 + ceilDiv(groups % 8 * 5, 8)
        case .base3:
            return ceilDiv(weights, 5)
        }
    }
}

/// The chip's weight packing of one tile, one codec per `WeightFormat`.
///
/// A tile of `rows × columns` trits is listed column by column (trit k is row k % rows of column
/// k / rows, i.e. k = column × rows + row) and packed on its own, starting at a byte boundary; it
/// occupies exactly `format.packedTileBytes(weights:)` bytes.
///
/// - I2_S: 4 trits per byte, 2-bit code w + 1 (0, 1, 2); trit k sits in byte k / 4 at bits
///   2 × (k % 4) … 2 × (k % 4) + 1 (the first trit in the low bits). A final partial byte is
///   padded with code 1 (w = 0). Code 3 is invalid. (This is the tile's own order, not the
///   128-weight block interleave of bitnet.cpp's x86 I2_S files that `GGUFFile.i2sTrits` reads.)
/// - TL2: groups of 3 trits (w0, w1, w2) = (trit 3g, 3g + 1, 3g + 2), the last group padded with
///   0; v = 9w0 + 3w1 + w2 in −13 … 13; 5-bit code = (v < 0 ? 1 : 0) << 4 | |v| — the "1 sign bit
///   + a 4-bit index of |9w0 + 3w1 + w2|" of `WeightFormat.tl2`. Codes are concatenated LSB-first
///   into a bit stream: code g occupies stream bits 5g … 5g + 4, stream bit b is bit b % 8 of
///   byte b / 8 (a code may straddle two bytes). The bits after the last code are 0. Index > 13
///   is invalid, and so is code 16 (a sign on index 0, a "negative zero" the packer never writes).
/// - base-3: groups of 5 trits, byte = Σ_{j=0…4} (w_j + 1) × 3^j (the first trit is the least
///   significant digit), the last group padded with w = 0 (digit 1). A byte > 242 is invalid.
///
/// `unpack` accepts exactly what `pack` writes: besides invalid codes it refuses padding that
/// differs from the padding above, so every accepted tile re-packs to the same bytes.
public enum TilePacking {
    /// Packs a tile's trits.
    /// - Parameters:
    ///   - trits: the tile's trits in column order (k = column × rows + row), each −1, 0 or +1.
    ///   - format: the codec.
    ///   - source: what the tile is (e.g. a tensor and tile name), for the error message.
    /// - Returns: `format.packedTileBytes(weights: trits.count)` bytes.
    /// - Throws: `InputError` naming `source` and the index of the first value that is not a trit.
    /// - Complexity: O(trits.count).
    public static func pack(_ trits: [Int8], format: WeightFormat, source: String = "ternary tile") throws -> [UInt8] {
        if let index = trits.firstIndex(where: { $0 < -1 || $0 > 1 }) {
            throw InputError(source: source, location: "weight \(index)", expected: "a trit −1, 0 or +1",
                             found: "\(trits[index])")
        }
        let count = trits.count
        var bytes = [UInt8](repeating: 0, count: Int(format.packedTileBytes(weights: Int64(count))))
        trits.withUnsafeBufferPointer { input in
            bytes.withUnsafeMutableBufferPointer { output in
                // The trit at k, or the padding trit 0 past the end.
                func trit(_ k: Int) -> Int { k < count ? Int(input[k]) : 0 }
                switch format {
                case .i2s:
                    for b in 0 ..< output.count {
                        var byte = 0
                        for j in 0 ..< 4 { byte |= (trit(4 * b + j) + 1) << (2 * j) }
                        output[b] = UInt8(truncatingIfNeeded: byte)
                    }
                case .tl2:
                    for g in 0 ..< ceilDiv(count, 3) {
                        let v = 9 * trit(3 * g) + 3 * trit(3 * g + 1) + trit(3 * g + 2)
                        let code = (v < 0 ? 0b1_0000 : 0) | abs(v)
                        let bit = 5 * g, byte = bit / 8, shift = bit % 8
                        output[byte] |= UInt8(truncatingIfNeeded: code << shift)
                        if shift > 3 { output[byte + 1] |= UInt8(truncatingIfNeeded: code >> (8 - shift)) }
                    }
                case .base3:
                    for b in 0 ..< output.count {
                        var byte = 0
                        for j in (0 ..< 5).reversed() { byte = byte * 3 + trit(5 * b + j) + 1 }
                        output[b] = UInt8(truncatingIfNeeded: byte)
                    }
                }
            }
        }
        return bytes
    }

    /// Unpacks a tile's trits from its packed bytes.
    /// - Parameters:
    ///   - bytes: the packed tile from its first byte; bytes past `format.packedTileBytes(weights: count)`
    ///     are ignored. Any collection of bytes (`[UInt8]`, `ArraySlice<UInt8>`, `Data`, …).
    ///   - count: trits in the tile (rows × columns), ≥ 0.
    ///   - format: the codec.
    ///   - source: what the bytes are (a memory range, a tensor), for the error message.
    /// - Returns: `count` trits in column order (k = column × rows + row), each −1, 0 or +1.
    /// - Throws: `InputError` naming `source` for a negative count, fewer bytes than the tile
    ///   needs, an invalid code or a padding that `pack` would not write (naming the byte offset
    ///   within the tile and the code found).
    /// - Complexity: O(count).
    public static func unpack(_ bytes: some Collection<UInt8>, count: Int, format: WeightFormat,
                              source: String) throws -> [Int8] {
        guard count >= 0 else {
            throw InputError(source: source, location: "weight count", expected: "≥ 0", found: "\(count)")
        }
        var trits = [Int8](repeating: 0, count: count)
        let done: Void? = try bytes.withContiguousStorageIfAvailable { buffer in
            try trits.withUnsafeMutableBufferPointer { output in
                try unpack(UnsafeRawBufferPointer(buffer), into: output, format: format, source: source)
            }
        }
        if done == nil {
            let contiguous = Array(bytes)
            try contiguous.withUnsafeBytes { buffer in
                try trits.withUnsafeMutableBufferPointer { output in
                    try unpack(buffer, into: output, format: format, source: source)
                }
            }
        }
        return trits
    }

    /// Unpacks a tile of `trits.count` trits into the caller's buffer (the functional executor's
    /// path: no allocation).
    /// - Parameters:
    ///   - bytes: the packed tile from its first byte; bytes past `format.packedTileBytes(weights: trits.count)`
    ///     are ignored.
    ///   - trits: receives the trits in column order; its contents are unspecified if this throws.
    ///   - format: the codec.
    ///   - source: what the bytes are, for the error message.
    /// - Throws: `InputError` as `unpack(_:count:format:source:)` does.
    /// - Complexity: O(trits.count).
    public static func unpack(_ bytes: UnsafeRawBufferPointer, into trits: UnsafeMutableBufferPointer<Int8>,
                              format: WeightFormat, source: String) throws {
        let count = trits.count
        let needed = Int(format.packedTileBytes(weights: Int64(count)))
        guard bytes.count >= needed else {
            throw InputError(source: source, location: "\(format.rawValue) tile of \(count) weights",
                             expected: "at least \(needed) bytes", found: "\(bytes.count) bytes")
        }
        switch format {
        case .i2s: try unpackI2S(bytes, into: trits, source: source)
        case .tl2: try unpackTL2(bytes, into: trits, source: source)
        case .base3: try unpackBase3(bytes, into: trits, source: source)
        }
    }

    private static func unpackI2S(_ bytes: UnsafeRawBufferPointer, into trits: UnsafeMutableBufferPointer<Int8>,
                                  source: String) throws {
        let count = trits.count
        for b in 0 ..< ceilDiv(count, 4) {
            let byte = bytes[b]
            for j in 0 ..< 4 {
                let k = 4 * b + j, code = (byte >> (2 * j)) & 0b11
                // Built only for an error: a string per weight would dominate the decoding time.
                var bits: String { "bits \(2 * j)–\(2 * j + 1)" }
                if k < count {
                    guard code != 3 else {
                        throw InputError(source: source, location: "byte \(b) (\(bits), weight \(k))",
                                         expected: "an I2_S code 0, 1 or 2 (w + 1)", found: "code 3")
                    }
                    trits[k] = Int8(code) - 1
                } else if code != 1 {
                    throw InputError(source: source, location: "byte \(b) (\(bits), padding after weight \(count - 1))",
                                     expected: "padding code 1 (w = 0)", found: "code \(code)")
                }
            }
        }
    }

    /// `tl2Trits[3 × code ..< 3 × code + 3]` = (w0, w1, w2) for each valid 5-bit code.
    private static let tl2Trits: [Int8] = (0 ..< 32).flatMap { code -> [Int8] in
        let index = code & 0b1111, v = code >> 4 == 1 ? -index : index
        // v + 13 = 9(w0 + 1) + 3(w1 + 1) + (w2 + 1): its base-3 digits are the trits + 1.
        let u = v + 13
        guard index <= 13, u >= 0, u <= 26 else { return [0, 0, 0] }
        return [Int8(u / 9) - 1, Int8(u / 3 % 3) - 1, Int8(u % 3) - 1]
    }

    private static func unpackTL2(_ bytes: UnsafeRawBufferPointer, into trits: UnsafeMutableBufferPointer<Int8>,
                                  source: String) throws {
        let count = trits.count, groups = ceilDiv(count, 3), used = Int(WeightFormat.tl2.packedTileBytes(weights: Int64(count)))
        try tl2Trits.withUnsafeBufferPointer { table in
            for g in 0 ..< groups {
                let bit = 5 * g, byte = bit / 8, shift = bit % 8
                var stream = Int(bytes[byte])
                if shift > 3 { stream |= Int(bytes[byte + 1]) << 8 }
                let code = (stream >> shift) & 0b1_1111
                var place: String { "byte \(byte) (code \(g) at tile bits \(bit)–\(bit + 4), weights \(3 * g)–\(3 * g + 2))" }
                guard code & 0b1111 <= 13, code != 0b1_0000 else {
                    throw InputError(source: source, location: place,
                                     expected: "a TL2 code: sign bit + index 0…13 of |9w0 + 3w1 + w2| (no sign on index 0)",
                                     found: "code \(code) (sign \(code >> 4), index \(code & 0b1111))")
                }
                for j in 0 ..< 3 {
                    let k = 3 * g + j, w = table[3 * code + j]
                    if k < count {
                        trits[k] = w
                    } else if w != 0 {
                        throw InputError(source: source, location: "\(place), padding after weight \(count - 1)",
                                         expected: "padding weights 0", found: "w\(j) = \(w) (code \(code))")
                    }
                }
            }
        }
        let tailBit = 5 * groups % 8
        if tailBit != 0 {
            let last = used - 1, tail = bytes[last] >> tailBit
            guard tail == 0 else {
                throw InputError(source: source, location: "byte \(last) (bits \(tailBit)–7, after the last code)",
                                 expected: "zero padding bits", found: "\(tail) (byte \(bytes[last]))")
            }
        }
    }

    /// `base3Trits[5 × byte ..< 5 × byte + 5]` = the 5 trits of each byte ≤ 242.
    private static let base3Trits: [Int8] = (0 ..< 243).flatMap { byte -> [Int8] in
        var rest = byte, trits: [Int8] = []
        for _ in 0 ..< 5 {
            trits.append(Int8(rest % 3) - 1)
            rest /= 3
        }
        return trits
    }

    private static func unpackBase3(_ bytes: UnsafeRawBufferPointer, into trits: UnsafeMutableBufferPointer<Int8>,
                                    source: String) throws {
        let count = trits.count
        try base3Trits.withUnsafeBufferPointer { table in
            for b in 0 ..< ceilDiv(count, 5) {
                let byte = Int(bytes[b])
                guard byte <= 242 else {
                    throw InputError(source: source, location: "byte \(b) (weights \(5 * b)–\(5 * b + 4))",
                                     expected: "a base-3 byte ≤ 242 (5 trits)", found: "\(byte)")
                }
                for j in 0 ..< 5 {
                    let k = 5 * b + j, w = table[5 * byte + j]
                    if k < count {
                        trits[k] = w
                    } else if w != 0 {
                        throw InputError(source: source, location: "byte \(b) (digit \(j), padding after weight \(count - 1))",
                                         expected: "padding digit 1 (w = 0)", found: "digit \(w + 1) (byte \(byte))")
                    }
                }
            }
        }
    }
}
