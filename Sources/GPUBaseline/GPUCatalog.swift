import Foundation
import TritCore

/// Finds GPU configs by short name in `Configs/gpus/`, or by path. Name rules: `NamedConfigFolder`
/// (`h200` finds `h200-sxm`).
public struct GPUCatalog: Sendable {
    /// The folder of GPU configs.
    public let configs: NamedConfigFolder

    /// A catalogue over `folder`.
    public init(folder: URL) { configs = NamedConfigFolder(folder: folder, option: "--gpu", kind: "GPU") }

    /// Short names (file stems) available, sorted.
    public func names() -> [String] { configs.names() }

    /// Loads a GPU by short name or path.
    /// - Throws: `InputError(source: "--gpu", …)` listing the available names for an unknown or
    ///   ambiguous name, or any error of `GPUConfig.load(file:id:)`.
    public func load(_ nameOrPath: String) throws -> GPUConfig {
        let (url, name) = try configs.resolve(nameOrPath)
        return try GPUConfig.load(file: url, id: name)
    }
}
