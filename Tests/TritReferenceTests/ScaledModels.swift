import Foundation
import TritModel
import TritReference
import TritTestSupport

/// Small configs with the architecture flags (activation, tying, sub-norms, θ, ε) of real models
/// from `Configs/models/`, and only the sizes scaled down.
enum ScaledModels {
    /// A real config with its sizes replaced.
    static func scaled(_ name: String, hidden: Int = 256, ffn: Int = 512, layers: Int = 2, heads: Int, kvHeads: Int,
                       vocab: Int = 1000) throws -> ModelConfig {
        var config = try ModelCatalog(folder: RepositoryPaths.models).load(name)
        config.name += "-scaled"
        config.hiddenSize = hidden
        config.intermediateSize = ffn
        config.layers = layers
        config.attentionHeads = heads
        config.kvHeads = kvHeads
        config.headDim = hidden / heads
        config.vocabSize = vocab
        return config
    }

    /// 2B4T scaled down (issue 4's acceptance model): 2 layers, hidden 256, 4 query / 1 KV heads
    /// (GQA, head_dim 64), FFN 512, vocab 1000; ReLU², tied, sub-norms, θ 500000, ε 1e-5.
    static func bitnet2B4T() throws -> ModelConfig {
        try scaled("bitnet-b1.58-2B-4T", heads: 4, kvHeads: 1)
    }

    /// 1bitLLM bitnet_b1_58-large scaled down: SiLU, MHA (4 / 4 heads), tied, sub-norms, θ 10000.
    static func siluMHA() throws -> ModelConfig {
        try scaled("bitnet_b1_58-large", heads: 4, kvHeads: 4)
    }

    /// Llama3-8B-1.58 scaled down: SiLU, GQA 4 / 2, separate LM head, no sub-norms, θ 500000.
    static func llamaUntied() throws -> ModelConfig {
        try scaled("Llama3-8B-1.58-100B-tokens", heads: 4, kvHeads: 2)
    }

    /// The three above, for parameterised tests.
    static func all() throws -> [ModelConfig] {
        [try bitnet2B4T(), try siluMHA(), try llamaUntied()]
    }
}

/// |a − b| ≤ tolerance × max(|a|, |b|, 1e-30) elementwise; returns the first failing index.
func firstRelativeMismatch(_ a: [Float], _ b: [Float], tolerance: Float) -> Int? {
    guard a.count == b.count else { return min(a.count, b.count) }
    return a.indices.first { abs(a[$0] - b[$0]) > tolerance * max(abs(a[$0]), abs(b[$0]), 1e-30) }
}
