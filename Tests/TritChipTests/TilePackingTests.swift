import Testing
import TritChip
import TritCore

/// The per-tile weight codecs: hand-derived bytes, an independent bit-level packer, round trips over
/// seeded random tiles, exhaustive single codes, byte counts, and the refusals with their messages.
@Suite struct TilePackingTests {
    /// The one-line message `body` threw, or a marker.
    private func message(_ body: () throws -> Any) -> String {
        do {
            _ = try body()
            return "no error"
        } catch let error as InputError {
            return error.description
        } catch {
            return "not an InputError: \(error)"
        }
    }

    private func randomTrits(_ count: Int, _ rng: inout SplitMix64) -> [Int8] {
        (0 ..< count).map { _ in Int8(truncatingIfNeeded: Int(rng.next() % 3)) - 1 }
    }

    /// The spec written out bit by bit, independently of `TilePacking`: a list of bits, LSB first,
    /// grouped into bytes at the end.
    private func oraclePack(_ trits: [Int8], _ format: WeightFormat) -> [UInt8] {
        var bits: [Bool] = []
        func append(_ value: Int, width: Int) { for i in 0 ..< width { bits.append((value >> i) & 1 == 1) } }
        func trit(_ k: Int) -> Int { k < trits.count ? Int(trits[k]) : 0 }
        switch format {
        case .i2s:
            for k in 0 ..< (trits.count + 3) / 4 * 4 { append(trit(k) + 1, width: 2) }
        case .tl2:
            for g in 0 ..< (trits.count + 2) / 3 {
                let v = 9 * trit(3 * g) + 3 * trit(3 * g + 1) + trit(3 * g + 2)
                append(abs(v), width: 4)
                append(v < 0 ? 1 : 0, width: 1)
            }
        case .base3:
            for g in 0 ..< (trits.count + 4) / 5 {
                var byte = 0, power = 1
                for j in 0 ..< 5 {
                    byte += (trit(5 * g + j) + 1) * power
                    power *= 3
                }
                append(byte, width: 8)
            }
        }
        while bits.count % 8 != 0 { bits.append(false) }
        return stride(from: 0, to: bits.count, by: 8).map { start in
            (0 ..< 8).reduce(UInt8(0)) { $0 | (bits[start + $1] ? 1 << UInt8($1) : 0) }
        }
    }

    // MARK: Hand-derived bytes

    /// A 3-row × 2-column tile, column 0 = (1, 0, −1), column 1 = (1, −1, 0), listed column by
    /// column: k = column × 3 + row → [1, 0, −1, 1, −1, 0].
    private let tile3x2: [Int8] = [1, 0, -1, 1, -1, 0]
    /// Ten trits: three full TL2 groups with signs, then one padded group.
    private let ten: [Int8] = [-1, -1, -1, 1, 1, 1, 0, 0, -1, 1]

    @Test func i2sHandDerived() throws {
        // codes w + 1 = [2, 1, 0, 2 | 0, 1, pad 1, pad 1], first code in bits 0–1:
        // byte 0 = 2 + 1·4 + 0·16 + 2·64 = 134; byte 1 = 0 + 1·4 + 1·16 + 1·64 = 84.
        #expect(try TilePacking.pack(tile3x2, format: .i2s) == [134, 84])
        // codes [0, 0, 0, 2 | 2, 2, 1, 1 | 0, 2, pad 1, pad 1]:
        // 2·64 = 128; 2 + 2·4 + 1·16 + 1·64 = 90; 0 + 2·4 + 1·16 + 1·64 = 88.
        #expect(try TilePacking.pack(ten, format: .i2s) == [128, 90, 88])
        #expect(try TilePacking.unpack([134, 84] as [UInt8], count: 6, format: .i2s, source: "tile") == tile3x2)
        #expect(try TilePacking.unpack([128, 90, 88] as [UInt8], count: 10, format: .i2s, source: "tile") == ten)
    }

    @Test func tl2HandDerived() throws {
        // tile3x2: groups (1, 0, −1) → v = 9 − 1 = 8, code 8; (1, −1, 0) → v = 9 − 3 = 6, code 6.
        // stream = 8 + 6·2⁵ = 200: one byte 200, and a second byte 0 (10 bits in 2 bytes).
        #expect(try TilePacking.pack(tile3x2, format: .tl2) == [200, 0])
        // ten: (−1, −1, −1) → v = −13, code 16 | 13 = 29; (1, 1, 1) → 13, code 13;
        // (0, 0, −1) → −1, code 17; (1, pad 0, pad 0) → 9, code 9.
        // stream = 29 + 13·2⁵ + 17·2¹⁰ + 9·2¹⁵ = 29 + 416 + 17,408 + 294,912 = 312,765 = 0x04C5BD,
        // so bytes 0xBD, 0xC5, 0x04 (codes 1 and 3 straddle bytes 0–1 and 1–2).
        #expect(try TilePacking.pack(ten, format: .tl2) == [0xBD, 0xC5, 0x04])
        #expect(try TilePacking.unpack([200, 0] as [UInt8], count: 6, format: .tl2, source: "tile") == tile3x2)
        #expect(try TilePacking.unpack([0xBD, 0xC5, 0x04] as [UInt8], count: 10, format: .tl2, source: "tile") == ten)
    }

    @Test func base3HandDerived() throws {
        // tile3x2: digits w + 1 of (1, 0, −1, 1, −1) = (2, 1, 0, 2, 0), first least significant:
        // 2 + 1·3 + 0·9 + 2·27 + 0·81 = 59; then (0, pad ×4) → digits all 1 → 1 + 3 + 9 + 27 + 81 = 121.
        #expect(try TilePacking.pack(tile3x2, format: .base3) == [59, 121])
        // ten: (−1, −1, −1, 1, 1) → (0, 0, 0, 2, 2) → 2·27 + 2·81 = 216;
        // (1, 0, 0, −1, 1) → (2, 1, 1, 0, 2) → 2 + 3 + 9 + 0 + 162 = 176.
        #expect(try TilePacking.pack(ten, format: .base3) == [216, 176])
        // Extremes: five +1 → 2 × 121 = 242 (the largest valid byte); five −1 → 0.
        #expect(try TilePacking.pack([1, 1, 1, 1, 1], format: .base3) == [242])
        #expect(try TilePacking.pack([-1, -1, -1, -1, -1], format: .base3) == [0])
        #expect(try TilePacking.unpack([59, 121] as [UInt8], count: 6, format: .base3, source: "tile") == tile3x2)
        #expect(try TilePacking.unpack([216, 176] as [UInt8], count: 10, format: .base3, source: "tile") == ten)
    }

    @Test func anEmptyTilePacksToNoBytes() throws {
        for format in WeightFormat.allCases {
            #expect(try TilePacking.pack([], format: format) == [])
            #expect(try TilePacking.unpack([] as [UInt8], count: 0, format: format, source: "tile") == [])
        }
    }

    // MARK: Exhaustive single codes

    /// Every byte as a full I2_S byte of 4 weights: valid exactly when none of its codes is 3, and
    /// then it decodes to its codes − 1 and re-packs to itself.
    @Test func everyI2SByte() throws {
        for byte in 0 ... 255 {
            let codes = (0 ..< 4).map { (byte >> (2 * $0)) & 3 }
            let bytes = [UInt8(byte)]
            if codes.contains(3) {
                #expect(throws: InputError.self) { try TilePacking.unpack(bytes, count: 4, format: .i2s, source: "t") }
            } else {
                let trits = try TilePacking.unpack(bytes, count: 4, format: .i2s, source: "t")
                #expect(trits == codes.map { Int8($0 - 1) })
                #expect(try TilePacking.pack(trits, format: .i2s) == bytes)
            }
        }
    }

    /// Every 5-bit TL2 code as a group of 3 weights: the 27 codes of −13 … 13 decode to the trits
    /// whose 9w0 + 3w1 + w2 is the signed index; the other 5 (indices 14, 15 either sign, and
    /// code 16, a signed zero) are refused.
    @Test func everyTL2Code() throws {
        var decoded = Set<[Int8]>()
        for code in 0 ..< 32 {
            let index = code & 15, sign = code >> 4
            let bytes = [UInt8(code)]
            if index > 13 || code == 16 {
                #expect(throws: InputError.self) { try TilePacking.unpack(bytes, count: 3, format: .tl2, source: "t") }
                continue
            }
            let trits = try TilePacking.unpack(bytes, count: 3, format: .tl2, source: "t")
            let v = 9 * Int(trits[0]) + 3 * Int(trits[1]) + Int(trits[2])
            #expect(v == (sign == 1 ? -index : index))
            #expect(try TilePacking.pack(trits, format: .tl2) == bytes)
            decoded.insert(trits)
        }
        #expect(decoded.count == 27)  // every group of 3 trits, once
    }

    /// Every byte as a base-3 group of 5 weights: ≤ 242 decodes to its base-3 digits − 1.
    @Test func everyBase3Byte() throws {
        for byte in 0 ... 255 {
            let bytes = [UInt8(byte)]
            if byte > 242 {
                #expect(throws: InputError.self) { try TilePacking.unpack(bytes, count: 5, format: .base3, source: "t") }
                continue
            }
            let trits = try TilePacking.unpack(bytes, count: 5, format: .base3, source: "t")
            var rest = byte
            for j in 0 ..< 5 {
                #expect(Int(trits[j]) == rest % 3 - 1)
                rest /= 3
            }
            #expect(try TilePacking.pack(trits, format: .base3) == bytes)
        }
    }

    // MARK: Round trips

    @Test(arguments: WeightFormat.allCases)
    func seededRandomTilesRoundTripAndMatchTheBitLevelOracle(format: WeightFormat) throws {
        var rng = SplitMix64(seed: 0x7117_0000 + UInt64(format.rawValue.count))
        for count in Array(0 ... 50) + [128 * 128, 300, 1001] {
            let trits = randomTrits(count, &rng)
            let bytes = try TilePacking.pack(trits, format: format)
            #expect(Int64(bytes.count) == format.packedTileBytes(weights: Int64(count)))
            #expect(bytes == oraclePack(trits, format), "\(format) n = \(count)")
            #expect(try TilePacking.unpack(bytes, count: count, format: format, source: "tile") == trits, "\(format) n = \(count)")
        }
    }

    /// A tile inside a larger buffer: unpacking from a slice at an offset, with bytes of the next
    /// tile after it, reads only its own bytes; the caller's-buffer variant gives the same trits.
    @Test(arguments: WeightFormat.allCases)
    func unpacksFromASliceAndIntoACallersBuffer(format: WeightFormat) throws {
        var rng = SplitMix64(seed: 42)
        let first = randomTrits(37, &rng), second = randomTrits(64, &rng)
        let packedFirst = try TilePacking.pack(first, format: format)
        let buffer: [UInt8] = [0xFF, 0xFF, 0xFF] + packedFirst + (try TilePacking.pack(second, format: format))
        let slice = buffer[3...]
        #expect(try TilePacking.unpack(slice, count: 37, format: format, source: "tile") == first)
        var output = [Int8](repeating: 9, count: 37)
        try buffer.withUnsafeBytes { raw in
            try output.withUnsafeMutableBufferPointer { out in
                try TilePacking.unpack(UnsafeRawBufferPointer(rebasing: raw[3...]), into: out, format: format, source: "tile")
            }
        }
        #expect(output == first)
        // A lazy (non-contiguous) collection takes the copying path.
        #expect(try TilePacking.unpack(packedFirst.lazy.map { $0 }, count: 37, format: format, source: "tile") == first)
    }

    // MARK: Byte counts

    /// `packedTileBytes` against the closed forms, and against `bitsPerWeight.bytes(forWeights:)`:
    /// equal for I2_S and base-3; for TL2 never less and at most one byte more — one more for 683
    /// of the 4096 sizes (the padded last group's extra bits cross a byte boundary).
    @Test func byteCountsMatchTheClosedFormsAndTheBitsPerWeightWithinOneByte() throws {
        var tl2Larger = 0
        for n in Int64(1) ... 4096 {
            #expect(WeightFormat.i2s.packedTileBytes(weights: n) == (n + 3) / 4)
            #expect(WeightFormat.tl2.packedTileBytes(weights: n) == (5 * ((n + 2) / 3) + 7) / 8)
            #expect(WeightFormat.base3.packedTileBytes(weights: n) == (n + 4) / 5)
            for format in WeightFormat.allCases {
                let difference = format.packedTileBytes(weights: n) - format.bitsPerWeight.bytes(forWeights: n)
                #expect(difference == 0 || (format == .tl2 && difference == 1), "\(format) n = \(n): \(difference)")
                if format == .tl2 && difference == 1 { tl2Larger += 1 }
            }
        }
        #expect(tl2Larger == 683)
        // The array tile sizes of the presets: TL2 adds no byte there.
        #expect(WeightFormat.tl2.packedTileBytes(weights: 128 * 128) == 3414)
        #expect(WeightFormat.tl2.packedTileBytes(weights: 256 * 256) == 13654)
        #expect(WeightFormat.tl2.bitsPerWeight.bytes(forWeights: 256 * 256) == 13654)
    }

    /// The packer writes exactly `packedTileBytes` for every size up to 4096 (all-zero tiles, so
    /// only the length is exercised here; the contents are checked above).
    @Test(arguments: WeightFormat.allCases)
    func packedLengthEqualsPackedTileBytes(format: WeightFormat) throws {
        for n in 0 ... 4096 {
            let bytes = try TilePacking.pack([Int8](repeating: 0, count: n), format: format)
            #expect(Int64(bytes.count) == format.packedTileBytes(weights: Int64(n)))
        }
    }

    @Test func byteCountsNeverOverflowAndAreZeroForNoWeights() {
        for format in WeightFormat.allCases {
            #expect(format.packedTileBytes(weights: 0) == 0)
            #expect(format.packedTileBytes(weights: -5) == 0)
        }
        // ⌈Int64.max / 3⌉ = 3,074,457,345,618,258,603 groups × 5 bits / 8 = 1,921,535,841,011,411,627 bytes (rounded up).
        #expect(WeightFormat.tl2.packedTileBytes(weights: Int64.max) == 1_921_535_841_011_411_627)
        #expect(WeightFormat.i2s.packedTileBytes(weights: Int64.max) == Int64.max / 4 + 1)
    }

    // MARK: Refusals

    @Test func invalidCodesAreRefusedNamingTheByte() {
        // I2_S 0xD5 = 0b11_01_01_01: code 3 in bits 6–7 of byte 1, weight 7.
        #expect(message { try TilePacking.unpack([0x55, 0xD5] as [UInt8], count: 8, format: .i2s, source: "DRAM 0+2") }
            == "DRAM 0+2: byte 1 (bits 6–7, weight 7): expected an I2_S code 0, 1 or 2 (w + 1), found code 3")
        // TL2 code 1 = 14 at stream bits 5–9: 14 × 2⁵ = 448 = bytes 0xC0, 0x01.
        #expect(message { try TilePacking.unpack([0xC0, 0x01] as [UInt8], count: 6, format: .tl2, source: "tile") }
            == "tile: byte 0 (code 1 at tile bits 5–9, weights 3–5): expected a TL2 code: sign bit + index 0…13 of |9w0 + 3w1 + w2| (no sign on index 0), found code 14 (sign 0, index 14)")
        #expect(message { try TilePacking.unpack([0x10] as [UInt8], count: 3, format: .tl2, source: "tile") }
            == "tile: byte 0 (code 0 at tile bits 0–4, weights 0–2): expected a TL2 code: sign bit + index 0…13 of |9w0 + 3w1 + w2| (no sign on index 0), found code 16 (sign 1, index 0)")
        #expect(message { try TilePacking.unpack([121, 243] as [UInt8], count: 10, format: .base3, source: "tile") }
            == "tile: byte 1 (weights 5–9): expected a base-3 byte ≤ 242 (5 trits), found 243")
    }

    @Test func paddingOtherThanThePackersIsRefused() {
        // I2_S, 5 weights: byte 1 = 0b01_01_00_10 has code 0 (w = −1) in the padding bits 2–3.
        #expect(message { try TilePacking.unpack([0x55, 0b01_01_00_10] as [UInt8], count: 5, format: .i2s, source: "tile") }
            == "tile: byte 1 (bits 2–3, padding after weight 4): expected padding code 1 (w = 0), found code 0")
        // TL2, 4 weights: group 1 = code 10 = v 10 = (1, 0, 1): its w2 is padding and not 0.
        // Stream = 0 + 10 × 2⁵ = 320 = bytes 0x40, 0x01.
        #expect(message { try TilePacking.unpack([0x40, 0x01] as [UInt8], count: 4, format: .tl2, source: "tile") }
            == "tile: byte 0 (code 1 at tile bits 5–9, weights 3–5), padding after weight 3: expected padding weights 0, found w2 = 1 (code 10)")
        // TL2, 3 weights: one code in bits 0–4, bit 5 set after it.
        #expect(message { try TilePacking.unpack([0x21] as [UInt8], count: 3, format: .tl2, source: "tile") }
            == "tile: byte 0 (bits 5–7, after the last code): expected zero padding bits, found 1 (byte 33)")
        // base-3, 4 weights: 121 + 81 = 202 puts digit 2 (w = +1) in the padding digit 4.
        #expect(message { try TilePacking.unpack([202] as [UInt8], count: 4, format: .base3, source: "tile") }
            == "tile: byte 0 (digit 4, padding after weight 3): expected padding digit 1 (w = 0), found digit 2 (byte 202)")
    }

    @Test func shortBuffersAndNegativeCountsAreRefused() {
        #expect(message { try TilePacking.unpack([0x55, 0x55] as [UInt8], count: 9, format: .i2s, source: "tile") }
            == "tile: I2_S tile of 9 weights: expected at least 3 bytes, found 2 bytes")
        // 13 TL2 weights: 5 codes × 5 bits = 25 bits → 4 bytes (one more than ⌈13 × 5 / 24⌉ = 3).
        #expect(message { try TilePacking.unpack([0, 0, 0] as [UInt8], count: 13, format: .tl2, source: "tile") }
            == "tile: TL2 tile of 13 weights: expected at least 4 bytes, found 3 bytes")
        #expect(message { try TilePacking.unpack([] as [UInt8], count: 1, format: .base3, source: "tile") }
            == "tile: base3 tile of 1 weights: expected at least 1 bytes, found 0 bytes")
        #expect(message { try TilePacking.unpack([] as [UInt8], count: -1, format: .base3, source: "tile") }
            == "tile: weight count: expected ≥ 0, found -1")
    }

    @Test func packRefusesValuesThatAreNotTrits() {
        for format in WeightFormat.allCases {
            #expect(message { try TilePacking.pack([0, 1, -1, 2, 0], format: format, source: "layer 3 tile (0, 1)") }
                == "layer 3 tile (0, 1): weight 3: expected a trit −1, 0 or +1, found 2")
            #expect(message { try TilePacking.pack([-128], format: format) }
                == "ternary tile: weight 0: expected a trit −1, 0 or +1, found -128")
        }
    }
}
