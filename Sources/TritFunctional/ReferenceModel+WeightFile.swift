import Foundation
import TritCore
import TritModel
import TritReference
import TritWeights

extension ReferenceModel {
    /// The reference model a downloaded model file holds: the architecture from
    /// `file.modelConfig()`, every tensor by its Hugging Face or GGUF name.
    ///
    /// Tensors (HF name / GGUF name as bitnet.cpp writes it; `shared/reference/trace-formats.md` §2):
    /// - `model.embed_tokens.weight` / `token_embd.weight`, `model.norm.weight` / `output_norm.weight`,
    ///   and `lm_head.weight` / `output.weight` when the embedding is not tied;
    /// - per block N, `model.layers.N.` / `blk.N.`: `input_layernorm` / `attn_norm`,
    ///   `self_attn.{q,k,v,o}_proj` / `attn_{q,k,v,output}`, `self_attn.attn_sub_norm` /
    ///   `attn_sub_norm`, `post_attention_layernorm` / `ffn_norm`, `mlp.{gate,up,down}_proj` /
    ///   `ffn_{gate,up,down}`, `mlp.ffn_sub_norm` / `ffn_sub_norm` (each name + `.weight`). The
    ///   sub-norms are read when the config has them (the 1bitLLM names `self_attn.inner_attn_ln`
    ///   and `mlp.ffn_layernorm` are accepted for them too).
    ///
    /// Full-precision tensors (embedding, norms, LM head) must be F32, F16 or BF16 and become fp32
    /// exactly. Projections must be ternary:
    /// - safetensors: the packed Hugging Face layout, U8 `[out/4, in]` with a one-element
    ///   `weight_scale` beside it (`PackedTernary`). What `weight_scale` means depends on the
    ///   transformers class `config.json` selects (`transformers/integrations/bitnet.py`):
    ///   `AutoBitLinear` (`quantization_config.linear_class: "autobitlinear"`, or the older
    ///   `offline_quantization: true`) multiplies the output by it, so γ = weight_scale (the 2B-4T
    ///   checkpoint; `bitnet-facts.md` §1d: weight_scale = mean|W|); `BitLinear` (the default class:
    ///   `linear_class: "bitlinear"` or none, e.g. the Falcon3 and Llama3-8B-1.58 checkpoints) divides
    ///   the output by it, so γ = 1 / weight_scale (rounded once to fp32).
    /// - GGUF: I2_S, decoded by `GGUFFile.i2sTrits` (bitnet.cpp's x86 layout) with γ = the float32
    ///   right after the codes (`GGUFFile.i2sScale`): microsoft/BitNet `src/ggml-bitnet-mad.cpp`
    ///   `quantize_i2_s` stores max|w| of weights that are already trit × mean|W|, i.e. γ, and the
    ///   matmul multiplies by it.
    ///
    /// γ is the reference's `TernaryMatrix.scale`: the real weight is γ × trit and a BitLinear
    /// outputs acc × γ / s (`BitLinear.apply`).
    ///
    /// RoPE is Hugging Face's rotate-half for both formats: neither bitnet.cpp converter permutes
    /// the q/k rows (`utils/convert-hf-to-gguf-bitnet.py` `BitnetModel.modify_tensors` does not;
    /// in `utils/convert-ms-to-gguf-bitnet.py`, which writes arch `bitnet-b1.58`, the permutation is
    /// commented out), so a GGUF's projections are in the checkpoint's row order.
    ///
    /// Tensors the reference has no use for (a tokenizer, bitnet.cpp's extras) are ignored; tensors
    /// that would change the model without the reference knowing are refused: any `*.bias`, a GGUF
    /// `rope_freqs.weight` or `ARCH.rope.scaling.factor` ≠ 1, a `config.json` `rope_scaling`.
    /// - Parameter file: an opened model file (`WeightFile.open`).
    /// - Returns: the model, ready for `prefill(tokens:)` and the rest.
    /// - Throws: `InputError` naming the file, the tensor, what was expected and what was found:
    ///   any error of `modelConfig()`; a missing tensor; a wrong shape; a full-precision tensor of
    ///   another type (e.g. a Q6_K embedding); a projection that is not ternary (an F16/BF16 master
    ///   weight, a GGUF Q-type); a ternary format not decoded yet (GGUF TL1, TL2, TQ1_0, TQ2_0); a
    ///   packed weight without `weight_scale` or with a non-finite (or, divided by, zero) scale; a
    ///   `config.json` whose `quantization_config` does not say how `weight_scale` applies; and the
    ///   errors of `ReferenceModel.init` (non-finite weights, a config the reference cannot run).
    /// - Complexity: O(parameters); memory: 1 byte per ternary weight and 4 per full-precision one,
    ///   plus the file's pages while a tensor is decoded.
    public static func load(_ file: WeightFile) throws -> ReferenceModel {
        let config = try file.modelConfig()
        switch file {
        case .gguf(let gguf): return try load(config: config, from: GGUFTensors(gguf))
        case .safetensors(let checkpoint): return try load(config: config, from: SafetensorsTensors(checkpoint))
        }
    }

    private static func load(config: ModelConfig, from source: some ModelTensorSource) throws -> ReferenceModel {
        let d = config.hiddenSize, q = config.queryWidth, kv = config.kvWidth, f = config.intermediateSize
        func vector(_ tensor: ModelTensor, _ count: Int) throws -> [Float] { try source.floats(tensor, shape: [count]) }
        func matrix(_ tensor: ModelTensor, rows: Int, columns: Int) throws -> Matrix<Float> {
            try Matrix(rows: rows, columns: columns, elements: try source.floats(tensor, shape: [rows, columns]),
                       name: source.name(tensor))
        }
        var layers: [LayerWeights] = []
        layers.reserveCapacity(config.layers)
        for n in 0 ..< config.layers {
            func norm(_ part: ModelTensor.LayerPart, _ count: Int) throws -> [Float] { try vector(.layer(n, part), count) }
            func ternary(_ part: ModelTensor.LayerPart, out: Int, in inFeatures: Int) throws -> TernaryMatrix {
                try source.ternary(.layer(n, part), out: out, in: inFeatures)
            }
            layers.append(LayerWeights(
                inputNorm: try norm(.inputNorm, d),
                qProj: try ternary(.qProj, out: q, in: d),
                kProj: try ternary(.kProj, out: kv, in: d),
                vProj: try ternary(.vProj, out: kv, in: d),
                attnSubNorm: config.subNorms ? try norm(.attnSubNorm, q) : nil,
                oProj: try ternary(.oProj, out: d, in: q),
                postAttentionNorm: try norm(.postAttentionNorm, d),
                gateProj: try ternary(.gateProj, out: f, in: d),
                upProj: try ternary(.upProj, out: f, in: d),
                ffnSubNorm: config.subNorms ? try norm(.ffnSubNorm, f) : nil,
                downProj: try ternary(.downProj, out: d, in: f)))
        }
        return try ReferenceModel(
            config: config,
            embedding: try matrix(.embedding, rows: config.vocabSize, columns: d),
            layers: layers,
            finalNorm: try vector(.finalNorm, d),
            lmHead: config.tieWordEmbeddings ? nil : try matrix(.lmHead, rows: config.vocabSize, columns: d))
    }
}

/// A tensor of the reference model, by role.
fileprivate enum ModelTensor {
    /// A tensor of a transformer block.
    enum LayerPart {
        case inputNorm, qProj, kProj, vProj, attnSubNorm, oProj, postAttentionNorm, gateProj, upProj, ffnSubNorm, downProj
    }

    case embedding, finalNorm, lmHead
    case layer(Int, LayerPart)

    /// The Hugging Face names, the canonical one first (then accepted alternatives).
    var huggingFaceNames: [String] {
        switch self {
        case .embedding: return ["model.embed_tokens.weight"]
        case .finalNorm: return ["model.norm.weight"]
        case .lmHead: return ["lm_head.weight"]
        case .layer(let n, let part):
            let names: [String]
            switch part {
            case .inputNorm: names = ["input_layernorm"]
            case .qProj: names = ["self_attn.q_proj"]
            case .kProj: names = ["self_attn.k_proj"]
            case .vProj: names = ["self_attn.v_proj"]
            case .attnSubNorm: names = ["self_attn.attn_sub_norm", "self_attn.inner_attn_ln"]
            case .oProj: names = ["self_attn.o_proj"]
            case .postAttentionNorm: names = ["post_attention_layernorm"]
            case .gateProj: names = ["mlp.gate_proj"]
            case .upProj: names = ["mlp.up_proj"]
            case .ffnSubNorm: names = ["mlp.ffn_sub_norm", "mlp.ffn_layernorm"]
            case .downProj: names = ["mlp.down_proj"]
            }
            return names.map { "model.layers.\(n).\($0).weight" }
        }
    }

    /// The GGUF name (bitnet.cpp's llama.cpp fork, `src/llama.cpp`, arch `bitnet` and `bitnet-b1.58`).
    var ggufName: String {
        switch self {
        case .embedding: return "token_embd.weight"
        case .finalNorm: return "output_norm.weight"
        case .lmHead: return "output.weight"
        case .layer(let n, let part):
            let name: String
            switch part {
            case .inputNorm: name = "attn_norm"
            case .qProj: name = "attn_q"
            case .kProj: name = "attn_k"
            case .vProj: name = "attn_v"
            case .attnSubNorm: name = "attn_sub_norm"
            case .oProj: name = "attn_output"
            case .postAttentionNorm: name = "ffn_norm"
            case .gateProj: name = "ffn_gate"
            case .upProj: name = "ffn_up"
            case .ffnSubNorm: name = "ffn_sub_norm"
            case .downProj: name = "ffn_down"
            }
            return "blk.\(n).\(name).weight"
        }
    }
}

/// The tensors of one model file, read by role.
fileprivate protocol ModelTensorSource {
    /// The tensor's name in the file (the canonical one when it is missing).
    func name(_ tensor: ModelTensor) -> String
    /// A full-precision tensor of PyTorch shape `shape` (outermost first), row-major, as fp32.
    func floats(_ tensor: ModelTensor, shape: [Int]) throws -> [Float]
    /// A ternary projection of PyTorch shape `[out, in]` with its γ.
    func ternary(_ tensor: ModelTensor, out: Int, in inFeatures: Int) throws -> TernaryMatrix
}

/// "[2560, 6912]".
private func describe(_ shape: [some BinaryInteger]) -> String {
    "[" + shape.map { "\($0)" }.joined(separator: ", ") + "]"
}

private func tensorLocation(_ name: String) -> String { "tensor \"\(name)\"" }

/// Refuses the tensors that would change the model without the reference knowing.
private func refuseBiases(_ names: [String], source: String) throws {
    if let bias = names.first(where: { $0.hasSuffix(".bias") }) {
        throw InputError(source: source, location: tensorLocation(bias),
                         expected: "no bias tensors (BitNet has none, and the reference models none)", found: "a bias")
    }
}

// MARK: safetensors

/// How a packed checkpoint's `weight_scale` turns into γ.
private enum WeightScaleConvention {
    /// transformers `AutoBitLinear` (offline): output × weight_scale, so γ = weight_scale.
    case multiplier
    /// transformers `BitLinear`: output / (activation scale × weight_scale), so γ = 1 / weight_scale.
    case divisor
}

private struct SafetensorsTensors: ModelTensorSource {
    let checkpoint: SafetensorsCheckpoint
    /// The convention, or the error to throw when a packed weight first needs it.
    let convention: Result<WeightScaleConvention, any Error>

    init(_ checkpoint: SafetensorsCheckpoint) throws {
        self.checkpoint = checkpoint
        try refuseBiases(checkpoint.tensors.map(\.info.name), source: checkpoint.path)
        // `ModelConfig.describe(safetensors:)` has already read this file: it exists and parses.
        let configPath = Self.folderPrefix(of: checkpoint.path) + "config.json"
        let json = try JSONObjectReader.load(file: URL(fileURLWithPath: configPath), displayName: configPath)
        if let scaling = json.value("rope_scaling"), scaling != .null {
            throw json.error("rope_scaling", expected: "null or absent (the reference models plain RoPE only)", found: scaling.summary)
        }
        convention = Result { try Self.convention(json) }
    }

    /// The folder prefix of `path` as typed (`""` or ending in `/`), as `ModelConfig.describe` forms it.
    static func folderPrefix(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[...slash])
    }

    /// The class transformers builds for the checkpoint's linear layers, from `quantization_config`
    /// (`integrations/bitnet.py` `_replace_with_bitnet_linear` in its versions with `linear_class`,
    /// and the earlier ones with `offline_quantization` / `online_quantization` flags).
    static func convention(_ json: JSONObjectReader) throws -> WeightScaleConvention {
        guard json.contains("quantization_config") else {
            throw json.error("quantization_config",
                             expected: "{\"quant_method\": \"bitnet\", …}, which says whether weight_scale multiplies (AutoBitLinear) or divides (BitLinear) the output",
                             found: "nothing (field missing)")
        }
        let quantization = try json.object("quantization_config")
        let method = try quantization.string("quant_method")
        guard method == "bitnet" else {
            throw quantization.error("quant_method", expected: "\"bitnet\"", found: "\"\(method)\"")
        }
        let online = InputError(source: json.source, location: quantization.path,
                                expected: "offline quantisation (packed ternary weights with weight_scale)",
                                found: "online quantisation (full-precision weights quantised at run time, which the loader does not do)")
        switch try quantization.optionalString("linear_class") {
        case "autobitlinear":
            guard try quantization.optionalString("quantization_mode") != "online" else { throw online }
            return .multiplier
        case "bitlinear":
            return .divisor
        case nil:
            if try quantization.optionalBool("online_quantization") == true { throw online }
            return try quantization.optionalBool("offline_quantization") == true ? .multiplier : .divisor
        case let other?:
            throw quantization.error("linear_class", expected: "\"autobitlinear\" or \"bitlinear\"", found: "\"\(other)\"")
        }
    }

    func name(_ tensor: ModelTensor) -> String {
        let names = tensor.huggingFaceNames
        return names.first { checkpoint.entry($0) != nil } ?? names[0]
    }

    /// The entry and the file holding it (the shard for a sharded checkpoint).
    private func located(_ name: String, expected: @autoclosure () -> String) throws -> (SafetensorsCheckpoint.Entry, String) {
        guard let entry = checkpoint.entry(name) else {
            throw InputError(source: checkpoint.path, location: tensorLocation(name), expected: expected(), found: "none in the checkpoint")
        }
        return (entry, checkpoint.shards[entry.shard].path)
    }

    func floats(_ tensor: ModelTensor, shape: [Int]) throws -> [Float] {
        let name = name(tensor)
        let wanted = "a full-precision (F32, F16 or BF16) tensor of shape \(describe(shape))"
        let (entry, file) = try located(name, expected: wanted)
        guard [.f32, .f16, .bf16].contains(entry.info.dtype), entry.info.shape == shape.map(Int64.init) else {
            let packed = checkpoint.isPackedTernary(entry) ? " (packed ternary)" : ""
            throw InputError(source: file, location: tensorLocation(name), expected: wanted,
                             found: "\(entry.info.dtype.rawValue) \(describe(entry.info.shape))\(packed)")
        }
        return try checkpoint.floatValues(name)
    }

    func ternary(_ tensor: ModelTensor, out: Int, in inFeatures: Int) throws -> TernaryMatrix {
        let name = name(tensor)
        let rows = out / PackedTernary.tritsPerByte
        let wanted = "a packed ternary weight: U8 [\(rows), \(inFeatures)] ([\(out) × \(inFeatures)] trits, 4 per byte) "
            + "with a one-element \(SafetensorsCheckpoint.scaleName(of: name)) beside it"
        let (entry, file) = try located(name, expected: wanted)
        guard entry.info.dtype == .u8 else {
            let master = [.f32, .f16, .bf16].contains(entry.info.dtype)
                ? ": full-precision master weights (an online-quantised checkpoint such as a -bf16 repository), which the loader does not quantise"
                : ""
            throw InputError(source: file, location: tensorLocation(name), expected: wanted,
                             found: "\(entry.info.dtype.rawValue) \(describe(entry.info.shape))\(master)")
        }
        guard out % PackedTernary.tritsPerByte == 0, entry.info.shape == [Int64(rows), Int64(inFeatures)] else {
            throw InputError(source: file, location: tensorLocation(name), expected: wanted, found: "U8 \(describe(entry.info.shape))")
        }
        let scaleName = SafetensorsCheckpoint.scaleName(of: name)
        guard checkpoint.entry(scaleName) != nil else {
            throw InputError(source: file, location: tensorLocation(scaleName),
                             expected: "a one-element weight_scale beside the packed weight \"\(name)\"", found: "none in the checkpoint")
        }
        let convention = try self.convention.get()
        let unpacked = try checkpoint.ternaryWeights(name)
        let stored = unpacked.scale
        let gamma: Float
        switch convention {
        case .multiplier:
            gamma = stored
        case .divisor:
            guard stored.isFinite, stored > 0 else {
                let (_, scaleFile) = try located(scaleName, expected: "")
                throw InputError(source: scaleFile, location: tensorLocation(scaleName),
                                 expected: "a finite scale > 0 (transformers' BitLinear divides the output by it)", found: "\(stored)")
            }
            gamma = 1 / stored
        }
        guard gamma.isFinite, gamma >= 0 else {
            let (_, scaleFile) = try located(scaleName, expected: "")
            throw InputError(source: scaleFile, location: tensorLocation(scaleName), expected: "a finite scale ≥ 0", found: "\(stored)")
        }
        let trits = try Matrix(rows: unpacked.rows, columns: unpacked.columns, elements: unpacked.trits, name: name)
        return try TernaryMatrix(trits: trits, scale: gamma, name: name)
    }
}

// MARK: GGUF

private struct GGUFTensors: ModelTensorSource {
    let file: GGUFFile

    init(_ file: GGUFFile) throws {
        self.file = file
        try refuseBiases(file.tensors.map(\.name), source: file.path)
        if file.tensor("rope_freqs.weight") != nil {
            throw InputError(source: file.path, location: tensorLocation("rope_freqs.weight"),
                             expected: "no RoPE frequency factors (the reference models plain RoPE only)", found: "one")
        }
        if let arch = file.architecture, let factor = file.value("\(arch).rope.scaling.factor"),
           let number = factor.number, number != 1 {
            throw InputError(source: file.path, location: "metadata \"\(arch).rope.scaling.factor\"",
                             expected: "1 or absent (the reference models plain RoPE only)", found: factor.summary)
        }
    }

    func name(_ tensor: ModelTensor) -> String { tensor.ggufName }

    private func info(_ name: String, expected: @autoclosure () -> String) throws -> GGUFTensorInfo {
        guard let info = file.tensor(name) else {
            throw InputError(source: file.path, location: tensorLocation(name), expected: expected(), found: "none in the file")
        }
        return info
    }

    func floats(_ tensor: ModelTensor, shape: [Int]) throws -> [Float] {
        let name = tensor.ggufName
        let dimensions = shape.reversed().map(Int64.init)
        let wanted = "a full-precision (F32, F16 or BF16) tensor of dimensions \(GGUFTensorInfo.describe(dimensions))"
        let info = try info(name, expected: wanted)
        guard [.f32, .f16, .bf16].contains(info.type), info.dimensions == dimensions else {
            let note = [.f32, .f16, .bf16].contains(info.type) ? "" : " (quantised full-precision types are not decoded)"
            throw InputError(source: file.path, location: tensorLocation(name), expected: wanted,
                             found: "\(info.type.name) \(GGUFTensorInfo.describe(info.dimensions))\(note)")
        }
        return try file.floatValues(name)
    }

    func ternary(_ tensor: ModelTensor, out: Int, in inFeatures: Int) throws -> TernaryMatrix {
        let name = tensor.ggufName
        let dimensions = [Int64(inFeatures), Int64(out)]
        let wanted = "I2_S ternary weights of dimensions \(GGUFTensorInfo.describe(dimensions)) ([\(out) × \(inFeatures)] trits)"
        let info = try info(name, expected: wanted)
        switch info.type {
        case .i2S:
            break
        case .tl1, .tl2, .tq1_0, .tq2_0:
            let what = info.type == .tl1 || info.type == .tl2 ? "bitnet.cpp's lookup-table layout" : "llama.cpp's ternary block format"
            throw InputError(source: file.path, location: tensorLocation(name), expected: wanted,
                             found: "\(info.type.name), \(what), which tritsim does not decode yet (use an I2_S file: setup_env.py --quant-type i2_s)")
        default:
            throw InputError(source: file.path, location: tensorLocation(name), expected: wanted,
                             found: "\(info.type.name), not a ternary format (a BitLinear projection must be ternary)")
        }
        guard info.dimensions == dimensions else {
            throw InputError(source: file.path, location: tensorLocation(name), expected: wanted,
                             found: "I2_S \(GGUFTensorInfo.describe(info.dimensions))")
        }
        let trits = try file.i2sTrits(name)
        let scale = try file.i2sScale(name)
        guard scale.isFinite, scale >= 0 else {
            throw InputError(source: file.path, location: "\(tensorLocation(name)) scale (the float32 after its codes)",
                             expected: "a finite scale ≥ 0", found: "\(scale)")
        }
        // ggml order (ne[0] = in fastest) is PyTorch's [out, in] row-major order.
        return try TernaryMatrix(trits: try Matrix(rows: out, columns: inFeatures, elements: trits, name: name), scale: scale, name: name)
    }
}
