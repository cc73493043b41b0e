import TritModel

/// The steps that stand for a whole phase, and the weight of each: the one rule both the chip
/// and the GPU side use to turn simulated steps into phase totals.
///
/// - Prefill: the B prompts are prefilled one after another, so the phase is B × one
///   prefill(S) step.
/// - Decode: G steps, with the context growing from S to S + G − 1. Step time and energy are
///   affine in the context (the KV-cache read grows linearly, everything else is fixed), so the
///   steps at the first and last context stand for the phase with weight G / 2 each (trapezoid
///   rule, exact for an affine function); one step when G = 1.
struct PhaseSteps {
    /// Graphs to run and how many steps of the phase each stands for.
    let steps: [(graph: Graph, weight: Double)]
    /// Tokens the phase processes (prefill) or produces (decode).
    let tokens: Int

    static func prefill(_ model: ModelConfig, promptTokens: Int, batch: Int) throws -> PhaseSteps {
        PhaseSteps(steps: [(try Graph.prefill(model, tokens: promptTokens), Double(batch))], tokens: promptTokens * batch)
    }

    static func decode(_ model: ModelConfig, promptTokens: Int, generateTokens: Int, batch: Int) throws -> PhaseSteps {
        let first = try Graph.decode(model, batch: batch, context: promptTokens)
        if generateTokens == 1 { return PhaseSteps(steps: [(first, 1)], tokens: batch) }
        let last = try Graph.decode(model, batch: batch, context: promptTokens + generateTokens - 1)
        let half = Double(generateTokens) / 2
        return PhaseSteps(steps: [(first, half), (last, half)], tokens: generateTokens * batch)
    }
}
