import Foundation
import TritChip
import TritCompiler
import TritCore
import TritISA
import TritReport
import TritWeights

/// `tritsim inspect`: what a saved program contains, without simulating it.
struct InspectCommand: Subcommand {
    static let name = "inspect"
    static let abstract = "Show a saved program's instruction counts per opcode, SRAM high-water mark and bytes per DMA stream, "
        + "or a model file's tensors and the model it describes."
    static let discussion = "With --chip (or --system), the program is first checked against that chip as 'sim' checks it, "
        + "then its lower bounds on that chip are printed: its off-chip bytes at the achievable "
        + "bandwidth, its ternary MACs at the arrays' peak, its tiles spread over the arrays, and the MACs followed by the "
        + "full-precision weight stream (a prefill's LM head cannot start before its last layer).\n\n"
        + "A model file (.gguf, .safetensors, model.safetensors.index.json, or a file starting with a GGUF or safetensors "
        + "header) is listed instead: each tensor's name, stored type, shape (GGUF {ne0, ne1} innermost first, safetensors "
        + "[d0, d1] outermost first), elements and bytes; totals per type; and the model it describes."

    static let options: [OptionSpec] = [
        OptionSpec(name: "program", kind: .positional(valueName: "PROGRAM"), unit: nil, defaultValue: nil, defaultDescription: nil,
                   help: "The program file (.tasm or .tbin), or a model file (.gguf, .safetensors, model.safetensors.index.json)."),
        OptionSpec(name: "chip", kind: .value(valueName: "NAME|PATH"), unit: nil, defaultValue: nil, defaultDescription: "none",
                   help: "Also print the program's memory and compute lower bounds on this chip."),
        OptionSpec(name: "system", kind: .value(valueName: "NAME|PATH"), unit: nil, defaultValue: nil, defaultDescription: "none",
                   help: "Also print the lower bounds on one chip of this multi-chip system (instead of --chip)."),
        SharedOptions.configs,
    ]

    let program: String
    let chip: String?
    let system: String?
    let configsFolder: String?

    init(parsing arguments: ParsedArguments) throws {
        program = try arguments.nonEmptyString("program", expected: "a .tasm, .tbin, .gguf or .safetensors path")
        chip = arguments.values["chip"] != nil ? try arguments.nonEmptyString("chip", expected: "a chip name or a path") : nil
        system = try arguments.system()
        configsFolder = try arguments.configsFolder()
    }

    func run(in context: CommandContext) throws {
        let path = URL(fileURLWithPath: program, relativeTo: context.currentDirectory).path
        if !ProgramFile.hasProgramExtension(path) {
            guard WeightFile.recognizes(path) else {
                throw InputError(source: "command line", location: "PROGRAM",
                                 expected: "a program (.tasm, .tbin) or a model file (.gguf, .safetensors, model.safetensors.index.json)",
                                 found: "\"\(program)\"")
            }
            return try inspectModelFile(path, in: context)
        }
        let loaded = try ProgramFile.read(path, option: "PROGRAM")
        let inspection = try ProgramInspection(loaded, source: path)
        var out = "\(program): \(loaded.instructions.count) instructions on \(loaded.units.count) units, "
            + "\(loaded.tokenCount) tokens\n\n"
        var counts = TextTable(headers: ["opcode", "instructions"], alignments: [.left, .right])
        counts.rows = inspection.instructionsByMnemonic.map { [$0.mnemonic, String($0.count)] }
        out += counts.plainText() + "\n"
        out += "SRAM high-water mark (highest address used + 1): \(Units.bytes(inspection.sramHighWaterBytes)) (\(inspection.sramHighWaterBytes) bytes)\n"
        out += "off-chip bytes per DMA stream: " + inspection.dramBytesByStream
            .map { "\($0.stream) \(Units.bytes($0.bytes)) (\($0.bytes))" }.joined(separator: ", ") + "\n"
        out += "ternary MACs: \(inspection.ternaryMACs)\n"
        if inspection.linkInstructions > 0 {
            out += "link bytes per chip: sent \(Units.bytes(inspection.linkBytesSent)) (\(inspection.linkBytesSent)), "
                + "received \(Units.bytes(inspection.linkBytesReceived)) (\(inspection.linkBytesReceived))\n"
        }
        if chip != nil || system != nil {
            let configs = try context.configs(configsFolder)
            let catalogs = ConfigCatalogs(configs)
            let resolved = try system.map { try catalogs.systems.load($0).chip } ?? catalogs.chips.load(chip ?? "")
            // Bounds only mean something for a program the chip can run (rules 1–8 of `sim`).
            try ProgramCheck.check(loaded, limits: Compiler.checkLimits(for: resolved), source: path)
            let bounds = inspection.bounds(on: resolved)
            out += "lower bounds on \(resolved.config.name): memory \(Units.seconds(bounds.memorySeconds)) "
                + "(off-chip bytes / achievable bandwidth), compute \(Units.seconds(bounds.computeSeconds)) (ternary MACs / array peak), "
                + "arrays \(Units.seconds(bounds.arraySeconds)) (tile loads + tokens + adder depth, spread over all arrays), "
                + "serial \(Units.seconds(bounds.serialSeconds)) (compute, then the full-precision weight stream a weight buffer cannot prefetch: a prefill's LM head follows its last layer), "
                + "attention \(Units.seconds(bounds.attentionSeconds)) (fp16 MACs / attention peak)"
                + (resolved.link != nil ? ", link \(Units.seconds(bounds.linkSeconds)) (bytes sent / link bandwidth)" : "") + "\n"
        }
        context.stdout(out)
    }
}
