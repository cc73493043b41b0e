import TritCore

extension ReferenceModel {
    /// Runs one step of the reference forward pass: the tokens take the next positions of the
    /// sequence whose keys and values `cache` holds, and are appended to it.
    ///
    /// Embedding gather → the blocks (`runBlock`) → final RMSNorm → LM head
    /// logits[r, v] = Σ_i n[r, i] × H[v, i] in fp32, i in order (H = the embedding when tied).
    /// A prefill is a step from an empty cache; a decode step is a step of one token. Each
    /// token row is computed the same way whatever the step size, so a decode step reproduces the
    /// last row of the longer prefill.
    /// - Parameters:
    ///   - tokens: S ≥ 1 token ids, each in 0 ..< vocab.
    ///   - cache: this sequence's cache; on success it grows by S rows per block. On a thrown
    ///     error it is unchanged.
    ///   - logits: rows the final norm and LM head run for (the last token by default).
    /// - Returns: every intermediate tensor, the BitLinear sums and the logits.
    /// - Throws: `InputError` for an empty step, a token out of range, a cache of another
    ///   architecture, or positions past `max_position_embeddings`.
    /// - Complexity: O(S × (parameters + L × layers × heads × head_dim)) for a cache of L tokens.
    public func forward(tokens: [Int], cache: inout KVCache, logits logitRows: LogitRows = .last) throws -> ForwardTrace {
        try checkStep(tokens, cache)
        var working = cache
        let firstPosition = cache.length
        let embedded = gather(tokens)
        var x = embedded
        var traces: [LayerTrace] = []
        traces.reserveCapacity(layers.count)
        for index in layers.indices {
            let trace = try runBlock(index, x, firstPosition: firstPosition, cache: &working)
            traces.append(trace)
            x = trace.output
        }
        working.length += tokens.count
        let headRows: Matrix<Float>
        switch logitRows {
        case .all: headRows = x
        case .last: headRows = Matrix(uncheckedRows: 1, columns: x.columns, elements: x.row(x.rows - 1))
        }
        let normed = try RMSNorm.apply(headRows, weight: finalNorm, epsilon: Float(config.rmsNormEps))
        let logits = lmHeadLogits(normed)
        cache = working
        return ForwardTrace(tokens: tokens, positions: firstPosition ..< firstPosition + tokens.count, embedding: embedded,
                            layers: traces, logitRows: logitRows, finalNorm: normed, logits: logits)
    }

    /// Prefills a prompt from an empty cache.
    /// - Parameters:
    ///   - tokens: the prompt, S ≥ 1 token ids.
    ///   - logits: rows of logits to compute (the last by default).
    /// - Returns: the step's trace and the cache holding the prompt.
    /// - Throws: `InputError` as `forward` does.
    public func prefill(tokens: [Int], logits: LogitRows = .last) throws -> (trace: ForwardTrace, cache: KVCache) {
        var cache = KVCache(config: config)
        let trace = try forward(tokens: tokens, cache: &cache, logits: logits)
        return (trace, cache)
    }

    /// One decode step: one token at position `cache.length`.
    /// - Throws: `InputError` as `forward` does.
    public func decode(token: Int, cache: inout KVCache) throws -> ForwardTrace {
        try forward(tokens: [token], cache: &cache, logits: .last)
    }

    private func checkStep(_ tokens: [Int], _ cache: KVCache) throws {
        let source = config.sourceFile.isEmpty ? config.name : config.sourceFile
        guard !tokens.isEmpty else {
            throw InputError(source: source, location: "tokens", expected: "at least one token", found: "none")
        }
        if let index = tokens.firstIndex(where: { $0 < 0 || $0 >= config.vocabSize }) {
            throw InputError(source: source, location: "token \(index)", expected: "a token id in 0...\(config.vocabSize - 1) (vocab_size)",
                             found: "\(tokens[index])")
        }
        guard cache.fits(config) else {
            throw InputError(source: source, location: "KV cache", expected: "a cache of this model (\(config.layers) blocks × \(config.kvWidth) KV width)",
                             found: "\(cache.keys.count) blocks × \(cache.keys.first?.columns ?? 0)")
        }
        guard tokens.count <= config.maxPositionEmbeddings - cache.length else {
            throw InputError(source: source, location: "positions",
                             expected: "at most max_position_embeddings \(config.maxPositionEmbeddings) tokens in the sequence",
                             found: "\(cache.length) cached + \(tokens.count) new")
        }
    }

    /// The embedding rows of `tokens` (ids already checked): [S × hidden].
    private func gather(_ tokens: [Int]) -> Matrix<Float> {
        var elements: [Float] = []
        elements.reserveCapacity(tokens.count * config.hiddenSize)
        for token in tokens { elements.append(contentsOf: embedding.row(token)) }
        return Matrix(uncheckedRows: tokens.count, columns: config.hiddenSize, elements: elements)
    }

    /// logits = normed × Hᵀ: [R × hidden] × [vocab × hidden]ᵀ → [R × vocab], fp32 sums in feature order.
    private func lmHeadLogits(_ normed: Matrix<Float>) -> Matrix<Float> {
        let head = lmHead, width = normed.columns, vocab = head.rows
        var logits = [Float](repeating: 0, count: normed.rows * vocab)
        normed.elements.withUnsafeBufferPointer { n in
            head.elements.withUnsafeBufferPointer { h in
                logits.withUnsafeMutableBufferPointer { out in
                    for r in 0 ..< normed.rows {
                        for v in 0 ..< vocab {
                            var sum: Float = 0
                            for i in 0 ..< width { sum += n[r * width + i] * h[v * width + i] }
                            out[r * vocab + v] = sum
                        }
                    }
                }
            }
        }
        return Matrix(uncheckedRows: normed.rows, columns: vocab, elements: logits)
    }
}
