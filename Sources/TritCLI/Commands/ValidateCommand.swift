import Foundation
import GPUBaseline
import TritReport

/// `tritsim validate gpu`: the FP16 GPU model against measurements of a real GPU.
struct ValidateCommand: Subcommand {
    static let name = "validate"
    static let abstract = "Compare a model with measurements: `validate gpu` prints the FP16 GPU model's error on every measured point."
    static let discussion = "For each measured point of the measurement file (FP16 F.linear GEMMs in a CUDA graph and as single "
        + "eager launches, decode attention calls, sustained copy and GEMM power), prints the measured and the modelled value and "
        + "the error (modelled / measured − 1), and per group the median and the largest |error| with the bounds the model is "
        + "held to (GEMMs in a CUDA graph: median ≤ 8 %, max ≤ 25 %; sustained power: within 10 %). The default file is the "
        + "H200 measurement copied into Configs/validation/; its format is documented in Configs/validation/README.md, so you can "
        + "measure your own GPU and pass --gpu with a config for it."

    static let options: [OptionSpec] = [
        OptionSpec(name: "target", kind: .positional(valueName: "TARGET"), unit: nil, defaultValue: nil, defaultDescription: nil,
                   help: "What to validate: gpu."),
        OptionSpec(name: "gpu", kind: .value(valueName: "NAME|PATH"), unit: nil, defaultValue: "h200-sxm", defaultDescription: nil,
                   help: "The GPU model: a name in Configs/gpus/ or a path to a GPU config."),
        OptionSpec(name: "measurements", kind: .value(valueName: "FILE"), unit: nil, defaultValue: nil,
                   defaultDescription: "validation/h200-fp16-calibration.json in the configs folder",
                   help: "Measurements of a real GPU (JSON, the format of Configs/validation/README.md)."),
        SharedOptions.configs,
    ]

    /// The default measurement file, inside the configs folder.
    static let defaultMeasurements = "validation/h200-fp16-calibration.json"

    let gpu: String
    let measurements: String?
    let configsFolder: String?

    init(parsing arguments: ParsedArguments) throws {
        let target = try arguments.nonEmptyString("target", expected: "gpu")
        guard target == "gpu" else {
            throw UsageError("unknown validation target '\(target)': expected gpu", helpCommand: arguments.helpCommand)
        }
        gpu = try arguments.nonEmptyString("gpu", expected: "a GPU name or a path to a GPU config")
        measurements = arguments.values["measurements"] != nil ? try arguments.nonEmptyString("measurements", expected: "a measurement file") : nil
        configsFolder = try arguments.configsFolder()
    }

    func run(in context: CommandContext) throws {
        let configs = try context.configs(configsFolder)
        let config = try ConfigCatalogs(configs).gpus.load(gpu)
        let file = measurements.map { URL(fileURLWithPath: $0, relativeTo: context.currentDirectory) }
            ?? configs.appendingPathComponent(Self.defaultMeasurements)
        let measured = try GPUMeasurements.load(file: file, displayName: measurements ?? file.path)
        let validation = try GPUValidation(model: GPUModel(config: config), measurements: measured)
        context.stdout(Self.render(validation, gpu: config, device: measured.device, file: measurements ?? Self.defaultMeasurements))
    }

    /// The error table: per group a note, one row per point and the median / max |error| line.
    static func render(_ validation: GPUValidation, gpu: GPUConfig, device: String, file: String) -> String {
        var out = "validate gpu: the FP16 model of \(gpu.name) (\(gpu.id)) against measurements of \(device) (\(file))\n"
        if !sameDevice(gpu.name, device) {
            out += "note: the measured device (\(device)) is not the modelled GPU (\(gpu.name)): the errors compare two different GPUs\n"
        }
        for group in validation.groups {
            out += "\n\(group.name): \(group.note)\n"
            var table = TextTable(headers: ["point", "measured \(group.unit)", "modelled \(group.unit)", "error"],
                                  alignments: [.left, .right, .right, .right])
            for row in group.rows {
                table.rows.append([row.label, Units.significant(row.measured), Units.significant(row.modelled), signedPercent(row.error)])
            }
            out += table.plainText()
            var bounds: [String] = []
            if let median = group.medianBound { bounds.append("median ≤ \(Units.percent(median))") }
            if let maximum = group.maximumBound { bounds.append("max ≤ \(Units.percent(maximum))") }
            out += "\(group.rows.count) points: median |error| \(Units.percent(group.medianAbsoluteError)), "
                + "max |error| \(Units.percent(group.maximumAbsoluteError))"
                + (bounds.isEmpty ? " (no bound)" : " (bound: \(bounds.joined(separator: ", ")): " + (group.withinBounds ? "within" : "OUTSIDE") + ")")
                + "\n"
        }
        return out
    }

    /// Whether a measured device name (`NVIDIA H200`) names the modelled GPU (`NVIDIA H200 SXM`): one
    /// name's words all appear in the other's, ignoring case.
    static func sameDevice(_ modelled: String, _ measured: String) -> Bool {
        let words = { (name: String) in Set(name.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)) }
        let a = words(modelled), b = words(measured)
        return !a.isEmpty && !b.isEmpty && (a.isSubset(of: b) || b.isSubset(of: a))
    }

    /// `+4.9%` / `-17.4%`, one decimal.
    static func signedPercent(_ fraction: Double) -> String {
        String(format: "%+.1f%%", 100 * fraction)
    }
}
