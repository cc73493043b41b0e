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
    static let discussion = "The program is checked statically first (units, tokens, deadlock freedom, SRAM bounds, DMA sizes; "
        + "with --check-hazards also every SRAM read ordered after the write it depends on); "
        + "a program that breaks a rule is refused with the instruction index and the rule. A chip program of a multi-chip "
        + "system (with link instructions) needs --system, which gives the chip and its link."

    static let options: [OptionSpec] = [
        OptionSpec(name: "program", kind: .positional(valueName: "PROGRAM"), unit: nil, defaultValue: nil, defaultDescription: nil,
                   help: "The program file (.tasm or .tbin)."),
        SharedOptions.chip,
        SharedOptions.system,
        OptionSpec(name: "check-hazards", kind: .flag, unit: nil, defaultValue: nil, defaultDescription: "off",
                   help: "Also refuse a read of SRAM not ordered after the write it depends on (rule 9). Programs the compiler "
                       + "writes break it for now: their activation addresses are bookkeeping (docs/isa.md)."),
        SharedOptions.configs,
    ]

    let program: String
    let chip: String
    let system: String?
    let configsFolder: String?
    let checkHazards: Bool

    init(parsing arguments: ParsedArguments) throws {
        program = try arguments.nonEmptyString("program", expected: "a .tasm or .tbin path")
        chip = try arguments.nonEmptyString("chip", expected: "a chip name or a path to a chip config")
        system = try arguments.system()
        configsFolder = try arguments.configsFolder()
        checkHazards = arguments.flag("check-hazards")
    }

    func run(in context: CommandContext) throws {
        let configs = try context.configs(configsFolder)
        let resolved = try system.map { try ConfigCatalogs(configs).systems.load($0).chip } ?? ConfigCatalogs(configs).chips.load(chip)
        let path = URL(fileURLWithPath: program, relativeTo: context.currentDirectory).path
        let loaded = try ProgramFile.read(path, option: "PROGRAM")
        try ProgramCheck.check(loaded, limits: Compiler.checkLimits(for: resolved), source: path,
                               hazards: checkHazards ? .readAfterWrite : [])
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
        if stats.count(of: .link) > 0 {
            out += "links: sent \(Units.bytes(stats.counters.linkBytesSent)), received \(Units.bytes(stats.counters.linkBytesReceived))\n"
        }
        out += "energy: \(Units.joules(energy.totalJoules)) (" + energy.components.sorted { $0.key < $1.key }
            .map { "\($0.key) \(Units.joules($0.value))" }.joined(separator: ", ") + ")\n"
        context.stdout(out)
    }
}
