import GPUBaseline
import TritModel

/// A whole phase on the FP16 GPU, assembled from modelled steps weighted as `PhaseSteps` says.
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

    func run(_ phase: PhaseSteps) throws -> GPUPhase {
        GPUPhase(steps: try phase.steps.map { (try model.run($0.graph), $0.weight) }, tokens: phase.tokens)
    }
}
