import Foundation
import TritReport

/// `tritsim bench`: host speed of the compiler and the engine on fixed 2B4T steps (release mode).
struct BenchCommand: Subcommand {
    static let name = "bench"
    static let abstract = "Measure host speed: compile and simulate fixed BitNet 2B4T steps on both chip presets."
    static let discussion = "Build in release mode first (swift build -c release) for meaningful numbers. "
        + "Each case keeps the fastest of --repeat runs; instructions/s is the engine's throughput."

    static let options: [OptionSpec] = [
        OptionSpec(name: "repeat", kind: .value(valueName: "N"), unit: "runs", defaultValue: "3", defaultDescription: nil,
                   help: "Runs per case; the fastest is reported (integer in 1...100)."),
        SharedOptions.configs,
    ]

    let repetitions: Int
    let configsFolder: String?

    init(parsing arguments: ParsedArguments) throws {
        repetitions = try arguments.integer("repeat", minimum: 1, maximum: 100)
        configsFolder = try arguments.configsFolder()
    }

    func run(in context: CommandContext) throws {
        let configs = try context.configs(configsFolder)
        let cases = try Benchmark.run(configs: configs, repetitions: repetitions)
        var table = TextTable(headers: ["case", "instructions", "simulated", "compile", "simulate", "instructions/s"],
                              alignments: [.left, .right, .right, .right, .right, .right])
        for c in cases {
            table.rows.append([c.label, String(c.instructions), Units.seconds(c.simulatedSeconds), Units.seconds(c.compileSeconds),
                               Units.seconds(c.simulateSeconds), Units.significant(Double(c.instructions) / c.simulateSeconds / 1e6) + " M"])
        }
        context.stdout(table.plainText())
    }
}
