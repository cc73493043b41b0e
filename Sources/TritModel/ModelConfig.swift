import Foundation
import TritCore

/// The gated activation of the feed-forward block.
public enum FFNActivation: String, CaseIterable, Sendable, Codable {
    /// Squared ReLU, gated: relu(gate)² ⊙ up (BitNet b1.58 2B4T; HF `hidden_act: "relu2"`).
    case relu2
    /// SiLU, gated (SwiGLU): silu(gate) ⊙ up (1bitLLM, Llama3-8B-1.58, Falcon3; HF `"silu"`).
    case silu
}

/// The architecture of one BitNet b1.58 transformer, as read from a Hugging Face `config.json`.
///
/// All sizes are element counts. `headDim` is the config's `head_dim` when present, else
/// `hiddenSize / attentionHeads` (the transformers default).
public struct ModelConfig: Equatable, Sendable {
    /// Short name (the config file's stem), used in report folder names.
    public var name: String
    /// The file the config was read from, as the user named it (for error messages).
    public var sourceFile: String = ""
    /// Model width d (elements per token in the residual stream).
    public var hiddenSize: Int
    /// FFN width (gate/up output, down input).
    public var intermediateSize: Int
    /// Number of transformer blocks.
    public var layers: Int
    /// Query heads.
    public var attentionHeads: Int
    /// Key/value heads (< `attentionHeads` means GQA; equal means MHA).
    public var kvHeads: Int
    /// Elements per head.
    public var headDim: Int
    /// Vocabulary size (rows of the embedding and the LM head).
    public var vocabSize: Int
    /// Whether the LM head reuses the embedding matrix.
    public var tieWordEmbeddings: Bool
    /// FFN gating activation.
    public var activation: FFNActivation
    /// RoPE base θ.
    public var ropeTheta: Double
    /// Longest context the model was trained for, in tokens.
    public var maxPositionEmbeddings: Int
    /// RMSNorm ε.
    public var rmsNormEps: Double
    /// Whether each block has BitNet's extra RMSNorms before o_proj (`attn_sub_norm`) and before
    /// down_proj (`ffn_sub_norm`). True for `model_type: "bitnet"` and for the 1bitLLM
    /// reproductions (custom `weight_bits` field, norms `inner_attn_ln` / `ffn_layernorm`);
    /// false for Llama-architecture conversions (HF1BitLLM Llama3, Falcon3). A config may force it
    /// with the tritsim field `"tritsim_sub_norms"`.
    public var subNorms: Bool

    /// Memberwise initialiser; `validate()` checks the values.
    public init(name: String, hiddenSize: Int, intermediateSize: Int, layers: Int, attentionHeads: Int,
                kvHeads: Int, headDim: Int, vocabSize: Int, tieWordEmbeddings: Bool,
                activation: FFNActivation, ropeTheta: Double, maxPositionEmbeddings: Int,
                rmsNormEps: Double, subNorms: Bool) {
        self.name = name
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.layers = layers
        self.attentionHeads = attentionHeads
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.vocabSize = vocabSize
        self.tieWordEmbeddings = tieWordEmbeddings
        self.activation = activation
        self.ropeTheta = ropeTheta
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.rmsNormEps = rmsNormEps
        self.subNorms = subNorms
    }

    /// Width of the concatenated query heads: attentionHeads × headDim.
    public var queryWidth: Int { attentionHeads * headDim }
    /// Width of the concatenated key (or value) heads: kvHeads × headDim.
    public var kvWidth: Int { kvHeads * headDim }
    /// Query heads per KV head (1 for MHA).
    public var queriesPerKVHead: Int { attentionHeads / kvHeads }
}

extension ModelConfig {
    /// The largest sizes a config may declare.
    ///
    /// Each is at least 4× the largest published BitNet or Llama-class model (70B: hidden 8192,
    /// FFN 28672, 80 layers, 64 heads, head_dim 128, vocab 128256, Falcon3: 32768 positions), and
    /// together they keep every element, byte and operation count of a step inside `Int64`.
    public enum Limits {
        /// Largest `hidden_size`.
        public static let hiddenSize: Int64 = 65_536
        /// Largest `intermediate_size`.
        public static let intermediateSize: Int64 = 262_144
        /// Largest `num_hidden_layers`.
        public static let layers: Int64 = 1_024
        /// Largest `num_attention_heads` (and `num_key_value_heads`).
        public static let heads: Int64 = 1_024
        /// Largest `head_dim`.
        public static let headDim: Int64 = 1_024
        /// Query heads × head_dim.
        public static let queryWidth: Int64 = 131_072
        /// Largest `vocab_size`.
        public static let vocabSize: Int64 = 4_194_304
        /// Largest `max_position_embeddings`, and the most tokens a run may request.
        public static let maxPositionEmbeddings: Int64 = 1_048_576
    }

    /// Reads a Hugging Face `config.json`.
    ///
    /// Required fields: `hidden_size`, `intermediate_size`, `num_hidden_layers`,
    /// `num_attention_heads`, `vocab_size`, `hidden_act`. Defaults as in transformers:
    /// `num_key_value_heads` = heads, `head_dim` = hidden / heads, `tie_word_embeddings` = true
    /// (as in `PretrainedConfig`), `rope_theta` = 10000, `max_position_embeddings` = 2048,
    /// `rms_norm_eps` = 1e-6.
    /// - Parameters:
    ///   - url: the file.
    ///   - name: the short name; defaults to the file stem.
    /// - Throws: `InputError` naming the file and field for a missing file, bad JSON, a missing,
    ///   zero, negative or over-`Limits` size, an unknown activation, or heads not divisible by KV heads.
    public static func load(huggingFace url: URL, name: String? = nil) throws -> ModelConfig {
        let reader = try JSONObjectReader.load(file: url)
        var config = try parse(huggingFace: reader, name: name ?? url.deletingPathExtension().lastPathComponent)
        config.sourceFile = url.path
        return config
    }

    /// Parses an already-read `config.json` object (see `load(huggingFace:name:)`).
    public static func parse(huggingFace json: JSONObjectReader, name: String) throws -> ModelConfig {
        func size(_ key: String, _ limit: Int64) throws -> Int { Int(try json.int(key, in: 1...limit)) }
        let hidden = try size("hidden_size", Limits.hiddenSize)
        let heads = try size("num_attention_heads", Limits.heads)
        let kvHeads = json.contains("num_key_value_heads") ? try size("num_key_value_heads", Limits.heads) : heads
        let headDim: Int
        if json.contains("head_dim") {
            headDim = try size("head_dim", Limits.headDim)
        } else {
            guard hidden % heads == 0 else {
                throw json.error("num_attention_heads", expected: "a divisor of hidden_size \(hidden) (or an explicit head_dim)",
                                 found: "\(heads)")
            }
            headDim = hidden / heads
        }
        guard Int64(heads * headDim) <= Limits.queryWidth else {
            throw json.error("num_attention_heads", expected: "heads × head_dim ≤ \(Limits.queryWidth)",
                             found: "\(heads) × \(headDim) = \(heads * headDim)")
        }
        guard heads % kvHeads == 0 else {
            throw json.error("num_key_value_heads", expected: "a divisor of num_attention_heads \(heads)", found: "\(kvHeads)")
        }
        let activationName = try json.string("hidden_act")
        guard let activation = FFNActivation(rawValue: activationName) else {
            throw json.error("hidden_act", expected: "one of \(FFNActivation.allCases.map(\.rawValue).joined(separator: ", "))",
                             found: "\"\(activationName)\"")
        }
        let modelType = try json.optionalString("model_type") ?? ""
        let subNorms = try json.optionalBool("tritsim_sub_norms")
            ?? (modelType == "bitnet" || json.contains("weight_bits"))
        return ModelConfig(
            name: name,
            hiddenSize: hidden,
            intermediateSize: try size("intermediate_size", Limits.intermediateSize),
            layers: try size("num_hidden_layers", Limits.layers),
            attentionHeads: heads,
            kvHeads: kvHeads,
            headDim: headDim,
            vocabSize: try size("vocab_size", Limits.vocabSize),
            tieWordEmbeddings: try json.optionalBool("tie_word_embeddings") ?? true,
            activation: activation,
            ropeTheta: try json.optionalDouble("rope_theta", in: Double.leastNonzeroMagnitude...Double.greatestFiniteMagnitude) ?? 10000,
            maxPositionEmbeddings: json.contains("max_position_embeddings")
                ? try size("max_position_embeddings", Limits.maxPositionEmbeddings) : 2048,
            rmsNormEps: try json.optionalDouble("rms_norm_eps", in: 0...1) ?? 1e-6,
            subNorms: subNorms)
    }
}
