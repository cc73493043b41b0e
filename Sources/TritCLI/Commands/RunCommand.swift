import Foundation
import TritCore
import TritReport

/// `tritsim run`: compare the chip and the GPU on one model (prefill, then decode), write the
/// report folder, print the table (or the JSON summary) and the paths written.
struct RunCommand: Subcommand {
    static let name = "run"
    static let abstract = "Run one model on the ternary chip and on the FP16 GPU (prefill, then decode) and write a comparison report."
    static let discussion = "The report goes to OUT/<model>__<chip>__<gpu>/ as report.md, summary.json and layers.csv "
        + "(with --system, OUT/<model>__<system>__<gpu>/, comparing the N chips against the GPU; with --gpus N > 1, <gpu> is <gpu>-tpN). "
        + "With --json, summary.json is printed to stdout and the paths written go to stderr, so stdout stays valid JSON. "
        + "Configs are looked up in --configs, else $TRITSIM_CONFIGS, else a Configs/ folder (one holding models/) "
        + "above the current directory or above the tritsim executable."

    /// The option table: the single source of parsing, defaults and `--help`.
    static let options: [OptionSpec] = [
        SharedOptions.model,
        SharedOptions.chip,
        SharedOptions.system,
        OptionSpec(name: "gpu", kind: .value(valueName: "NAME|PATH"), unit: nil, defaultValue: "h200-sxm",
                   defaultDescription: nil, help: "FP16 GPU baseline: a name in Configs/gpus/ or a path to a GPU config."),
        OptionSpec(name: "gpus", kind: .value(valueName: "N"), unit: "GPUs", defaultValue: "1",
                   defaultDescription: nil,
                   help: "GPUs of the --gpu kind splitting the model by Megatron-style tensor parallelism (integer in 1...64). "
                       + "N > 1 needs a GPU config with an interconnect (not the Jetson) and N dividing the model's attention heads, "
                       + "KV heads and FFN width; memory is checked per GPU, and each all-reduce takes 2(N−1) × link latency "
                       + "+ 2(N−1)/N × bytes / link bandwidth."),
        OptionSpec(name: "gpu-mode", kind: .value(valueName: "graph|eager"), unit: nil, defaultValue: "graph", defaultDescription: nil,
                   help: "How the GPU's kernels are issued: graph (CUDA-graph replay, 0.91 µs per kernel measured on H200) or eager "
                       + "(one PyTorch launch per kernel, ~50 µs each fitted to single timed launches: an upper bound)."),
        OptionSpec(name: "gpu-fusion", kind: .value(valueName: "unfused|fused"), unit: nil, defaultValue: "unfused", defaultDescription: nil,
                   help: "How the GPU launches norms, activation quantisation, residual adds and the gated activation: unfused (one "
                       + "kernel per node, as Hugging Face transformers) or fused (each chain as one kernel, as vLLM's fused_add_rms_norm)."),
        OptionSpec(name: "prompt-tokens", kind: .value(valueName: "N"), unit: "tokens", defaultValue: "512",
                   defaultDescription: nil, help: "Prompt length processed by prefill (integer in 1...1048576; prompt + generated tokens must fit the model's max_position_embeddings)."),
        OptionSpec(name: "generate-tokens", kind: .value(valueName: "N"), unit: "tokens", defaultValue: "128",
                   defaultDescription: nil, help: "Tokens generated per sequence by decode (integer in 1...1048576)."),
        OptionSpec(name: "batch", kind: .value(valueName: "B"), unit: "sequences", defaultValue: "1",
                   defaultDescription: nil, help: "Sequences decoded together (integer in 1...65536)."),
        OptionSpec(name: "out", kind: .value(valueName: "DIR"), unit: "folder", defaultValue: "Reports",
                   defaultDescription: nil, help: "Output folder; the report goes to DIR/<model>__<chip>__<gpu>/."),
        OptionSpec(name: "json", kind: .flag, unit: nil, defaultValue: nil, defaultDescription: "off",
                   help: "Print summary.json to stdout instead of the table."),
        SharedOptions.configs,
    ]

    /// The validated options.
    let options: RunOptions

    init(parsing arguments: ParsedArguments) throws {
        options = try RunOptions(parsing: arguments)
    }

    func run(in context: CommandContext) throws {
        let locator = ConfigLocator(explicitFolder: options.configsFolder, environment: context.environment,
                                    currentDirectory: context.currentDirectory,
                                    executableLocations: context.executableLocations)
        let configs = try locator.locate()
        let outputRoot = URL(fileURLWithPath: options.outputFolder, isDirectory: true, relativeTo: context.currentDirectory)
        let report = try RunPipeline.execute(options, configs: configs) { folderName in
            try AtomicFile.prepareFolder(outputRoot)
            try AtomicFile.checkName(outputRoot.appendingPathComponent(folderName))
            try AtomicFile.checkReplaceable(outputRoot.appendingPathComponent(folderName), holding: ComparisonReport.fileNames)
        }

        let written = try report.write(to: outputRoot.appendingPathComponent(report.folderName, isDirectory: true))
        // Paths as the user would type them: relative to their --out when --out was relative.
        let shownFolder = (options.outputFolder.hasSuffix("/") ? options.outputFolder : options.outputFolder + "/")
            + report.folderName + "/"
        let pathLines = "wrote:\n" + written.map { "  " + shownFolder + $0.lastPathComponent + "\n" }.joined()

        if options.json {
            context.stdout(report.summaryJSON())
            context.stderr(pathLines)
        } else {
            context.stdout(report.terminalTable() + "\n" + pathLines)
        }
    }
}
