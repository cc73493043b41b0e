import Foundation
import TritCore

/// Finds model configs by short name in `Configs/models/` (Hugging Face `config.json` files
/// named `<name>.json`), or by path. Name rules: `NamedConfigFolder`.
public struct ModelCatalog: Sendable {
    /// The folder of configs.
    public let configs: NamedConfigFolder

    /// A catalogue over `folder`.
    public init(folder: URL) { configs = NamedConfigFolder(folder: folder, option: "--model", kind: "model") }

    /// Loads a model by short name or path.
    /// - Throws: `InputError` for an unknown or ambiguous name, or any error of
    ///   `ModelConfig.load(huggingFace:name:)`.
    public func load(_ nameOrPath: String) throws -> ModelConfig {
        let (url, name) = try configs.resolve(nameOrPath)
        return try ModelConfig.load(huggingFace: url, name: name)
    }
}
