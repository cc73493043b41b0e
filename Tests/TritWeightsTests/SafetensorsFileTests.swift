import Foundation
import TritCore
import TritTestSupport
import TritWeights
import XCTest

/// `SafetensorsFile`, `SafetensorsCheckpoint`, `SafetensorsWriter` and `PackedTernary`.
final class SafetensorsFileTests: XCTestCase {
    private func fixture(_ path: String) -> String { FixtureFilesTests.folder.appendingPathComponent(path).path }

    private func read(_ bytes: [UInt8], path: String = "mem.safetensors") throws -> SafetensorsFile {
        try SafetensorsFile(file: MappedFile(path: path, bytes: Data(bytes)))
    }


    func testRoundTripKeepsNamesShapesBytesAndValues() throws {
        let checkpoint = SafetensorsCheckpoint(file: try read(try WeightFixtures.dtypesSafetensors().bytes()))
        XCTAssertEqual(checkpoint.tensors.map(\.info.name),
                       ["bf16", "f16", "f32", "u8", "i8", "scalar", "empty", "packed.weight", "packed.weight_scale"])
        XCTAssertEqual(checkpoint.entry("f32")?.info.shape, [3, 2])
        XCTAssertEqual(checkpoint.entry("scalar")?.info.shape, [])
        XCTAssertEqual(checkpoint.entry("empty")?.info.elementCount, 0)
        XCTAssertEqual(checkpoint.shards[0].metadata.map(\.key), ["format", "producer"])
        let values: [Float] = [0, 1, -2, 0.5, -0.25, 3.75]
        for name in ["bf16", "f16", "f32"] { XCTAssertEqual(try checkpoint.floatValues(name), values, name) }
        XCTAssertEqual(try checkpoint.floatValues("scalar"), [42])
        XCTAssertEqual(try checkpoint.floatValues("empty"), [])
        XCTAssertEqual(try checkpoint.uint8Values("u8"), [0, 1, 128, 255])
        XCTAssertEqual(try checkpoint.int8Values("i8"), [0, 1, -128, -1])
        XCTAssertEqual([UInt8](try checkpoint.data("f32")), ElementCoding.bytes(float32: values))
        let ternary = try checkpoint.ternaryWeights("packed.weight")
        XCTAssertEqual(ternary, TernaryTensor(rows: 8, columns: 5, trits: WeightFixtures.dtypesPackedTrits, scale: 0.75))
        XCTAssertEqual(checkpoint.logicalShape(try XCTUnwrap(checkpoint.entry("packed.weight"))), [8, 5])
        XCTAssertFalse(checkpoint.isPackedTernary(try XCTUnwrap(checkpoint.entry("u8"))))
        // The committed fixture is the same file.
        XCTAssertEqual(try SafetensorsCheckpoint.open(fixture("dtypes.safetensors")).tensors.map(\.info),
                       checkpoint.tensors.map(\.info))
    }

    func testWriterAlignsDataAndReaderUsesTheDataStart() throws {
        var writer = SafetensorsWriter()
        try writer.add("x", dtype: .u8, shape: [3], data: [7, 8, 9])
        let bytes = writer.bytes()
        let file = try read(bytes)
        XCTAssertEqual(file.dataStart % 8, 0)
        XCTAssertEqual(Int64(bytes.count), file.dataStart + 3)
        XCTAssertEqual([UInt8](try file.data(of: file.tensors[0])), [7, 8, 9])
        XCTAssertThrowsError(try writer.add("x", dtype: .u8, shape: [1], data: [0]))
        XCTAssertThrowsError(try writer.add("y", dtype: .f32, shape: [2], data: [0]))
    }

    /// The HF layout, by hand: output rows 0, P, 2P, 3P of one column share a byte, row i·P + r
    /// in bits 2i…2i+1 of packed row r, code w + 1.
    func testPackedTernaryLayoutMatchesTransformers() throws {
        // rows 8 (P = 2 packed rows), 1 column: trits of rows 0…7.
        let trits: [Int8] = [-1, 1, 0, 0, 1, -1, 0, 1]
        let packed = try PackedTernary.pack(trits, rows: 8, columns: 1)
        // Packed row 0 holds rows 0, 2, 4, 6: codes 0, 1, 2, 1 → 0b01_10_01_00.
        // Packed row 1 holds rows 1, 3, 5, 7: codes 2, 1, 0, 2 → 0b10_00_01_10.
        XCTAssertEqual(packed, [0b01_10_01_00, 0b10_00_01_10])
        XCTAssertEqual(try PackedTernary.unpack(packed, packedRows: 2, columns: 1, source: "s", tensor: "t"), trits)
        var random = SplitMix64(seed: 5)
        let many = (0..<(12 * 7)).map { _ in random.trit() }
        XCTAssertEqual(try PackedTernary.unpack(try PackedTernary.pack(many, rows: 12, columns: 7), packedRows: 3, columns: 7,
                                                source: "s", tensor: "t"), many)
        XCTAssertEqual(message { try PackedTernary.unpack([0b0000_0011], packedRows: 1, columns: 1, source: "m.safetensors", tensor: "w") },
                       "m.safetensors: tensor \"w\" byte 0 (packed row 0, column 0): expected 2-bit codes w + 1 in 0...2, found code 3 in bits 0...1")
        XCTAssertThrowsError(try PackedTernary.pack([2], rows: 4, columns: 0))
    }

    func testTinyModelTensorsReadBackAsWritten() throws {
        let checkpoint = try SafetensorsCheckpoint.open(fixture("tiny-bitnet/model.safetensors"))
        let model = WeightFixtures.model
        XCTAssertEqual(try checkpoint.floatValues("model.embed_tokens.weight"), model.embedding)
        for layer in 0..<WeightFixtures.layers {
            for p in WeightFixtures.projections {
                let weights = try checkpoint.ternaryWeights("model.layers.\(layer).\(p.hf).weight")
                XCTAssertEqual(weights.rows, p.out)
                XCTAssertEqual(weights.columns, p.in)
                XCTAssertEqual(weights.trits, model.trits["\(layer).\(p.hf)"])
                XCTAssertEqual(weights.scale, model.scales["\(layer).\(p.hf)"])
            }
        }
    }

    func testShardedCheckpointIsOneSetOfTensors() throws {
        let single = try SafetensorsCheckpoint.open(fixture("tiny-bitnet/model.safetensors"))
        let sharded = try SafetensorsCheckpoint.open(fixture("tiny-bitnet-sharded/model.safetensors.index.json"))
        XCTAssertTrue(sharded.isSharded)
        XCTAssertEqual(sharded.shards.count, 2)
        XCTAssertEqual(Set(sharded.tensors.map(\.info.name)), Set(single.tensors.map(\.info.name)))
        XCTAssertEqual(sharded.totalTensorBytes, single.totalTensorBytes)
        XCTAssertEqual(sharded.indexTotalSizeBytes, single.totalTensorBytes)
        for entry in single.tensors {
            XCTAssertEqual(try sharded.data(entry.info.name), try single.data(entry.info.name), entry.info.name)
        }
        XCTAssertEqual(sharded.entry("model.norm.weight")?.shard, 1)
    }

    func testShardedIndexErrorsNameTheIndexAndTheTensor() throws {
        let folder = try RepositoryPaths.temporaryFolder("tritsim-shards")
        defer { try? FileManager.default.removeItem(at: folder) }
        var writer = SafetensorsWriter()
        try writer.add("a", dtype: .u8, shape: [1], data: [1])
        try writer.add("b", dtype: .u8, shape: [1], data: [2])
        try Data(writer.bytes()).write(to: folder.appendingPathComponent("s1.safetensors"))
        func index(_ map: String) throws -> String {
            let url = folder.appendingPathComponent("model.safetensors.index.json")
            try Data("{\"weight_map\": {\(map)}}".utf8).write(to: url)
            return url.path
        }
        let missing = try index(#""a": "s1.safetensors", "b": "s1.safetensors", "c": "s1.safetensors""#)
        XCTAssertEqual(message { try SafetensorsCheckpoint.open(missing) },
                       "\(missing): weight_map.c: expected a tensor of \(folder.path)/s1.safetensors, found no tensor of that name in the shard")
        let unlisted = try index(#""a": "s1.safetensors""#)
        XCTAssertEqual(message { try SafetensorsCheckpoint.open(unlisted) },
                       "\(folder.path)/s1.safetensors: tensor \"b\": expected a tensor that \(unlisted) lists under s1.safetensors, found not in weight_map")
        let escaping = try index(#""a": "../s1.safetensors""#)
        XCTAssertEqual(message { try SafetensorsCheckpoint.open(escaping) },
                       "\(escaping): weight_map.a: expected a shard file name in the index's folder, found \"../s1.safetensors\"")
        let empty = try index("")
        XCTAssertEqual(message { try SafetensorsCheckpoint.open(empty) }, "\(empty): weight_map: expected at least one tensor, found an empty map")
    }

    /// Every broken fixture gets one precise line: file, byte offset or field, expected, found.
    func testBrokenFilesGetPreciseErrors() {
        let cases: [(String, String)] = [
            ("truncated-header", "byte 0 (header length): expected an 8-byte little-endian header length, found a file of 6 bytes"),
            ("header-length-beyond-file", "byte 0 (header length): expected at most 690 bytes (what follows the length in this 698-byte file), found 698"),
            ("header-too-large", "byte 0 (header length): expected at most 100000000 bytes (the safetensors limit), found 1099511627776"),
            ("truncated-data", "tensor \"packed.weight\".data_offsets: expected END ≤ 64 (the data buffer's size: the file's bytes after the header), found [60, 70]"),
            ("wrong-data-offsets-length", "tensor \"a\".data_offsets: expected END − BEGIN = 16 bytes (shape [2, 2] × 4-byte F32), found [0, 12], 12 bytes"),
            ("overlapping-offsets", "tensor \"b\".data_offsets: expected data that does not overlap another tensor's, found [4, 12], overlapping \"a\" [0, 8]"),
            ("offsets-beyond-file", "tensor \"a\".data_offsets: expected END ≤ 16 (the data buffer's size: the file's bytes after the header), found [0, 64]"),
            ("unknown-dtype", "tensor \"a\".dtype: expected one of BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64, found unknown dtype \"F7\""),
            ("metadata-not-string", "__metadata__.format: expected a string, found number 1"),
        ]
        for (name, expected) in cases {
            let path = fixture("broken/\(name).safetensors")
            XCTAssertEqual(message { try SafetensorsFile.open(path) }, "\(path): \(expected)", name)
        }
        let notJSON = fixture("broken/not-json.safetensors")
        XCTAssertEqual(message { try SafetensorsFile.open(notJSON) },
                       "\(notJSON) header: line 1, column 23: expected a quoted member name, found end of file")
    }

    func testTilingRulesOfTheReferenceImplementation() throws {
        let gap = WeightFixtures.rawSafetensors(#"{"a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}"#, data: [0, 0, 0, 0])
        XCTAssertEqual(message { try self.read(gap) },
                       "mem.safetensors: tensor \"a\".data_offsets: expected BEGIN = 0 (tensors tile the data buffer without gaps), found [2, 4], a gap of 2 bytes before the first tensor")
        let trailing = WeightFixtures.rawSafetensors(#"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}"#, data: [0, 0, 0])
        XCTAssertEqual(message { try self.read(trailing) },
                       "mem.safetensors: byte 63 (data buffer): expected the last tensor to end at the end of the file (data buffer of 3 bytes), found 1 bytes after the last tensor")
        let reversed = WeightFixtures.rawSafetensors(#"{"a":{"dtype":"U8","shape":[0],"data_offsets":[2,0]}}"#, data: [0, 0])
        XCTAssertEqual(message { try self.read(reversed) }, "mem.safetensors: tensor \"a\".data_offsets: expected BEGIN ≤ END, found [2, 0]")
        let overflow = WeightFixtures.rawSafetensors(#"{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#, data: [])
        XCTAssertEqual(message { try self.read(overflow) },
                       "mem.safetensors: tensor \"a\".shape: expected an element count that fits in 64 bits, found a value that overflows")
        let negative = WeightFixtures.rawSafetensors(#"{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}}"#, data: [])
        XCTAssertEqual(message { try self.read(negative) }, "mem.safetensors: tensor \"a\".shape: expected a list of integers ≥ 0, found number -1")
        let extra = WeightFixtures.rawSafetensors(#"{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0],"offsets":[0,0]}}"#, data: [])
        XCTAssertTrue(message { try self.read(extra) }.contains("found unknown field \"offsets\""))
        let notObject = WeightFixtures.rawSafetensors("[1]", data: [])
        XCTAssertEqual(message { try self.read(notObject) }, "mem.safetensors: byte 8 (JSON header): expected a JSON object starting with '{', found byte 0x5b")
        // A valid empty file: `{}` and no data.
        XCTAssertEqual(try read(WeightFixtures.rawSafetensors("{}", data: [])).tensors, [])
    }

    func testMissingFileAndWrongTypeAccess() throws {
        XCTAssertEqual(message { try SafetensorsFile.open("/nonexistent/model.safetensors") },
                       "/nonexistent/model.safetensors: expected a readable model file, found no such file")
        XCTAssertEqual(message { try SafetensorsFile.open(FixtureFilesTests.folder.path) },
                       "\(FixtureFilesTests.folder.path): expected a readable model file, found a folder")
        let checkpoint = try SafetensorsCheckpoint.open(fixture("dtypes.safetensors"))
        XCTAssertTrue(message { try checkpoint.floatValues("u8") }.hasSuffix("tensor \"u8\".dtype: expected F32, F16 or BF16, found U8"))
        XCTAssertTrue(message { try checkpoint.ternaryWeights("u8") }.contains("expected a rank-2 U8 packed ternary weight"))
        XCTAssertTrue(message { try checkpoint.data("nope") }.hasSuffix("tensor \"nope\": expected a tensor of that name, found none in the checkpoint"))
    }
}
