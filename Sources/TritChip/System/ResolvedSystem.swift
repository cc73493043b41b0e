import Foundation
import TritCore

/// A system config joined with its resolved chip, whose `link` is the system's link.
///
/// The compiler and the simulator take `chip` (every chip of a system is identical); the
/// partitioning says how many chips share a stage and how many stages there are.
public struct ResolvedSystem: Equatable, Sendable {
    /// The system as configured.
    public var config: SystemConfig
    /// One chip of the system, with `link` set.
    public var chip: ResolvedChip

    /// Joins a system config with the chip it names, giving the chip the system's link.
    public init(config: SystemConfig, chip: ResolvedChip) {
        self.config = config
        var linked = chip
        linked.link = config.link
        self.chip = linked
    }

    /// Number of chips N.
    public var chips: Int { config.chips }
    /// Chips per pipeline stage (the tensor-parallel degree T).
    public var tensorParallel: Int { config.partitioning.tensorParallel }
    /// Pipeline stages P.
    public var pipelineStages: Int { config.partitioning.pipelineStages }
}

/// Finds system presets by short name in `Configs/systems/`, or by path, and resolves the chip
/// each names. Name rules: `NamedConfigFolder`.
public struct SystemCatalog: Sendable {
    /// The folder of system configs.
    public let configs: NamedConfigFolder
    /// The chips a system may name.
    public let chips: ChipCatalog

    /// A catalogue over a systems folder, resolving chips through `chips`.
    public init(folder: URL, chips: ChipCatalog) {
        configs = NamedConfigFolder(folder: folder, option: "--system", kind: "system")
        self.chips = chips
    }

    /// Loads a system and its chip by short name or path.
    /// - Throws: `InputError` for an unknown or ambiguous system name, any loader error, and — naming
    ///   the system file and its `chip` field — a chip that is not in `Configs/chips/`.
    public func load(_ nameOrPath: String) throws -> ResolvedSystem {
        let (url, name) = try configs.resolve(nameOrPath)
        let config = try SystemConfig.load(file: url, name: name)
        let chipURL: URL
        let chipName: String
        if config.chip.contains("/") || config.chip.hasSuffix(".json") {
            chipURL = URL(fileURLWithPath: config.chip, relativeTo: url.deletingLastPathComponent())
            chipName = chipURL.deletingPathExtension().lastPathComponent
            guard FileManager.default.fileExists(atPath: chipURL.path) else {
                throw InputError(source: config.errorSource, location: "chip", expected: "a chip config file",
                                 found: "\"\(config.chip)\" (no such file)")
            }
        } else {
            let known = chips.configs.names()
            guard let match = known.first(where: { $0 == config.chip }) else {
                throw InputError(source: config.errorSource, location: "chip",
                                 expected: "a chip preset in \(chips.configs.folder.path) (\(known.joined(separator: ", ")))",
                                 found: "\"\(config.chip)\"")
            }
            chipURL = chips.configs.folder.appendingPathComponent(match + ".json")
            chipName = match
        }
        let chip = try ResolvedChip.load(file: chipURL, technologyFolder: chips.technologyFolder, name: chipName)
        return ResolvedSystem(config: config, chip: chip)
    }
}
