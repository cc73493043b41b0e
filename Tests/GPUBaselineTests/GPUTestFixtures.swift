import Foundation
import GPUBaseline
import TritModel
import TritTestSupport

/// Shared loaders for the GPU baseline tests.
enum GPUTestFixtures {
    /// The GPU catalogue over `Configs/gpus/`.
    static var catalog: GPUCatalog { GPUCatalog(folder: RepositoryPaths.gpus) }

    /// The two models the invariants are checked on.
    static let modelNames = ["bitnet-b1.58-2B-4T", "bitnet_b1_58-3B"]

    /// Loads a model config from `Configs/models/`.
    static func model(_ name: String) throws -> ModelConfig {
        try ModelCatalog(folder: RepositoryPaths.models).load(name)
    }

    /// The text of `Configs/gpus/h200-sxm.json`, for writing modified copies.
    static func h200Text() throws -> String {
        try String(contentsOf: RepositoryPaths.gpus.appendingPathComponent("h200-sxm.json"), encoding: .utf8)
    }
}
