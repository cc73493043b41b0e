import Foundation
import TritCore
import TritModel

extension ModelConfig {
    /// The model a safetensors checkpoint describes: its `config.json` (which must sit in the
    /// same folder), checked against the tensor shapes.
    ///
    /// Tensor shapes alone give the width, FFN width, layer count and vocabulary, but not the
    /// number of attention heads, the head size or the FFN activation, so a `config.json` is
    /// required (`ModelConfig.load(huggingFace:name:)` reads it). The tensors then decide tying
    /// (no `lm_head.weight` → tied) and BitNet sub-norms (`attn_sub_norm`/`ffn_sub_norm`, or the
    /// 1bitLLM names `inner_attn_ln`/`ffn_layernorm`, in layer 0), and must agree with the
    /// config: `model.embed_tokens.weight` [vocab, hidden]; in every layer `q_proj` [heads × head
    /// dim, hidden], `k_proj`/`v_proj` [kv heads × head dim, hidden], `o_proj` [hidden, heads ×
    /// head dim], `gate_proj`/`up_proj` [intermediate, hidden], `down_proj` [hidden,
    /// intermediate] — logical shapes, so a packed ternary `[out/4, in]` U8 weight counts as
    /// `[out, in]`; layers numbered 0..<num_hidden_layers.
    /// - Parameters:
    ///   - checkpoint: the file or sharded checkpoint.
    ///   - name: the short name for reports (the caller's choice: usually the checkpoint's folder).
    /// - Throws: `InputError` naming `config.json` when it is missing (listing what the shapes
    ///   do give) or invalid, or naming the tensor whose shape disagrees with it.
    public static func describe(safetensors checkpoint: SafetensorsCheckpoint, name: String) throws -> ModelConfig {
        let configPath = SafetensorsCheckpoint.folderPrefix(of: checkpoint.path) + "config.json"
        guard FileManager.default.fileExists(atPath: configPath) else {
            let embedding = checkpoint.entry("model.embed_tokens.weight").map { checkpoint.logicalShape($0) }
            let known = embedding.map { "the shapes give hidden \($0.last ?? 0) and vocabulary \($0.first ?? 0)" } ?? "no model.embed_tokens.weight"
            throw InputError(source: configPath, location: "",
                             expected: "a Hugging Face config.json beside \(checkpoint.path) (attention heads, head size and the FFN activation are not stored in tensor shapes; \(known))",
                             found: "no such file")
        }
        var config = try ModelConfig.load(huggingFace: URL(fileURLWithPath: configPath), name: name)
        config.sourceFile = checkpoint.path
        let source = checkpoint.path
        func expect(_ tensor: String, _ shape: [Int], _ why: String, required: Bool = false) throws {
            let wanted = shape.map(Int64.init)
            guard let entry = checkpoint.entry(tensor) else {
                guard !required else {
                    throw InputError(source: source, location: "tensor \"\(tensor)\"", expected: "a tensor \(wanted) (\(why))", found: "none")
                }
                return
            }
            let found = checkpoint.logicalShape(entry)
            guard found == wanted else {
                let packed = checkpoint.isPackedTernary(entry) ? " (packed \(entry.info.shape) × 4 trits per byte)" : ""
                throw InputError(source: source, location: "tensor \"\(tensor)\" shape",
                                 expected: "\(wanted) (\(why), from \(configPath))", found: "\(found)\(packed)")
            }
        }
        let h = config.hiddenSize, f = config.intermediateSize, q = config.queryWidth, kv = config.kvWidth
        try expect("model.embed_tokens.weight", [config.vocabSize, h], "vocab_size × hidden_size", required: true)
        try expect("lm_head.weight", [config.vocabSize, h], "vocab_size × hidden_size")
        var highestLayer = -1
        for entry in checkpoint.tensors where entry.info.name.hasPrefix("model.layers.") {
            let parts = entry.info.name.split(separator: ".", maxSplits: 3)
            guard parts.count >= 3, let layer = Int(parts[2]) else { continue }
            guard layer < config.layers else {
                throw InputError(source: source, location: "tensor \"\(entry.info.name)\"",
                                 expected: "layers 0..<\(config.layers) (num_hidden_layers in \(configPath))", found: "layer \(layer)")
            }
            highestLayer = max(highestLayer, layer)
        }
        guard highestLayer + 1 == config.layers else {
            throw InputError(source: source, location: "tensor \"model.layers.\(highestLayer + 1).*\"",
                             expected: "\(config.layers) layers (num_hidden_layers in \(configPath))",
                             found: highestLayer < 0 ? "no layer tensors" : "tensors for layers 0...\(highestLayer) only")
        }
        for layer in 0..<config.layers {
            let prefix = "model.layers.\(layer)."
            try expect(prefix + "self_attn.q_proj.weight", [q, h], "heads × head dim, hidden_size")
            try expect(prefix + "self_attn.k_proj.weight", [kv, h], "kv heads × head dim, hidden_size")
            try expect(prefix + "self_attn.v_proj.weight", [kv, h], "kv heads × head dim, hidden_size")
            try expect(prefix + "self_attn.o_proj.weight", [h, q], "hidden_size, heads × head dim")
            try expect(prefix + "mlp.gate_proj.weight", [f, h], "intermediate_size × hidden_size")
            try expect(prefix + "mlp.up_proj.weight", [f, h], "intermediate_size × hidden_size")
            try expect(prefix + "mlp.down_proj.weight", [h, f], "hidden_size × intermediate_size")
        }
        let hasHead = checkpoint.entry("lm_head.weight") != nil
        guard hasHead || config.tieWordEmbeddings else {
            throw InputError(source: source, location: "tensor \"lm_head.weight\"",
                             expected: "an LM head tensor (tie_word_embeddings is false in \(configPath))", found: "none")
        }
        config.tieWordEmbeddings = !hasHead
        let subNormNames = ["self_attn.attn_sub_norm.weight", "mlp.ffn_sub_norm.weight", "self_attn.inner_attn_ln.weight", "mlp.ffn_layernorm.weight"]
        config.subNorms = subNormNames.contains { checkpoint.entry("model.layers.0." + $0) != nil }
        return config
    }
}
