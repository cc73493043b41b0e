import TritCore
import TritModel

extension ModelConfig {
    /// The FFN activation of each GGUF architecture tritsim reads, by `general.architecture`.
    ///
    /// GGUF metadata does not store the activation: the runtime's graph builder for the
    /// architecture fixes it. Sources: the bitnet.cpp llama.cpp fork's `src/llama.cpp` —
    /// `build_bitnet_158()` (arch `bitnet-b1.58`, the 2B-4T GGUF's arch) calls `llm_build_ffn`
    /// with `LLM_FFN_RELU_SQR`, `build_bitnet()` (arch `bitnet`, the 1bitLLM conversions, whose
    /// `config.json` says `hidden_act: silu`) with `LLM_FFN_SILU`; `llama` builds SwiGLU (SiLU).
    /// A 2B-4T file converted under arch `bitnet` would read as SiLU (microsoft/BitNet issue #588
    /// reports exactly that mismatch in the runtime).
    public static let ggufActivations: [(architecture: String, activation: FFNActivation)] = [
        ("bitnet-b1.58", .relu2), ("bitnet", .silu), ("llama", .silu),
    ]

    /// The model a GGUF file describes, from its metadata and tensor shapes.
    ///
    /// Keys (prefix ARCH = `general.architecture`): `ARCH.block_count`, `ARCH.embedding_length`,
    /// `ARCH.feed_forward_length`, `ARCH.attention.head_count`, `ARCH.context_length` (required);
    /// `ARCH.attention.head_count_kv` (default: head_count, as llama.cpp), `ARCH.attention.key_length`
    /// (default: embedding_length / head_count), `ARCH.rope.freq_base` (default 10000, as llama.cpp),
    /// `ARCH.attention.layer_norm_rms_epsilon` (default 1e-6, as for a `config.json`); vocabulary:
    /// `ARCH.vocab_size`, else the length of `tokenizer.ggml.tokens`, else ne[1] of
    /// `token_embd.weight`. The tensors decide the rest: tied embeddings when there is no
    /// `output.weight`, BitNet sub-norms when `blk.0.attn_sub_norm.weight` or
    /// `blk.0.ffn_sub_norm.weight` exists (for a file without tensors: when ARCH starts with
    /// `bitnet`). Where tensors exist they must agree with the metadata: `token_embd.weight`
    /// {embedding, vocab}, each block's `attn_q` {embedding, heads × head dim}, `attn_k`/`attn_v`
    /// {embedding, kv heads × head dim}, `attn_output` {heads × head dim, embedding},
    /// `ffn_gate`/`ffn_up` {embedding, feed_forward}, `ffn_down` {feed_forward, embedding}, and
    /// blocks numbered 0..<block_count.
    /// - Parameters:
    ///   - gguf: the file.
    ///   - name: the short name for reports (the caller's choice: usually the file stem).
    /// - Throws: `InputError` naming the file and key or tensor for a missing or non-integer key,
    ///   an architecture whose activation is not known, a size of 0 or over `ModelConfig.Limits`,
    ///   heads not divisible by KV heads, or a tensor that disagrees with the metadata.
    public static func describe(gguf: GGUFFile, name: String) throws -> ModelConfig {
        let source = gguf.path
        guard let arch = gguf.architecture else {
            throw InputError(source: source, location: "metadata \"general.architecture\"", expected: "a string naming the architecture",
                             found: gguf.value("general.architecture")?.summary ?? "nothing (key missing)")
        }
        guard let activation = ggufActivations.first(where: { $0.architecture == arch })?.activation else {
            throw InputError(source: source, location: "metadata \"general.architecture\"",
                             expected: "an architecture whose FFN activation tritsim knows (\(ggufActivations.map(\.architecture).joined(separator: ", ")))",
                             found: "\"\(arch)\"")
        }
        func key(_ suffix: String) -> String { "\(arch).\(suffix)" }
        func optionalInt(_ key: String, _ limit: Int64) throws -> Int? {
            guard let value = gguf.value(key) else { return nil }
            guard let number = value.integer, (1...limit).contains(number) else {
                throw InputError(source: source, location: "metadata \"\(key)\"", expected: "an integer in 1...\(limit)", found: value.summary)
            }
            return Int(number)
        }
        func int(_ key: String, _ limit: Int64, _ meaning: String) throws -> Int {
            guard let value = try optionalInt(key, limit) else {
                throw InputError(source: source, location: "metadata \"\(key)\"", expected: "an integer in 1...\(limit) (\(meaning))",
                                 found: "nothing (key missing)")
            }
            return value
        }
        func optionalNumber(_ key: String, _ range: ClosedRange<Double>, _ expected: String) throws -> Double? {
            guard let value = gguf.value(key) else { return nil }
            guard let number = value.number, number.isFinite, range.contains(number) else {
                throw InputError(source: source, location: "metadata \"\(key)\"", expected: expected, found: value.summary)
            }
            return number
        }
        let hidden = try int(key("embedding_length"), Limits.hiddenSize, "model width")
        let layers = try int(key("block_count"), Limits.layers, "transformer blocks")
        let ffn = try int(key("feed_forward_length"), Limits.intermediateSize, "FFN width")
        let heads = try int(key("attention.head_count"), Limits.heads, "query heads")
        let kvHeads = try optionalInt(key("attention.head_count_kv"), Limits.heads) ?? heads
        let context = try int(key("context_length"), Limits.maxPositionEmbeddings, "trained context in tokens")
        let headDim: Int
        if let explicit = try optionalInt(key("attention.key_length"), Limits.headDim) {
            headDim = explicit
        } else {
            guard hidden % heads == 0 else {
                throw InputError(source: source, location: "metadata \"\(key("attention.head_count"))\"",
                                 expected: "a divisor of embedding_length \(hidden) (or an explicit attention.key_length)", found: "\(heads)")
            }
            headDim = hidden / heads
        }
        guard Int64(heads) * Int64(headDim) <= Limits.queryWidth else {
            throw InputError(source: source, location: "metadata \"\(key("attention.head_count"))\"",
                             expected: "heads × head dim ≤ \(Limits.queryWidth)", found: "\(heads) × \(headDim)")
        }
        guard heads % kvHeads == 0 else {
            throw InputError(source: source, location: "metadata \"\(key("attention.head_count_kv"))\"",
                             expected: "a divisor of attention.head_count \(heads)", found: "\(kvHeads)")
        }
        let embedding = gguf.tensor("token_embd.weight")
        let vocab: Int
        if let explicit = try optionalInt(key("vocab_size"), Limits.vocabSize) {
            vocab = explicit
        } else if case .array(_, let tokens)? = gguf.value("tokenizer.ggml.tokens"), !tokens.isEmpty {
            guard Int64(tokens.count) <= Limits.vocabSize else {
                throw InputError(source: source, location: "metadata \"tokenizer.ggml.tokens\"",
                                 expected: "at most \(Limits.vocabSize) tokens", found: "\(tokens.count)")
            }
            vocab = tokens.count
        } else if let embedding, embedding.dimensions.count == 2, (1...Limits.vocabSize).contains(embedding.dimensions[1]) {
            vocab = Int(embedding.dimensions[1])
        } else {
            throw InputError(source: source, location: "metadata \"\(key("vocab_size"))\"",
                             expected: "a vocabulary size (\(key("vocab_size")), tokenizer.ggml.tokens or a token_embd.weight {embedding, vocab})",
                             found: "none of them")
        }
        // RoPE is modelled over the whole head (as BitNet and LLaMA apply it): a partial rotation
        // would change the model without anything else noticing.
        if let value = gguf.value(key("rope.dimension_count")), value.number != Double(headDim) {
            throw InputError(source: source, location: "metadata \"\(key("rope.dimension_count"))\"",
                             expected: "\(headDim) (the head dimension: RoPE over the whole head)", found: value.summary)
        }
        let theta = try optionalNumber(key("rope.freq_base"), Double.leastNonzeroMagnitude...Double.greatestFiniteMagnitude, "a number > 0") ?? 10000
        let eps = try optionalNumber(key("attention.layer_norm_rms_epsilon"), 0...1, "a number in 0...1") ?? 1e-6

        // The tensors must agree with the metadata.
        let queryWidth = Int64(heads * headDim), kvWidth = Int64(kvHeads * headDim)
        let h = Int64(hidden), f = Int64(ffn)
        func expect(_ tensor: String, _ dimensions: [Int64], _ why: String) throws {
            guard let info = gguf.tensor(tensor), info.dimensions != dimensions else { return }
            throw InputError(source: source, location: "tensor \"\(tensor)\" dimensions",
                             expected: "\(GGUFTensorInfo.describe(dimensions)) (\(why), from the metadata)",
                             found: GGUFTensorInfo.describe(info.dimensions))
        }
        try expect("token_embd.weight", [h, Int64(vocab)], "embedding_length × vocabulary")
        try expect("output.weight", [h, Int64(vocab)], "embedding_length × vocabulary")
        var highestBlock = -1
        for tensor in gguf.tensors where tensor.name.hasPrefix("blk.") {
            let parts = tensor.name.split(separator: ".", maxSplits: 2)
            guard parts.count >= 2, let block = Int(parts[1]) else { continue }
            guard block < layers else {
                throw InputError(source: source, location: "tensor \"\(tensor.name)\"",
                                 expected: "blocks 0..<\(layers) (\(key("block_count")))", found: "block \(block)")
            }
            highestBlock = max(highestBlock, block)
        }
        if highestBlock >= 0, highestBlock + 1 != layers {
            throw InputError(source: source, location: "metadata \"\(key("block_count"))\"",
                             expected: "\(layers) blocks of tensors", found: "tensors for blocks 0...\(highestBlock) only")
        }
        for block in 0..<(highestBlock + 1) {
            try expect("blk.\(block).attn_q.weight", [h, queryWidth], "embedding_length × heads · head dim")
            try expect("blk.\(block).attn_k.weight", [h, kvWidth], "embedding_length × kv heads · head dim")
            try expect("blk.\(block).attn_v.weight", [h, kvWidth], "embedding_length × kv heads · head dim")
            try expect("blk.\(block).attn_output.weight", [queryWidth, h], "heads · head dim × embedding_length")
            try expect("blk.\(block).ffn_gate.weight", [h, f], "embedding_length × feed_forward_length")
            try expect("blk.\(block).ffn_up.weight", [h, f], "embedding_length × feed_forward_length")
            try expect("blk.\(block).ffn_down.weight", [f, h], "feed_forward_length × embedding_length")
        }
        let subNorms = gguf.tensors.isEmpty
            ? arch.hasPrefix("bitnet")
            : gguf.tensor("blk.0.attn_sub_norm.weight") != nil || gguf.tensor("blk.0.ffn_sub_norm.weight") != nil
        var config = ModelConfig(name: name, hiddenSize: hidden, intermediateSize: ffn, layers: layers, attentionHeads: heads,
                                 kvHeads: kvHeads, headDim: headDim, vocabSize: vocab,
                                 tieWordEmbeddings: gguf.tensor("output.weight") == nil, activation: activation, ropeTheta: theta,
                                 maxPositionEmbeddings: context, rmsNormEps: eps, subNorms: subNorms)
        config.sourceFile = source
        return config
    }
}
