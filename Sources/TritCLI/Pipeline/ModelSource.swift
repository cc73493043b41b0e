import Foundation
import TritCore
import TritModel
import TritWeights

/// Where `--model` values come from: a name or `config.json` path through `ModelCatalog`, or a
/// model file (`.gguf`, `.safetensors`, `model.safetensors.index.json`, or a path whose first
/// bytes are a GGUF or safetensors header), whose architecture is read from the file.
struct ModelSource {
    /// The `Configs/models/` catalogue.
    let catalog: ModelCatalog

    /// Loads a model by short name, `config.json` path, or model-file path.
    /// - Throws: `InputError` from `ModelCatalog.load` or from `WeightFile` (a broken file, or a
    ///   model the file does not fully describe).
    func load(_ nameOrPath: String) throws -> ModelConfig {
        var isFolder: ObjCBool = false
        if nameOrPath.contains("/"), FileManager.default.fileExists(atPath: nameOrPath, isDirectory: &isFolder), isFolder.boolValue {
            throw InputError(source: nameOrPath, location: "--model",
                             expected: "a model file (.gguf, .safetensors, model.safetensors.index.json) or a config.json; point at the one in the folder",
                             found: "a folder")
        }
        // Only an argument with a folder in it is sniffed, so a short name never opens a file.
        if WeightFile.recognizes(nameOrPath, sniffing: nameOrPath.contains("/")) {
            return try WeightFile.open(nameOrPath).modelConfig()
        }
        return try catalog.load(nameOrPath)
    }
}
