import Foundation
/// Option rows several subcommands share, so their help text is written once.
enum SharedOptions {
    /// `--configs DIR`.
    static let configs = OptionSpec(name: "configs", kind: .value(valueName: "DIR"), unit: "folder", defaultValue: nil,
                                    defaultDescription: "$TRITSIM_CONFIGS, else a Configs/ folder found above the current directory or the executable",
                                    help: "Folder holding models/, chips/, gpus/, technology/ (and systems/ for --system).")

    /// `--chip NAME|PATH` with the default preset.
    static let chip = OptionSpec(name: "chip", kind: .value(valueName: "NAME|PATH"), unit: nil, defaultValue: "edge-lpddr5x",
                                 defaultDescription: nil, help: "Ternary chip: a name in Configs/chips/ or a path to a chip config.")

    /// `--system NAME|PATH`: a multi-chip system instead of one chip.
    static let system = OptionSpec(name: "system", kind: .value(valueName: "NAME|PATH"), unit: nil, defaultValue: nil,
                                   defaultDescription: "none: one chip",
                                   help: "Multi-chip system: a name in Configs/systems/ or a path to a system config; it names its chip, so --chip may not be given.")

    /// `--model NAME|PATH` with the default model.
    static let model = OptionSpec(name: "model", kind: .value(valueName: "NAME|PATH"), unit: nil, defaultValue: "bitnet-b1.58-2B-4T",
                                  defaultDescription: nil,
                                  help: "Model: a name in Configs/models/ (file stem, or a unique part of one), a path to a config.json, or a path to a "
                                      + "model file (.gguf, .safetensors with its config.json beside it, or model.safetensors.index.json) whose "
                                      + "architecture is read from the file.")
}

extension ParsedArguments {
    /// The `--system` value, if given.
    /// - Throws: `UsageError` when `--chip` is given too (a system names its chip); `InputError`
    ///   for an empty value.
    func system() throws -> String? {
        guard values["system"] != nil else { return nil }
        if values["chip"] != nil {
            throw UsageError("options '--chip' and '--system' cannot be combined (a system names its chip)", helpCommand: helpCommand)
        }
        return try nonEmptyString("system", expected: "a system name or a path to a system config")
    }

    /// The `--configs` value, if given.
    func configsFolder() throws -> String? {
        values["configs"] != nil ? try nonEmptyString("configs", expected: "a folder path") : nil
    }
}

extension CommandContext {
    /// The configs folder for `explicit` (`--configs`), found as `ConfigLocator` says.
    func configs(_ explicit: String?) throws -> URL {
        try ConfigLocator(explicitFolder: explicit, environment: environment, currentDirectory: currentDirectory,
                          executableLocations: executableLocations).locate()
    }
}
