import Foundation
import TritCore
import TritTestSupport
import TritWeights
import XCTest

/// `GGUFFile`, `GGUFWriter`, `GGMLType` sizes.
final class GGUFFileTests: XCTestCase {
    private func fixture(_ path: String) -> String { FixtureFilesTests.folder.appendingPathComponent(path).path }

    private func read(_ bytes: [UInt8]) throws -> GGUFFile {
        try GGUFFile(file: MappedFile(path: "mem.gguf", bytes: Data(bytes)))
    }


    /// I2_S codes decoded by hand (trace-formats.md §2: weight j of a 128-weight block sits in
    /// byte j % 32 at shift 6 − 2 × (j / 32); codes 0, 1, 2 are −1, 0, +1).
    func testI2SCodesDecodeByTheDocumentedLayout() throws {
        // Byte 0 holds weights 0, 32, 64, 96: codes 2, 0, 1, 1 = 0b10_00_01_01. Every other field is
        // code 1 (0), so the other bytes are 0b01_01_01_01 = 0x55.
        let codes: [UInt8] = [0b1000_0101] + [UInt8](repeating: 0x55, count: 31)
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("bitnet-b1.58"))
        try writer.add("w", type: .i2S, dimensions: [128, 1],
                       data: codes + ElementCoding.bytes(float32: [1]) + [UInt8](repeating: 0, count: 28))
        let trits = try read(writer.bytes()).i2sTrits("w")
        var expected = [Int8](repeating: 0, count: 128)
        expected[0] = 1
        expected[32] = -1
        XCTAssertEqual(trits, expected)
        // Code 3 is never written by quantize_i2_s: refused, naming the byte.
        var broken = GGUFWriter()
        broken.set("general.architecture", .string("bitnet-b1.58"))
        try broken.add("w", type: .i2S, dimensions: [128, 1],
                       data: [UInt8](repeating: 0x55, count: 5) + [0b0101_0111] + [UInt8](repeating: 0x55, count: 26)
                           + ElementCoding.bytes(float32: [1]) + [UInt8](repeating: 0, count: 28))
        XCTAssertEqual(message { try read(broken.bytes()).i2sTrits("w") },
                       "mem.gguf: tensor \"w\" byte 5 of its codes: expected 2-bit codes 0, 1 or 2 (−1, 0, +1), found code 3")
    }

    func testRoundTripOfEveryValueTypeAndTensor() throws {
        let writer = try WeightFixtures.tinyGGUF()
        let file = try read(writer.bytes())
        XCTAssertEqual(file.version, 3)
        XCTAssertEqual(file.alignmentBytes, 32)
        XCTAssertEqual(file.dataStart % 32, 0)
        XCTAssertEqual(file.architecture, "bitnet-b1.58")
        XCTAssertEqual(file.value("tritsim.fixture.uint8"), .uint8(200))
        XCTAssertEqual(file.value("tritsim.fixture.int8"), .int8(-100))
        XCTAssertEqual(file.value("tritsim.fixture.uint16"), .uint16(60000))
        XCTAssertEqual(file.value("tritsim.fixture.int16"), .int16(-30000))
        XCTAssertEqual(file.value("tritsim.fixture.int32"), .int32(-2_000_000_000))
        XCTAssertEqual(file.value("tritsim.fixture.uint64"), .uint64(UInt64.max))
        XCTAssertEqual(file.value("tritsim.fixture.uint64")?.integer, nil)
        XCTAssertEqual(file.value("tritsim.fixture.int64"), .int64(Int64.min))
        XCTAssertEqual(file.value("tritsim.fixture.float64"), .float64(-0.125))
        XCTAssertEqual(file.value("tritsim.fixture.bool"), .bool(true))
        XCTAssertEqual(file.value("bitnet-b1.58.attention.layer_norm_rms_epsilon")?.number, 1e-5)
        XCTAssertEqual(file.value("tritsim.fixture.nested"), .array(elementType: .array, values: [
            .array(elementType: .uint16, values: [.uint16(1), .uint16(2)]), .array(elementType: .uint16, values: []),
        ]))
        guard case .array(.string, let tokens)? = file.value("tokenizer.ggml.tokens") else { return XCTFail("no token list") }
        XCTAssertEqual(tokens.count, WeightFixtures.vocab)
        XCTAssertEqual(tokens.last, .string("tok63"))

        XCTAssertEqual(file.tensors.count, 2 + WeightFixtures.layers * 11)
        let q = try XCTUnwrap(file.tensor("blk.1.attn_q.weight"))
        XCTAssertEqual(q.dimensions, [32, 32])
        XCTAssertEqual(q.shape, [32, 32])
        XCTAssertEqual(q.type, .i2S)
        XCTAssertEqual(q.byteCount, 1024 / 4 + 32)
        let key = "1.self_attn.q_proj"
        XCTAssertEqual([UInt8](try file.data(of: q)),
                       WeightFixtures.i2s(WeightFixtures.model.trits[key] ?? [], scale: WeightFixtures.model.scales[key] ?? 0))
        XCTAssertEqual(try file.i2sScale("blk.1.attn_q.weight"), WeightFixtures.model.scales[key])
        // Every projection's trits decode as written (x86 128-weight blocks).
        for layer in 0..<WeightFixtures.layers {
            for (gguf, hf) in [("attn_q", "self_attn.q_proj"), ("attn_k", "self_attn.k_proj"), ("ffn_down", "mlp.down_proj")] {
                XCTAssertEqual(try file.i2sTrits("blk.\(layer).\(gguf).weight"), WeightFixtures.model.trits["\(layer).\(hf)"], "\(layer) \(gguf)")
            }
        }
        XCTAssertEqual(try file.floatValues("token_embd.weight"), WeightFixtures.model.embedding)
        XCTAssertEqual(try file.floatValues("output_norm.weight"), WeightFixtures.model.finalNorm)
        XCTAssertEqual(file.tensor("token_embd.weight")?.shape, [64, 32])
        // The committed fixture is the same file.
        XCTAssertEqual(try GGUFFile.open(fixture("tiny-bitnet-i2_s.gguf")).tensors, file.tensors)
    }

    func testTypeSizesFollowTheDocumentedFormulas() throws {
        let file = try GGUFFile.open(fixture("types.gguf"))
        XCTAssertEqual(file.alignmentBytes, 64)
        XCTAssertEqual(file.dataStart % 64, 0)
        XCTAssertTrue(file.tensors.allSatisfy { $0.offset % 64 == 0 })
        let sizes = Dictionary(uniqueKeysWithValues: file.tensors.map { ($0.name, $0.byteCount) })
        // F32 8×4; F16, BF16 8×2; I8 8×1; Q8_0 one block of 34; Q6_K one block of 210;
        // I2_S 256/4 + 32; TL1 32/4 + 32; TL2 {258, 2}: 0 + 128 → 128, + 32.
        XCTAssertEqual(sizes, ["f32": 32, "f16": 16, "bf16": 16, "i8": 8, "q8_0": 34, "q6_k": 210, "i2_s": 96, "tl1": 40, "tl2": 160])
        let values: [Float] = [0, 1, -2, 0.5, -0.25, 3.75, 8, -8]
        for name in ["f32", "f16", "bf16"] { XCTAssertEqual(try file.floatValues(name), values, name) }
        XCTAssertEqual(try file.i2sScale("i2_s"), 2)
        // 2B4T's ffn_down as I2_S and TL2: {6912, 2560}.
        XCTAssertEqual(try GGMLType.i2S.dataBytes(dimensions: [6912, 2560], source: "s", location: "l"), 6912 * 2560 / 4 + 32)
        // TL2: (6656·2560)/3·5/8 = 3_549_866 (C integer division), + 256·2560/2·4/8 = 163_840,
        // = 3_713_706 → next multiple of 32 = 3_713_728, + 32.
        XCTAssertEqual(try GGMLType.tl2.dataBytes(dimensions: [6912, 2560], source: "s", location: "l"), 3_713_760)
        XCTAssertEqual(try GGMLType.q4K.dataBytes(dimensions: [512, 3], source: "s", location: "l"), 2 * 3 * 144)
        XCTAssertEqual(try GGMLType.f32.dataBytes(dimensions: [0, 5], source: "s", location: "l"), 0)
        XCTAssertEqual(message { try GGMLType.q8_0.dataBytes(dimensions: [33], source: "s", location: "l") },
                       "s: l: expected ne[0] a multiple of Q8_0's block of 32 elements, found ne[0] = 33")
        XCTAssertEqual(message { try GGMLType.tl2.dataBytes(dimensions: [128, 4], source: "s", location: "l") },
                       "s: l: expected a TL2 tensor with ne[0] ≥ 256 and at most two dimensions above 1 (the only case ggml_nbytes' TL2 formula covers), found dimensions {128, 4}")
        XCTAssertEqual(message { try GGMLType.f32.dataBytes(dimensions: [Int64.max, 2], source: "s", location: "l") },
                       "s: l: expected an element count that fits in 64 bits, found a value that overflows")
        for type in GGMLType.allCases where type != .i8S {
            XCTAssertNoThrow(try type.dataBytes(dimensions: [512, 2], source: "s", location: "l"), type.name)
        }
    }

    /// Every broken fixture gets one precise line: file, byte offset and field, expected, found.
    func testBrokenFilesGetPreciseErrors() {
        let cases: [(String, String)] = [
            ("bad-magic", "byte 0 (magic): expected the GGUF magic 47 47 55 46 (\"GGUF\"), found 47 47 55 47"),
            ("version-2", "byte 4 (version): expected GGUF version 3, found 2 (an older GGUF version: convert the model again)"),
            ("tensor-count-too-large", "byte 8 (tensor_count): expected at most 3 (what the file can hold after the metadata, 24 bytes per tensor info at least), found 1099511627776"),
            ("string-length-beyond-file", "byte 24 (tensor 0 name length): expected at most 64 bytes (what is left of the file), found 4294967296"),
            ("unknown-ggml-type", "byte 45 (tensor \"t\" type): expected a known ggml type id (0–3, 6–39), found unknown type 99"),
            ("undocumented-type-i8_s", "byte 45 (tensor \"t\" type I8_S, dimensions {4}): expected a ggml type whose byte size is documented, found I8_S (37): no size for it in the sources read (trace-formats.md §2), so it is not guessed"),
            ("unaligned-offset", "byte 49 (tensor \"t\" offset): expected a multiple of the alignment 32, found 4"),
            ("truncated-data", "byte 49 (tensor \"t\" offset): expected data inside the file (bytes 64..<80 of a 76-byte file), found offset 0 + 16 bytes past the end"),
            ("overlapping-tensors", "tensor \"b\" offset: expected data that does not overlap another tensor's, found bytes 0..<32 of the data section, overlapping \"a\" at 0..<32"),
        ]
        for (name, expected) in cases {
            let path = fixture("broken/\(name).gguf")
            XCTAssertEqual(message { try GGUFFile.open(path) }, "\(path): \(expected)", name)
        }
    }

    func testLyingCountsAndLengthsAreRefusedBeforeAllocating() throws {
        var writer = GGUFWriter()
        writer.set("k", .array(elementType: .uint64, values: [.uint64(1)]))
        let bytes = writer.bytes()
        // Layout: header 24, key length 24..<32, "k" 32, value type 33..<37, element type
        // 37..<41, count 41..<49, element 49..<57, zero padding to 64.
        XCTAssertEqual(message { try self.read(WeightFixtures.patch(bytes, at: 41, 1 << 60, width: 8)) },
                       "mem.gguf: byte 41 (metadata \"k\" count): expected at most 1 uint64 elements (what the 15 bytes left can hold), found 1152921504606846976")
        XCTAssertEqual(message { try self.read(WeightFixtures.patch(bytes, at: 37, 13, width: 4)) },
                       "mem.gguf: byte 37 (metadata \"k\" element type): expected a value type 0...12, found 13")
        XCTAssertEqual(message { try self.read(WeightFixtures.patch(bytes, at: 16, 1 << 50, width: 8)) },
                       "mem.gguf: byte 16 (metadata_kv_count): expected at most 3 (what the 40 bytes left can hold, 13 bytes per pair at least), found 1125899906842624")
        XCTAssertEqual(message { try self.read(WeightFixtures.patch(bytes, at: 24, UInt64.max, width: 8)) },
                       "mem.gguf: byte 24 (metadata pair 0 key length): expected a value below 2^63, found 18446744073709551615")
        XCTAssertEqual(message { try self.read(WeightFixtures.patch(bytes, at: 24, 100, width: 8)) },
                       "mem.gguf: byte 24 (metadata pair 0 key length): expected at most 32 bytes (what is left of the file), found 100")
        XCTAssertEqual(message { try self.read(Array(bytes.prefix(45))) },
                       "mem.gguf: byte 41 (metadata \"k\" count): expected 8 more bytes, found the end of the file after 4 (the file is 45 bytes)")
        var bad = GGUFWriter()
        bad.set("b", .bool(true))
        XCTAssertEqual(message { try self.read(WeightFixtures.patch(bad.bytes(), at: 37, 2, width: 1)) },
                       "mem.gguf: byte 37 (metadata \"b\"): expected a bool byte 0 or 1, found 2")
        var twice = GGUFWriter()
        twice.set("a", .uint8(1))
        twice.set("b", .uint8(1))
        var twiceBytes = twice.bytes()
        twiceBytes[32 + 1 + 4 + 1 + 8] = UInt8(ascii: "a")
        XCTAssertEqual(message { try self.read(twiceBytes) }, "mem.gguf: byte 38 (metadata pair 1 key): expected each key once, found \"a\" again")
        var alignment = GGUFWriter()
        alignment.set("general.alignment", .uint64(64))
        XCTAssertEqual(message { try self.read(alignment.bytes()) },
                       "mem.gguf: metadata \"general.alignment\": expected a uint32 > 0 and a multiple of 8, found uint64 64")
        var deep: GGUFValue = .array(elementType: .uint8, values: [])
        for _ in 0..<GGUFFile.maximumArrayDepth { deep = .array(elementType: .array, values: [deep]) }
        var nested = GGUFWriter()
        nested.set("deep", deep)
        XCTAssertTrue(message { try self.read(nested.bytes()) }.contains("expected arrays nested at most 8 deep"))
        // A name of 65 bytes.
        var long = GGUFWriter()
        XCTAssertThrowsError(try long.add(String(repeating: "n", count: 65), type: .f32, dimensions: [1], data: [0, 0, 0, 0]))
        try long.add(String(repeating: "n", count: 64), type: .f32, dimensions: [1], data: [0, 0, 0, 0])
        var longBytes = long.bytes()
        longBytes = WeightFixtures.patch(longBytes, at: 24, 65, width: 8)
        XCTAssertTrue(message { try self.read(longBytes) }.contains("expected a name of at most 64 bytes, found 65 bytes"))
    }
}
