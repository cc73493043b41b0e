import Dispatch
import Foundation
import TritChip
import TritCompiler
import TritModel
import TritSim

/// Host-speed benchmark of the compiler and the engine on fixed, realistic steps.
///
/// Each case compiles and simulates one step of 2B4T on a preset `repetitions` times and keeps
/// the fastest wall time (the least disturbed by other load). Timing is measured, not asserted:
/// host speed is a property of the machine, so no test depends on it.
public enum Benchmark {
    /// One benchmarked step.
    public struct Case: Sendable {
        /// `chip / step` label.
        public var label: String
        /// Instructions in the lowered program.
        public var instructions: Int
        /// Simulated chip time, s.
        public var simulatedSeconds: Double
        /// Fastest host time to compile, s.
        public var compileSeconds: Double
        /// Fastest host time to simulate, s.
        public var simulateSeconds: Double
    }

    /// Runs the fixed cases with models and chips from `configs`.
    /// - Throws: `InputError` if the shipped configs cannot be read.
    public static func run(configs: URL, repetitions: Int) throws -> [Case] {
        let catalogs = ConfigCatalogs(configs)
        let model = try catalogs.models.load("bitnet-b1.58-2B-4T")
        let chips = catalogs.chips
        let steps: [(String, Graph)] = [
            ("prefill S=512", try Graph.prefill(model, tokens: 512)),
            ("decode B=1 L=512", try Graph.decode(model, batch: 1, context: 512)),
            ("decode B=16 L=2048", try Graph.decode(model, batch: 16, context: 2048)),
        ]
        var cases: [Case] = []
        for chipName in ["edge-lpddr5x", "datacenter-hbm3e"] {
            let chip = try chips.load(chipName)
            for (label, graph) in steps {
                var compileBest = Double.infinity
                var simulateBest = Double.infinity
                var compiled: CompiledProgram? = nil
                var statistics: SimulationStatistics? = nil
                for _ in 0..<max(1, repetitions) {
                    let start = DispatchTime.now().uptimeNanoseconds
                    let program = try Compiler(chip: chip).compile(graph)
                    let middle = DispatchTime.now().uptimeNanoseconds
                    let stats = try Engine(chip: chip).run(program.program)
                    let end = DispatchTime.now().uptimeNanoseconds
                    compileBest = min(compileBest, Double(middle - start) / 1e9)
                    simulateBest = min(simulateBest, Double(end - middle) / 1e9)
                    compiled = program
                    statistics = stats
                }
                cases.append(Case(label: "\(chipName) / \(label)", instructions: compiled?.program.instructions.count ?? 0,
                                  simulatedSeconds: statistics?.seconds ?? 0, compileSeconds: compileBest, simulateSeconds: simulateBest))
            }
        }
        return cases
    }
}
