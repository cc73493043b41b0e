import GPUBaseline
import TritModel
/// The options of `tritsim run`, parsed and validated.
///
/// Defaults live only in `RunCommand.options` (the option table that also generates `--help`);
/// `parse(_:)` fills absent options from there.
public struct RunOptions: Sendable, Equatable {
    /// `--model`: a model name in `Configs/models/` (file stem, or a unique part of one), a path
    /// to a Hugging Face `config.json`, or a path to a model file (`.gguf`, `.safetensors`,
    /// `model.safetensors.index.json`) whose architecture is read from the file (`ModelSource`).
    public var model: String
    /// `--chip`: a chip name in `Configs/chips/` or a path to a chip config.
    public var chip: String
    /// `--system`: a multi-chip system in `Configs/systems/` or a path to one, or nil for one chip.
    /// A system names its own chip, so `--chip` may not be given with it.
    public var system: String?
    /// `--gpu`: a GPU name in `Configs/gpus/` or a path to a GPU config.
    public var gpu: String
    /// `--gpus`: GPUs of the `--gpu` kind splitting the model by tensor parallelism
    /// (`GPUModel.gpuCounts`, 1...64; 1 = one GPU).
    public var gpus: Int
    /// `--gpu-mode`: how the GPU's kernels are issued.
    public var gpuMode: ExecutionMode = .graph
    /// `--gpu-fusion`: how the GPU launches elementwise work.
    public var gpuFusion: ElementwiseFusion = .unfused
    /// `--prompt-tokens`: prompt length processed by prefill, in tokens (≥ 1).
    public var promptTokens: Int
    /// `--generate-tokens`: tokens generated per sequence by decode (≥ 1).
    public var generateTokens: Int
    /// `--batch`: sequences decoded together (≥ 1).
    public var batch: Int
    /// `--out`: folder receiving `<model>__<chip>__<gpu>/`; relative paths resolve against the
    /// current directory.
    public var outputFolder: String
    /// `--json`: print `summary.json` to stdout instead of the terminal table.
    public var json: Bool
    /// `--configs`: the folder holding `models/`, `chips/`, `gpus/`, `technology/`, or nil to
    /// find it automatically (`ConfigLocator`).
    public var configsFolder: String?

    /// Creates options directly (tests, other front ends); the command line uses `parse(_:)`.
    public init(model: String, chip: String, gpu: String, promptTokens: Int, generateTokens: Int, batch: Int,
                outputFolder: String, json: Bool, configsFolder: String?, system: String? = nil, gpus: Int = 1) {
        self.model = model
        self.chip = chip
        self.system = system
        self.gpu = gpu
        self.gpus = gpus
        self.promptTokens = promptTokens
        self.generateTokens = generateTokens
        self.batch = batch
        self.outputFolder = outputFolder
        self.json = json
        self.configsFolder = configsFolder
    }

    /// Parses the arguments of `tritsim run` (everything after `run`).
    /// - Throws: `UsageError` for unknown options, missing values, non-integers and stray
    ///   arguments; `InputError` (source `command line`, location the option) for values out of
    ///   range or empty.
    public static func parse(_ arguments: [String]) throws -> RunOptions {
        let parsed = try ArgumentCursor(table: RunCommand.options, helpCommand: RunCommand.helpCommand).parse(arguments)
        return try RunOptions(parsing: parsed)
    }

    /// The value of a choice option, one of `type`'s raw values.
    /// - Throws: `UsageError` naming the option and the choices.
    private static func choice<T: RawRepresentable & CaseIterable>(_ name: String, of type: T.Type, _ arguments: ParsedArguments) throws -> T
        where T.RawValue == String {
        let text = arguments.string(name) ?? ""
        guard let value = T(rawValue: text) else {
            throw UsageError("option '--\(name)' expects \(T.allCases.map(\.rawValue).joined(separator: " or ")), found '\(text)'",
                             helpCommand: RunCommand.helpCommand)
        }
        return value
    }

    /// Converts and validates arguments parsed against `RunCommand.options`.
    init(parsing arguments: ParsedArguments) throws {
        model = try arguments.nonEmptyString("model", expected: "a model name or a path to a config.json")
        chip = try arguments.nonEmptyString("chip", expected: "a chip name or a path to a chip config")
        system = try arguments.system()
        gpu = try arguments.nonEmptyString("gpu", expected: "a GPU name or a path to a GPU config")
        gpus = try arguments.integer("gpus", minimum: GPUModel.gpuCounts.lowerBound, maximum: GPUModel.gpuCounts.upperBound)
        gpuMode = try Self.choice("gpu-mode", of: ExecutionMode.self, arguments)
        gpuFusion = try Self.choice("gpu-fusion", of: ElementwiseFusion.self, arguments)
        // Upper limits: the longest context any config may declare, and the largest batch a step
        // graph accepts; together they keep every count of a step inside 64 bits.
        let maximumTokens = Int(ModelConfig.Limits.maxPositionEmbeddings)
        promptTokens = try arguments.integer("prompt-tokens", minimum: 1, maximum: maximumTokens)
        generateTokens = try arguments.integer("generate-tokens", minimum: 1, maximum: maximumTokens)
        batch = try arguments.integer("batch", minimum: 1, maximum: Graph.maximumBatch)
        outputFolder = try arguments.nonEmptyString("out", expected: "a folder path")
        json = arguments.flag("json")
        if arguments.values["configs"] != nil {
            configsFolder = try arguments.nonEmptyString("configs", expected: "a folder path")
        } else {
            configsFolder = nil
        }
    }
}
