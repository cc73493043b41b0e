import Foundation
import TritCore

/// Finds chip presets by short name in `Configs/chips/`, or by path. Name rules: `NamedConfigFolder`.
public struct ChipCatalog: Sendable {
    /// The folder of chip configs.
    public let configs: NamedConfigFolder
    /// `Configs/technology/`.
    public let technologyFolder: URL

    /// A catalogue over a chips folder and a technology folder.
    public init(folder: URL, technologyFolder: URL) {
        configs = NamedConfigFolder(folder: folder, option: "--chip", kind: "chip")
        self.technologyFolder = technologyFolder
    }

    /// Loads a chip and its technology table by short name or path.
    /// - Throws: `InputError` for an unknown or ambiguous name, or any loader error.
    public func load(_ nameOrPath: String) throws -> ResolvedChip {
        let (url, name) = try configs.resolve(nameOrPath)
        return try ResolvedChip.load(file: url, technologyFolder: technologyFolder, name: name)
    }
}
