import TritCore

extension ReferenceModel {
    /// The index of the largest logit; ties go to the lowest index (as `torch.argmax` returns the
    /// first maximal value). NaN never wins; an empty or all-NaN row gives 0.
    public static func argmax(_ logits: [Float]) -> Int {
        var best = 0
        var bestValue: Float?
        for (index, value) in logits.enumerated() where !value.isNaN {
            if let current = bestValue, value <= current { continue }
            best = index
            bestValue = value
        }
        return best
    }

    /// Greedy generation: prefill `prompt`, then repeatedly take the argmax of the last logits as
    /// the next token and feed it back as a decode step.
    /// - Parameters:
    ///   - prompt: P ≥ 1 token ids.
    ///   - steps: tokens to generate, N ≥ 0 (N − 1 decode steps after the prefill; the last
    ///     generated token is not fed back).
    /// - Returns: the N generated token ids.
    /// - Throws: `InputError` for a negative `steps`, a bad prompt (as `forward`), or P + N − 1 >
    ///   `max_position_embeddings`.
    public func greedyDecode(prompt: [Int], steps: Int) throws -> [Int] {
        let source = config.sourceFile.isEmpty ? config.name : config.sourceFile
        guard steps >= 0 else {
            throw InputError(source: source, location: "steps", expected: "a number of tokens ≥ 0", found: "\(steps)")
        }
        guard steps <= config.maxPositionEmbeddings - prompt.count + 1 else {
            throw InputError(source: source, location: "steps",
                             expected: "prompt + steps − 1 ≤ max_position_embeddings \(config.maxPositionEmbeddings)",
                             found: "\(prompt.count) + \(steps) − 1")
        }
        var (trace, cache) = try prefill(tokens: prompt)
        var generated: [Int] = []
        generated.reserveCapacity(steps)
        while generated.count < steps {
            let next = ReferenceModel.argmax(trace.lastLogits)
            generated.append(next)
            if generated.count < steps { trace = try decode(token: next, cache: &cache) }
        }
        return generated
    }
}
