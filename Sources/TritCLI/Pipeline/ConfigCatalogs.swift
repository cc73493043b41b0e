import Foundation
import GPUBaseline
import TritChip
import TritModel

/// The model, chip, system and GPU catalogues of one configs folder (`models/`, `chips/` with
/// `technology/`, `systems/`, `gpus/`), so every command opens them the same way. `--model` may
/// also name a model file (`ModelSource`).
struct ConfigCatalogs {
    /// Models by name or `config.json` path, or from a model file (`ModelSource`).
    let models: ModelSource
    let chips: ChipCatalog
    let systems: SystemCatalog
    let gpus: GPUCatalog

    init(_ configs: URL) {
        models = ModelSource(catalog: ModelCatalog(folder: configs.appendingPathComponent("models")))
        chips = ChipCatalog(folder: configs.appendingPathComponent("chips"), technologyFolder: configs.appendingPathComponent("technology"))
        gpus = GPUCatalog(folder: configs.appendingPathComponent("gpus"))
        systems = SystemCatalog(folder: configs.appendingPathComponent("systems"), chips: chips)
    }
}
