import Foundation
import TritCore
import TritChip
import TritCompiler
import TritModel

/// `tritsim compile`: lower one step of a model onto a chip and save the program.
struct CompileCommand: Subcommand {
    static let name = "compile"
    static let abstract = "Compile one prefill or decode step of a model for a chip and write the program (.tasm or .tbin)."
    static let discussion = "The output format follows the file extension: .tasm is the text assembly, .tbin the fixed-width "
        + "binary. Run the program with 'tritsim sim', look into it with 'tritsim inspect'. With --system, one file per distinct "
        + "chip program is written, named after the first chip that runs it: FILE prog.tasm gives prog.chip0.tasm, prog.chip8.tasm, …"

    static let options: [OptionSpec] = [
        SharedOptions.model,
        SharedOptions.chip,
        SharedOptions.system,
        OptionSpec(name: "phase", kind: .value(valueName: "prefill|decode"), unit: nil, defaultValue: "decode", defaultDescription: nil,
                   help: "The step to compile."),
        OptionSpec(name: "tokens", kind: .value(valueName: "S"), unit: "tokens", defaultValue: "512", defaultDescription: nil,
                   help: "Prefill: prompt positions (integer in 1...1048576)."),
        OptionSpec(name: "batch", kind: .value(valueName: "B"), unit: "sequences", defaultValue: "1", defaultDescription: nil,
                   help: "Decode: sequences in the batch (integer in 1...65536)."),
        OptionSpec(name: "context", kind: .value(valueName: "L"), unit: "tokens", defaultValue: "1024", defaultDescription: nil,
                   help: "Decode: tokens already in each sequence's KV cache (integer in 0...1048575)."),
        OptionSpec(name: "output", kind: .value(valueName: "FILE"), unit: nil, defaultValue: nil, defaultDescription: "required",
                   help: "Program file to write, ending in .tasm or .tbin.", shortName: "o"),
        SharedOptions.configs,
    ]

    let model: String
    let chip: String
    let system: String?
    let phase: String
    let tokens: Int
    let batch: Int
    let context: Int
    let output: String
    let configsFolder: String?

    init(parsing arguments: ParsedArguments) throws {
        model = try arguments.nonEmptyString("model", expected: "a model name or a path to a config.json")
        chip = try arguments.nonEmptyString("chip", expected: "a chip name or a path to a chip config")
        system = try arguments.system()
        phase = try arguments.nonEmptyString("phase", expected: "prefill or decode")
        guard phase == "prefill" || phase == "decode" else {
            throw UsageError("option '--phase' expects prefill or decode, found '\(phase)'", helpCommand: Self.helpCommand)
        }
        if phase == "prefill", let option = ["batch", "context"].first(where: { arguments.values[$0] != nil }) {
            throw UsageError("option '--\(option)' applies to --phase decode, not prefill", helpCommand: Self.helpCommand)
        }
        if phase == "decode", arguments.values["tokens"] != nil {
            throw UsageError("option '--tokens' applies to --phase prefill, not decode", helpCommand: Self.helpCommand)
        }
        let maximumTokens = Int(ModelConfig.Limits.maxPositionEmbeddings)
        tokens = try arguments.integer("tokens", minimum: 1, maximum: maximumTokens)
        batch = try arguments.integer("batch", minimum: 1, maximum: Graph.maximumBatch)
        context = try arguments.integer("context", minimum: 0, maximum: maximumTokens - 1)
        guard arguments.values["output"] != nil else {
            throw UsageError("missing --output FILE (-o)", helpCommand: Self.helpCommand)
        }
        output = try arguments.nonEmptyString("output", expected: "a .tasm or .tbin path")
        _ = try ProgramFile.format(of: output, option: "--output")
        configsFolder = try arguments.configsFolder()
    }

    func run(in context: CommandContext) throws {
        let configs = try context.configs(configsFolder)
        let modelConfig = try ConfigCatalogs(configs).models.load(model)
        // Name the option, not the graph's parameter, when the step is longer than the model allows.
        let positions = phase == "prefill" ? tokens : self.context + 1
        guard positions <= modelConfig.maxPositionEmbeddings else {
            throw InputError(source: "command line", location: phase == "prefill" ? "--tokens" : "--context",
                             expected: phase == "prefill" ? "at most \(modelConfig.maxPositionEmbeddings) (max_position_embeddings of \(modelConfig.name))"
                                 : "at most \(modelConfig.maxPositionEmbeddings - 1) (max_position_embeddings of \(modelConfig.name), less the new token)",
                             found: "\(phase == "prefill" ? tokens : self.context)")
        }
        let graph = phase == "prefill"
            ? try Graph.prefill(modelConfig, tokens: tokens)
            : try Graph.decode(modelConfig, batch: batch, context: self.context)
        if let system {
            try compileSystem(try ConfigCatalogs(configs).systems.load(system), model: modelConfig, phase: graph.phase, in: context)
            return
        }
        let resolved = try ConfigCatalogs(configs).chips.load(chip)
        let compiled = try Compiler(chip: resolved).compile(graph)
        let path = URL(fileURLWithPath: output, relativeTo: context.currentDirectory).path
        try ProgramFile.write(compiled.program, to: path, option: "--output",
                              comment: "compiled by tritsim \(CommandLineTool.version): model \(modelConfig.name), chip \(resolved.config.name), \(graph.phase)")
        let plan = compiled.plan
        context.stdout("compiled \(modelConfig.name) \(graph.phase) for \(resolved.config.name): "
            + "\(compiled.program.instructions.count) instructions, \(plan.chunks) chunk(s) of \(plan.chunkTokens) tokens"
            + (plan.microBatches > 1 ? " in \(plan.microBatches) pipelined micro-batches" : "")
            + ", \(plan.weightSlots) weight slots of \(plan.weightChunkBytes) bytes\nwrote \(output)\n")
    }

    /// `--system`: one program per distinct chip program of the partitioned model.
    private func compileSystem(_ system: ResolvedSystem, model: ModelConfig, phase: Phase, in context: CommandContext) throws {
        let partition = try SystemPartition(model: model, system: system)
        let groups = partition.programGroups
        let compiled = try groups.map { group -> (group: [Int], program: CompiledProgram) in
            let stage = partition.stages[group[0]]
            return (group, try Compiler(chip: system.chip, role: stage.role).compile(try partition.graph(stage, phase: phase)))
        }
        // prog.tasm → prog.chip0.tasm, as the user typed it (relative paths stay relative).
        let stem = (output as NSString).deletingPathExtension, ext = (output as NSString).pathExtension
        var out = "compiled \(model.name) \(phase) for \(system.config.name) (\(system.chips) × \(system.chip.config.name), "
            + "\(system.config.partitioning.description)): \(groups.count) distinct chip program(s)\n"
        var files: [(data: Data, url: URL)] = []
        for (group, program) in compiled {
            let first = partition.stages[group[0]].chips.lowerBound
            let file = "\(stem).chip\(first).\(ext)"
            let list = SystemRunner.chipList(group.map { partition.stages[$0].chips })
            let chips = (list.contains("–") || list.contains(",") ? "chips " : "chip ") + list
            let description = SystemRunner.programDescription(group, partition: partition)
            let path = URL(fileURLWithPath: file, relativeTo: context.currentDirectory).path
            files.append((try ProgramFile.encoded(program.program, path: path, option: "--output",
                                                  comment: "compiled by tritsim \(CommandLineTool.version): model \(model.name), system \(system.config.name), \(chips) (\(description)), \(phase)"),
                          URL(fileURLWithPath: path)))
            out += "wrote \(file): \(chips) (\(description)), \(program.program.instructions.count) instructions"
                + (program.plan.microBatches > 1 ? ", \(program.plan.microBatches) pipelined micro-batches per chunk" : "") + "\n"
        }
        // All files or none: a target that cannot be written leaves every other one untouched.
        try AtomicFile.writeSet(files)
        context.stdout(out)
    }
}
