import TritCore
import TritModel

extension ReferenceModel {
    /// Checks that the reference forward pass can run `config`.
    ///
    /// Beyond what `ModelConfig.parse` already enforces for configs read from files (a config can
    /// also be built in code): every size in 1 … its `ModelConfig.Limits` entry (which keeps every
    /// element count inside `Int` and every BitLinear sum inside `Int32`), heads a multiple of KV
    /// heads, an even head_dim (RoPE rotates pairs), a finite θ > 0, a finite ε ≥ 0, and
    /// max_position_embeddings ≥ 1.
    /// - Throws: `InputError` naming the config and the Hugging Face field.
    public static func checkRunnable(_ config: ModelConfig) throws {
        let source = config.sourceFile.isEmpty ? config.name : config.sourceFile
        func fail(_ field: String, _ expected: String, _ found: String) -> InputError {
            InputError(source: source, location: field, expected: expected, found: found)
        }
        let sizes: [(String, Int, Int64)] = [
            ("hidden_size", config.hiddenSize, ModelConfig.Limits.hiddenSize),
            ("intermediate_size", config.intermediateSize, ModelConfig.Limits.intermediateSize),
            ("num_hidden_layers", config.layers, ModelConfig.Limits.layers),
            ("num_attention_heads", config.attentionHeads, ModelConfig.Limits.heads),
            ("num_key_value_heads", config.kvHeads, ModelConfig.Limits.heads),
            ("head_dim", config.headDim, ModelConfig.Limits.headDim),
            ("vocab_size", config.vocabSize, ModelConfig.Limits.vocabSize),
            ("max_position_embeddings", config.maxPositionEmbeddings, ModelConfig.Limits.maxPositionEmbeddings),
        ]
        for (field, value, limit) in sizes where value < 1 || Int64(value) > limit {
            throw fail(field, "1...\(limit)", "\(value)")
        }
        guard Int64(config.attentionHeads) * Int64(config.headDim) <= ModelConfig.Limits.queryWidth else {
            throw fail("num_attention_heads", "heads × head_dim ≤ \(ModelConfig.Limits.queryWidth)",
                       "\(config.attentionHeads) × \(config.headDim)")
        }
        guard config.attentionHeads % config.kvHeads == 0 else {
            throw fail("num_key_value_heads", "a divisor of num_attention_heads \(config.attentionHeads)", "\(config.kvHeads)")
        }
        guard config.headDim % 2 == 0 else {
            throw fail("head_dim", "an even number (RoPE rotates pairs of elements)", "\(config.headDim)")
        }
        guard config.ropeTheta.isFinite, config.ropeTheta > 0 else {
            throw fail("rope_theta", "a finite number > 0", "\(config.ropeTheta)")
        }
        guard config.rmsNormEps.isFinite, config.rmsNormEps >= 0 else {
            throw fail("rms_norm_eps", "a finite number ≥ 0", "\(config.rmsNormEps)")
        }
    }
}
