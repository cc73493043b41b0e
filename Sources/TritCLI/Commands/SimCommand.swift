import Foundation
import TritChip
import TritCompiler
import TritISA
import TritReport
import TritSim

/// `tritsim sim`: check and simulate a saved program on a chip.
struct SimCommand: Subcommand {
    static let name = "sim"
    static let abstract = "Check and simulate a saved program (.tasm or .tbin) on a chip; print time, unit activity, traffic and energy."
    static let discussion = "The program is checked statically first (units, tokens, deadlock freedom, SRAM bounds, DMA sizes, "
        + "every SRAM read ordered after the write it depends on); "
        + "a program that breaks a rule is refused with the instruction index and the rule."

    static let options: [OptionSpec] = [
        OptionSpec(name: "program", kind: .positional(valueName: "PROGRAM"), unit: nil, defaultValue: nil, defaultDescription: nil,
                   help: "The program file (.tasm or .tbin)."),
        SharedOptions.chip,
        SharedOptions.configs,
    ]

    let program: String
    let chip: String
    let configsFolder: String?

    init(parsing arguments: ParsedArguments) throws {
        program = try arguments.nonEmptyString("program", expected: "a .tasm or .tbin path")
        chip = try arguments.nonEmptyString("chip", expected: "a chip name or a path to a chip config")
        configsFolder = try arguments.configsFolder()
    }

    func run(in context: CommandContext) throws {
        let configs = try context.configs(configsFolder)
        let resolved = try ConfigCatalogs(configs).chips.load(chip)
        let path = URL(fileURLWithPath: program, relativeTo: context.currentDirectory).path
        let loaded = try ProgramFile.read(path, option: "PROGRAM")
        try ProgramCheck.check(loaded, limits: Compiler.checkLimits(for: resolved), source: path)
        let stats = try Engine(chip: resolved).run(loaded)
        let energy = EnergyModel.energy(of: stats.counters, on: resolved, seconds: stats.seconds)
        var out = "\(program) on \(resolved.config.name): \(stats.totalCycles) cycles = \(Units.seconds(stats.seconds)), "
            + "\(stats.instructionCount) instructions\n\n"
        var units = TextTable(headers: ["unit", "instructions", "busy", "waiting on memory", "waiting on other units"],
                              alignments: [.left, .right, .right, .right, .right])
        for u in stats.units {
            func share(_ cycles: Int64) -> String { stats.totalCycles > 0 ? Units.percent(Double(cycles) / Double(stats.totalCycles)) : "0%" }
            units.rows.append([u.unit.name, String(u.instructions), share(u.busyCycles), share(u.waitingOnMemoryCycles),
                               share(u.waitingOnComputeCycles)])
        }
        out += units.plainText()
        out += "(shares of the run; the rest of a unit's time it had nothing to do)\n\n"
        let streams = DMAStream.allCases.map { "\($0.name) \(Units.bytes(stats.dramBytesByStream[Int($0.rawValue)]))" }
        out += "off-chip: \(streams.joined(separator: ", ")); channel busy "
            + Units.percent(stats.totalCycles > 0 ? Double(stats.dramBusyCycles) / Double(stats.totalCycles) : 0) + "\n"
        out += "energy: \(Units.joules(energy.totalJoules)) (" + energy.components.sorted { $0.key < $1.key }
            .map { "\($0.key) \(Units.joules($0.value))" }.joined(separator: ", ") + ")\n"
        context.stdout(out)
    }
}
