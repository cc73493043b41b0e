import Foundation
import TritCore
import TritWeights

/// Fixture values drawn from TritCore's deterministic `SplitMix64` (internal to TritTestSupport).
extension SplitMix64 {
    /// A value in 0..<bound.
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    /// A trit in {−1, 0, +1}.
    mutating func trit() -> Int8 { Int8(below(3)) - 1 }
    /// A float in [−1, 1) with at most 8 significant bits, so bf16 and f16 hold it exactly.
    mutating func smallFloat() -> Float { Float(below(256) - 128) / 128 }
}

/// The deterministic model-file fixtures of `Tests/Fixtures/weights/`: every file is a pure
/// function of this source, so the committed bytes can be regenerated and compared
/// (`FixtureFilesTests`). Sizes are tiny: a 2-layer BitNet with hidden 32, FFN 64, 4 query / 2 KV
/// heads (head dim 8), vocabulary 64.
public enum WeightFixtures {
    /// The tiny model's architecture.
    public static let hidden = 32, ffn = 64, layers = 2, heads = 4, kvHeads = 2, headDim = 8, vocab = 64, context = 128

    /// The projections of one layer: HF name, GGUF name, [out, in].
    public static let projections: [(hf: String, gguf: String, out: Int, in: Int)] = [
        ("self_attn.q_proj", "attn_q", heads * headDim, hidden),
        ("self_attn.k_proj", "attn_k", kvHeads * headDim, hidden),
        ("self_attn.v_proj", "attn_v", kvHeads * headDim, hidden),
        ("self_attn.o_proj", "attn_output", hidden, heads * headDim),
        ("mlp.gate_proj", "ffn_gate", ffn, hidden),
        ("mlp.up_proj", "ffn_up", ffn, hidden),
        ("mlp.down_proj", "ffn_down", hidden, ffn),
    ]

    /// The norms of one layer: HF name, GGUF name, width.
    public static let norms: [(hf: String, gguf: String, width: Int)] = [
        ("input_layernorm", "attn_norm", hidden),
        ("self_attn.attn_sub_norm", "attn_sub_norm", hidden),
        ("post_attention_layernorm", "ffn_norm", hidden),
        ("mlp.ffn_sub_norm", "ffn_sub_norm", ffn),
    ]

    /// The tiny model's weights, drawn once from seed 2024 in a fixed order.
    public struct TinyModel: Sendable {
        public var embedding: [Float] = []            // [vocab, hidden]
        public var finalNorm: [Float] = []            // [hidden]
        public var trits: [String: [Int8]] = [:]      // "layer.projection" → [out, in]
        public var scales: [String: Float] = [:]
        public var norms: [String: [Float]] = [:]     // "layer.norm" → [width]

        public init() {
            var random = SplitMix64(seed: 2024)
            embedding = (0..<(vocab * hidden)).map { _ in random.smallFloat() }
            finalNorm = (0..<hidden).map { _ in 1 + random.smallFloat() / 4 }
            for layer in 0..<layers {
                for p in projections {
                    trits["\(layer).\(p.hf)"] = (0..<(p.out * p.in)).map { _ in random.trit() }
                    scales["\(layer).\(p.hf)"] = 0.5 + Float(random.below(64)) / 64
                }
                for n in WeightFixtures.norms { norms["\(layer).\(n.hf)"] = (0..<n.width).map { _ in 1 + random.smallFloat() / 4 } }
            }
        }
    }

    public static let model = TinyModel()

    /// The tiny model's Hugging Face `config.json` (2B4T's fields, scaled down).
    public static let configJSON = """
    {
      "architectures": ["BitNetForCausalLM"],
      "hidden_act": "relu2",
      "hidden_size": \(hidden),
      "intermediate_size": \(ffn),
      "max_position_embeddings": \(context),
      "model_type": "bitnet",
      "num_attention_heads": \(heads),
      "num_hidden_layers": \(layers),
      "num_key_value_heads": \(kvHeads),
      "rms_norm_eps": 1e-05,
      "rope_theta": 500000.0,
      "tie_word_embeddings": true,
      "torch_dtype": "bfloat16",
      "vocab_size": \(vocab),
      "quantization_config": {"quant_method": "bitnet", "offline_quantization": true}
    }

    """

    // MARK: safetensors

    /// One tensor of a safetensors file to be written.
    public typealias SafetensorsTensor = (name: String, dtype: SafetensorsDType, shape: [Int64], data: [UInt8])

    /// The tiny model in the packed HF layout, tensors of `layerRange` (and the embedding and final
    /// norm where `embedding` / `finalNorm` say), sorted by name as transformers writes them.
    /// `edit` may change the tensor list before it is written (tests build defective files with it).
    public static func tinySafetensors(layerRange: Range<Int> = 0..<layers, embedding: Bool = true, finalNorm: Bool = true,
                                       edit: (inout [SafetensorsTensor]) throws -> Void = { _ in }) throws -> SafetensorsWriter {
        var tensors: [SafetensorsTensor] = []
        if embedding {
            tensors.append(("model.embed_tokens.weight", .bf16, [Int64(vocab), Int64(hidden)], ElementCoding.bytes(bfloat16: model.embedding)))
        }
        if finalNorm { tensors.append(("model.norm.weight", .bf16, [Int64(hidden)], ElementCoding.bytes(bfloat16: model.finalNorm))) }
        for layer in layerRange {
            for p in projections {
                let key = "\(layer).\(p.hf)"
                let packed = try PackedTernary.pack(model.trits[key] ?? [], rows: p.out, columns: p.in)
                let name = "model.layers.\(layer).\(p.hf).weight"
                tensors.append((name, .u8, [Int64(p.out / 4), Int64(p.in)], packed))
                tensors.append((name + "_scale", .bf16, [1], ElementCoding.bytes(bfloat16: [model.scales[key] ?? 0])))
            }
            for n in norms {
                tensors.append(("model.layers.\(layer).\(n.hf).weight", .bf16, [Int64(n.width)],
                                ElementCoding.bytes(bfloat16: model.norms["\(layer).\(n.hf)"] ?? [])))
            }
        }
        try edit(&tensors)
        var writer = SafetensorsWriter(metadata: [("format", "pt")])
        for t in tensors.sorted(by: { $0.name < $1.name }) { try writer.add(t.name, dtype: t.dtype, shape: t.shape, data: t.data) }
        return writer
    }

    /// One tensor per dtype read by value, plus rank 0, a zero-length dimension and a packed
    /// ternary pair.
    public static func dtypesSafetensors() throws -> SafetensorsWriter {
        let values: [Float] = [0, 1, -2, 0.5, -0.25, 3.75]
        var writer = SafetensorsWriter(metadata: [("format", "pt"), ("producer", "tritsim fixtures")])
        try writer.add("bf16", dtype: .bf16, shape: [2, 3], data: ElementCoding.bytes(bfloat16: values))
        try writer.add("f16", dtype: .f16, shape: [2, 3], data: ElementCoding.bytes(float16: values))
        try writer.add("f32", dtype: .f32, shape: [3, 2], data: ElementCoding.bytes(float32: values))
        try writer.add("u8", dtype: .u8, shape: [4], data: [0, 1, 128, 255])
        try writer.add("i8", dtype: .i8, shape: [2, 2], data: [0, 1, 0x80, 0xFF])
        try writer.add("scalar", dtype: .f32, shape: [], data: ElementCoding.bytes(float32: [42]))
        try writer.add("empty", dtype: .f32, shape: [0, 3], data: [])
        let trits: [Int8] = [-1, 0, 1, 0, 1, /**/ 1, 1, -1, -1, 0, /**/ 0, 0, 0, 1, -1, /**/ 1, -1, 0, 0, 1,
                             0, 1, 1, -1, -1, /**/ -1, -1, 1, 0, 0, /**/ 1, 0, -1, 1, 0, /**/ 0, 1, 0, -1, 1]
        try writer.add("packed.weight", dtype: .u8, shape: [2, 5], data: try PackedTernary.pack(trits, rows: 8, columns: 5))
        try writer.add("packed.weight_scale", dtype: .f32, shape: [1], data: ElementCoding.bytes(float32: [0.75]))
        return writer
    }

    /// The trits of `dtypes.safetensors`' `packed.weight`, `[8, 5]` row-major.
    public static let dtypesPackedTrits: [Int8] = [-1, 0, 1, 0, 1, 1, 1, -1, -1, 0, 0, 0, 0, 1, -1, 1, -1, 0, 0, 1,
                                                   0, 1, 1, -1, -1, -1, -1, 1, 0, 0, 1, 0, -1, 1, 0, 0, 1, 0, -1, 1]

    /// A safetensors file from a literal header and data buffer (for broken fixtures).
    public static func rawSafetensors(_ header: String, data: [UInt8], declaredLength: UInt64? = nil) -> [UInt8] {
        let bytes = Array(header.utf8)
        return ElementCoding.littleEndian(declaredLength ?? UInt64(bytes.count), width: 8) + bytes + data
    }

    // MARK: GGUF

    /// I2_S data of `trits` in the x86 layout (`quantize_i2_s`, QK_I2_S = 128: weight j of each
    /// 128-weight block goes to byte j % 32 at shift 6 − 2·(j / 32), code = w + 1), then the
    /// float32 scale and zeros to the 32-byte tail. Trits are taken in ggml order (ne[0] fastest).
    public static func i2s(_ trits: [Int8], scale: Float) -> [UInt8] {
        var codes = [UInt8](repeating: 0, count: trits.count / 4)
        for (index, trit) in trits.enumerated() {
            let block = index / 128, j = index % 128
            codes[block * 32 + j % 32] |= UInt8(trit + 1) << (6 - 2 * UInt8(j / 32))
        }
        return codes + ElementCoding.bytes(float32: [scale]) + [UInt8](repeating: 0, count: 28)
    }

    /// One tensor of a GGUF file to be written.
    public typealias GGUFTensor = (name: String, type: GGMLType, dimensions: [Int64], data: [UInt8])

    /// The tiny model as bitnet.cpp writes it: arch `bitnet-b1.58`, F16 embedding, F32 norms,
    /// I2_S projections, a tokenizer list, and one metadata key of every value type. `edit` may
    /// change the tensor list before it is added (tests build defective files with it).
    public static func tinyGGUF(edit: (inout [GGUFTensor]) throws -> Void = { _ in }) throws -> GGUFWriter {
        let arch = "bitnet-b1.58"
        var writer = GGUFWriter()
        writer.set("general.architecture", .string(arch))
        writer.set("general.name", .string("tiny bitnet fixture"))
        writer.set("general.file_type", .uint32(40))
        writer.set("\(arch).vocab_size", .uint32(UInt32(vocab)))
        writer.set("\(arch).context_length", .uint32(UInt32(context)))
        writer.set("\(arch).embedding_length", .uint32(UInt32(hidden)))
        writer.set("\(arch).block_count", .uint32(UInt32(layers)))
        writer.set("\(arch).feed_forward_length", .uint32(UInt32(ffn)))
        writer.set("\(arch).rope.dimension_count", .uint32(UInt32(headDim)))
        writer.set("\(arch).attention.head_count", .uint32(UInt32(heads)))
        writer.set("\(arch).attention.head_count_kv", .uint32(UInt32(kvHeads)))
        writer.set("\(arch).attention.layer_norm_rms_epsilon", .float32(1e-5))
        writer.set("\(arch).rope.freq_base", .float32(500000))
        writer.set("tokenizer.ggml.model", .string("gpt2"))
        writer.set("tokenizer.ggml.tokens", .array(elementType: .string, values: (0..<vocab).map { .string("tok\($0)") }))
        writer.set("tokenizer.ggml.token_type", .array(elementType: .int32, values: (0..<vocab).map { .int32($0 < 2 ? 3 : 1) }))
        writer.set("tokenizer.ggml.bos_token_id", .uint32(0))
        writer.set("tritsim.fixture.uint8", .uint8(200))
        writer.set("tritsim.fixture.int8", .int8(-100))
        writer.set("tritsim.fixture.uint16", .uint16(60000))
        writer.set("tritsim.fixture.int16", .int16(-30000))
        writer.set("tritsim.fixture.int32", .int32(-2_000_000_000))
        writer.set("tritsim.fixture.uint64", .uint64(UInt64.max))
        writer.set("tritsim.fixture.int64", .int64(Int64.min))
        writer.set("tritsim.fixture.float64", .float64(-0.125))
        writer.set("tritsim.fixture.bool", .bool(true))
        writer.set("tritsim.fixture.nested", .array(elementType: .array, values: [
            .array(elementType: .uint16, values: [.uint16(1), .uint16(2)]),
            .array(elementType: .uint16, values: []),
        ]))
        var tensors: [GGUFTensor] = [
            ("token_embd.weight", .f16, [Int64(hidden), Int64(vocab)], ElementCoding.bytes(float16: model.embedding)),
            ("output_norm.weight", .f32, [Int64(hidden)], ElementCoding.bytes(float32: model.finalNorm)),
        ]
        for layer in 0..<layers {
            for n in norms {
                tensors.append(("blk.\(layer).\(n.gguf).weight", .f32, [Int64(n.width)],
                                ElementCoding.bytes(float32: model.norms["\(layer).\(n.hf)"] ?? [])))
            }
            for p in projections {
                let key = "\(layer).\(p.hf)"
                // PyTorch [out, in] row-major is ggml {in, out} with ne[0] = in fastest: same order.
                tensors.append(("blk.\(layer).\(p.gguf).weight", .i2S, [Int64(p.in), Int64(p.out)],
                                i2s(model.trits[key] ?? [], scale: model.scales[key] ?? 0)))
            }
        }
        try edit(&tensors)
        for t in tensors { try writer.add(t.name, type: t.type, dimensions: t.dimensions, data: t.data) }
        return writer
    }

    /// One tensor of each of several ggml types, with `general.alignment` 64 and no architecture.
    public static func typesGGUF() throws -> GGUFWriter {
        var writer = GGUFWriter()
        writer.set("general.alignment", .uint32(64))
        let values: [Float] = [0, 1, -2, 0.5, -0.25, 3.75, 8, -8]
        try writer.add("f32", type: .f32, dimensions: [4, 2], data: ElementCoding.bytes(float32: values))
        try writer.add("f16", type: .f16, dimensions: [4, 2], data: ElementCoding.bytes(float16: values))
        try writer.add("bf16", type: .bf16, dimensions: [4, 2], data: ElementCoding.bytes(bfloat16: values))
        try writer.add("i8", type: .i8, dimensions: [8], data: [0, 1, 2, 3, 0xFC, 0xFD, 0xFE, 0xFF])
        try writer.add("q8_0", type: .q8_0, dimensions: [32, 1], data: [UInt8](repeating: 1, count: 34))
        try writer.add("q6_k", type: .q6K, dimensions: [256, 1], data: [UInt8](repeating: 2, count: 210))
        try writer.add("i2_s", type: .i2S, dimensions: [128, 2], data: i2s((0..<256).map { Int8($0 % 3) - 1 }, scale: 2))
        try writer.add("tl1", type: .tl1, dimensions: [8, 4], data: [UInt8](repeating: 3, count: 8 + 32))
        // TL2 {258, 2}: (2·2)/3·5/8 = 0, plus 256·2/2·4/8 = 128, a multiple of 32, plus 32 = 160 bytes.
        try writer.add("tl2", type: .tl2, dimensions: [258, 2], data: [UInt8](repeating: 4, count: 160))
        return writer
    }

    /// A GGUF with one F32 tensor "t" {4} and no metadata: magic 0..<4, version 4..<8,
    /// tensor_count 8..<16, kv_count 16..<24, name length 24..<32, name 32, n_dims 33..<37,
    /// ne[0] 37..<45, type 45..<49, offset 49..<57, padding to 64, data 64..<80.
    public static func oneTensorGGUF() throws -> [UInt8] {
        var writer = GGUFWriter()
        try writer.add("t", type: .f32, dimensions: [4], data: ElementCoding.bytes(float32: [1, 2, 3, 4]))
        return writer.bytes()
    }

    /// `bytes` with the little-endian `value` written over `offset ..< offset + width`.
    public static func patch(_ bytes: [UInt8], at offset: Int, _ value: UInt64, width: Int) -> [UInt8] {
        var out = bytes
        out.replaceSubrange(offset..<(offset + width), with: ElementCoding.littleEndian(value, width: width))
        return out
    }

    // MARK: the fixture set

    /// Every fixture: path under `Tests/Fixtures/weights/` and bytes.
    public static func all() throws -> [(path: String, bytes: [UInt8])] {
        let tiny = try tinySafetensors().bytes()
        let dtypes = try dtypesSafetensors().bytes()
        let oneTensor = try oneTensorGGUF()
        let twoTensors: [UInt8] = try {
            var writer = GGUFWriter()
            try writer.add("a", type: .f32, dimensions: [8], data: [UInt8](repeating: 0, count: 32))
            try writer.add("b", type: .f32, dimensions: [8], data: [UInt8](repeating: 0, count: 32))
            return writer.bytes()
        }()
        let shard1 = try tinySafetensors(layerRange: 0..<1, finalNorm: false).bytes()
        let shard2 = try tinySafetensors(layerRange: 1..<layers, embedding: false).bytes()
        let tensorBytes = try [shard1, shard2].map { bytes in
            try SafetensorsFile(file: MappedFile(path: "shard", bytes: Data(bytes))).tensors.reduce(0) { $0 + $1.byteCount }
        }.reduce(0, +)
        let index = "{\n  \"metadata\": {\"total_size\": \(tensorBytes)},\n  \"weight_map\": {\n"
            + shardMap().joined(separator: ",\n") + "\n  }\n}\n"
        return [
            ("tiny-bitnet/config.json", Array(configJSON.utf8)),
            ("tiny-bitnet/model.safetensors", tiny),
            ("tiny-bitnet-sharded/config.json", Array(configJSON.utf8)),
            ("tiny-bitnet-sharded/model.safetensors.index.json", Array(index.utf8)),
            ("tiny-bitnet-sharded/model-00001-of-00002.safetensors", shard1),
            ("tiny-bitnet-sharded/model-00002-of-00002.safetensors", shard2),
            ("tiny-bitnet-i2_s.gguf", try tinyGGUF().bytes()),
            ("dtypes.safetensors", dtypes),
            ("types.gguf", try typesGGUF().bytes()),
            // Broken safetensors files.
            ("broken/truncated-header.safetensors", Array(dtypes.prefix(6))),
            ("broken/header-length-beyond-file.safetensors", patch(dtypes, at: 0, UInt64(dtypes.count), width: 8)),
            ("broken/header-too-large.safetensors", patch(dtypes, at: 0, 1 << 40, width: 8)),
            ("broken/truncated-data.safetensors", Array(dtypes.dropLast(10))),
            ("broken/not-json.safetensors", rawSafetensors("{\"a\": {\"dtype\": \"F32\",", data: [])),
            ("broken/wrong-data-offsets-length.safetensors",
             rawSafetensors(#"{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}"#, data: [UInt8](repeating: 0, count: 12))),
            ("broken/overlapping-offsets.safetensors",
             rawSafetensors(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                            data: [UInt8](repeating: 0, count: 12))),
            ("broken/offsets-beyond-file.safetensors",
             rawSafetensors(#"{"a":{"dtype":"U8","shape":[64],"data_offsets":[0,64]}}"#, data: [UInt8](repeating: 0, count: 16))),
            ("broken/unknown-dtype.safetensors",
             rawSafetensors(#"{"a":{"dtype":"F7","shape":[2],"data_offsets":[0,2]}}"#, data: [0, 0])),
            ("broken/metadata-not-string.safetensors",
             rawSafetensors(#"{"__metadata__":{"format":1},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, data: [0])),
            // Broken GGUF files.
            ("broken/bad-magic.gguf", Array("GGUG".utf8) + oneTensor.dropFirst(4)),
            ("broken/version-2.gguf", patch(oneTensor, at: 4, 2, width: 4)),
            ("broken/tensor-count-too-large.gguf", patch(oneTensor, at: 8, 1 << 40, width: 8)),
            ("broken/string-length-beyond-file.gguf", patch(oneTensor, at: 24, 1 << 32, width: 8)),
            ("broken/unknown-ggml-type.gguf", patch(oneTensor, at: 45, 99, width: 4)),
            ("broken/undocumented-type-i8_s.gguf", patch(oneTensor, at: 45, 37, width: 4)),
            ("broken/unaligned-offset.gguf", patch(oneTensor, at: 49, 4, width: 8)),
            ("broken/truncated-data.gguf", Array(oneTensor.dropLast(20))),
            // Tensor "b" (info at 57..<90: name 57..<66, n_dims 66..<70, ne[0] 70..<78, type 78..<82,
            // offset 82..<90) moved onto "a"'s bytes.
            ("broken/overlapping-tensors.gguf", patch(twoTensors, at: 82, 0, width: 8)),
        ]
    }

    /// `weight_map` lines of the sharded tiny model: layer 0 and the embedding in shard 1, the rest in 2.
    private static func shardMap() -> [String] {
        var names: [(String, String)] = [("model.embed_tokens.weight", "model-00001-of-00002.safetensors")]
        for p in projections {
            names.append(("model.layers.0.\(p.hf).weight", "model-00001-of-00002.safetensors"))
            names.append(("model.layers.0.\(p.hf).weight_scale", "model-00001-of-00002.safetensors"))
        }
        for n in norms { names.append(("model.layers.0.\(n.hf).weight", "model-00001-of-00002.safetensors")) }
        for layer in 1..<layers {
            for p in projections {
                names.append(("model.layers.\(layer).\(p.hf).weight", "model-00002-of-00002.safetensors"))
                names.append(("model.layers.\(layer).\(p.hf).weight_scale", "model-00002-of-00002.safetensors"))
            }
            for n in norms { names.append(("model.layers.\(layer).\(n.hf).weight", "model-00002-of-00002.safetensors")) }
        }
        names.append(("model.norm.weight", "model-00002-of-00002.safetensors"))
        return names.map { "    \(JSONWriter.quote($0.0)): \(JSONWriter.quote($0.1))" }
    }
}
