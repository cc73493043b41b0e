import GPUBaseline
import TritModel

/// A whole phase on the FP16 GPU, assembled from modelled steps the same way as `ChipPhase`
/// (B sequential prefills; decode as G × the mean of the first- and last-context steps).
struct GPUPhase {
    let steps: [(step: GPUStepResult, weight: Double)]
    let tokens: Int

    var totalSeconds: Double { steps.reduce(0) { $0 + $1.step.seconds * $1.weight } }
    var totalJoules: Double { steps.reduce(0) { $0 + $1.step.joules * $1.weight } }

    var energyBreakdown: [String: Double] {
        var result: [String: Double] = [:]
        for (step, weight) in steps {
            for (component, joules) in step.energyBreakdownJoules { result[component, default: 0] += joules * weight }
        }
        return result
    }

    func byCategory() -> [LayerCategory: (seconds: Double, joules: Double)] {
        var result: [LayerCategory: (seconds: Double, joules: Double)] = [:]
        for (step, weight) in steps {
            for row in step.byCategory() {
                var entry = result[row.category] ?? (0, 0)
                entry.seconds += row.seconds * weight
                entry.joules += row.joules * weight
                result[row.category] = entry
            }
        }
        return result
    }
}

/// Models the steps of a run on one GPU.
struct GPUPhaseRunner {
    let model: GPUModel

    func prefill(_ config: ModelConfig, promptTokens: Int, batch: Int) throws -> GPUPhase {
        let step = try model.run(try Graph.prefill(config, tokens: promptTokens))
        return GPUPhase(steps: [(step, Double(batch))], tokens: promptTokens * batch)
    }

    func decode(_ config: ModelConfig, promptTokens: Int, generateTokens: Int, batch: Int) throws -> GPUPhase {
        let first = try model.run(try Graph.decode(config, batch: batch, context: promptTokens))
        if generateTokens == 1 { return GPUPhase(steps: [(first, 1)], tokens: batch) }
        let last = try model.run(try Graph.decode(config, batch: batch, context: promptTokens + generateTokens - 1))
        let half = Double(generateTokens) / 2
        return GPUPhase(steps: [(first, half), (last, half)], tokens: generateTokens * batch)
    }
}
