import TritModel

/// The keys and values of every token a sequence has processed so far, per block, in fp32.
///
/// Keys are stored after RoPE (as transformers' cache does), values as v_proj produced them.
/// One cache belongs to one sequence of one model; `ReferenceModel.forward` appends to it.
public struct KVCache: Equatable, Sendable {
    /// Per block: `[length × kvHeads·headDim]` keys after RoPE.
    public internal(set) var keys: [Matrix<Float>]
    /// Per block: `[length × kvHeads·headDim]` values.
    public internal(set) var values: [Matrix<Float>]
    /// Tokens cached so far: the position the next token will take.
    public internal(set) var length: Int

    /// An empty cache for a model of this architecture.
    public init(config: ModelConfig) {
        let empty = Matrix<Float>(rows: 0, columns: config.kvWidth, repeating: 0)
        keys = Array(repeating: empty, count: config.layers)
        values = Array(repeating: empty, count: config.layers)
        length = 0
    }

    /// Whether the cache has the shape of `config`'s (block count and KV width).
    func fits(_ config: ModelConfig) -> Bool {
        keys.count == config.layers && values.count == config.layers
            && keys.allSatisfy { $0.columns == config.kvWidth && $0.rows == length }
            && values.allSatisfy { $0.columns == config.kvWidth && $0.rows == length }
    }
}
