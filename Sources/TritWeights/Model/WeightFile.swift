import Foundation
import TritCore
import TritModel

/// A model file of either format, opened for listing and for the model it describes.
public enum WeightFile: Sendable {
    /// A GGUF v3 file.
    case gguf(GGUFFile)
    /// A safetensors file or a sharded checkpoint's index.
    case safetensors(SafetensorsCheckpoint)

    /// One row of a tensor listing, the same for both formats.
    public struct TensorRow: Equatable, Sendable {
        /// The tensor's name.
        public var name: String
        /// The stored type (`I2_S`, `BF16`, `U8 packed ternary`, …).
        public var type: String
        /// The stored shape as the format writes it: GGUF `{ne0, ne1}` innermost first,
        /// safetensors `[d0, d1]` outermost first.
        public var shape: String
        /// Elements (logical: 4 per byte for a packed ternary weight).
        public var elementCount: Int64
        /// Bytes of data in the file.
        public var byteCount: Int64
        /// The file holding it, for a sharded checkpoint (else empty).
        public var shard: String
    }

    /// Whether `path` names a model file: by extension (`.gguf`, `.safetensors`, a name ending
    /// in `.safetensors.index.json`), or, with `sniffing` and for an existing file whose name does
    /// not end in `.json`, by its first bytes (the `GGUF` magic, or an 8-byte length followed by
    /// `{` as safetensors begins).
    public static func recognizes(_ path: String, sniffing: Bool = true) -> Bool {
        let lower = path.lowercased()
        if lower.hasSuffix(".gguf") || lower.hasSuffix(".safetensors") || lower.hasSuffix(".safetensors.index.json") { return true }
        guard sniffing, !lower.hasSuffix(".json") else { return false }
        return sniff(path) != nil
    }

    private enum Format { case gguf, safetensors }

    /// The format the first bytes of the file at `path` show, if any (reads 9 bytes).
    private static func sniff(_ path: String) -> Format? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 9), head.count >= 4 else { return nil }
        let bytes = [UInt8](head)
        if Array(bytes[0..<4]) == Array("GGUF".utf8) { return .gguf }
        if bytes.count == 9, bytes[8] == UInt8(ascii: "{") { return .safetensors }
        return nil
    }

    /// Opens a model file: `.gguf` (or the GGUF magic) as GGUF, anything else as safetensors.
    /// - Throws: `InputError` from `GGUFFile` or `SafetensorsCheckpoint`.
    public static func open(_ path: String) throws -> WeightFile {
        let lower = path.lowercased()
        if lower.hasSuffix(".gguf") { return .gguf(try GGUFFile.open(path)) }
        if lower.hasSuffix(".safetensors") || lower.hasSuffix(".json") { return .safetensors(try SafetensorsCheckpoint.open(path)) }
        if sniff(path) == .gguf { return .gguf(try GGUFFile.open(path)) }
        return .safetensors(try SafetensorsCheckpoint.open(path))
    }

    /// The path the file was opened with.
    public var path: String {
        switch self {
        case .gguf(let file): return file.path
        case .safetensors(let checkpoint): return checkpoint.path
        }
    }

    /// The short model name for reports: a GGUF file's stem; a safetensors checkpoint's folder
    /// name (Hugging Face checkpoints are folders named after the model; their files are
    /// `model.safetensors` or `model-0000N-of-0000M.safetensors`).
    public var defaultModelName: String {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        switch self {
        case .gguf: return url.deletingPathExtension().lastPathComponent
        case .safetensors:
            let folder = url.deletingLastPathComponent().lastPathComponent
            return folder.isEmpty || folder == "/" ? "model" : folder
        }
    }

    /// The model the file describes (`ModelConfig.describe(gguf:name:)` or
    /// `ModelConfig.describe(safetensors:name:)`), named `defaultModelName`.
    /// - Throws: `InputError` for anything missing or inconsistent.
    public func modelConfig() throws -> ModelConfig {
        switch self {
        case .gguf(let file): return try ModelConfig.describe(gguf: file, name: defaultModelName)
        case .safetensors(let checkpoint): return try ModelConfig.describe(safetensors: checkpoint, name: defaultModelName)
        }
    }

    /// Every tensor, in file order (GGUF) or header / `weight_map` order (safetensors).
    public var rows: [TensorRow] {
        switch self {
        case .gguf(let file):
            return file.tensors.map {
                TensorRow(name: $0.name, type: $0.type.name, shape: GGUFTensorInfo.describe($0.dimensions),
                          elementCount: $0.elementCount, byteCount: $0.byteCount, shard: "")
            }
        case .safetensors(let checkpoint):
            return checkpoint.tensors.map { entry in
                let packed = checkpoint.isPackedTernary(entry)
                let shape = "[" + entry.info.shape.map(String.init).joined(separator: ", ") + "]"
                return TensorRow(name: entry.info.name, type: entry.info.dtype.rawValue + (packed ? " packed ternary" : ""),
                                 shape: shape, elementCount: packed ? entry.info.elementCount &* 4 : entry.info.elementCount,
                                 byteCount: entry.info.byteCount,
                                 shard: checkpoint.isSharded ? URL(fileURLWithPath: checkpoint.shards[entry.shard].path).lastPathComponent : "")
            }
        }
    }

    /// One line naming the format and its header facts, e.g.
    /// `GGUF v3, 332 tensors, 24 metadata keys, alignment 32 bytes, architecture bitnet-b1.58`.
    public var summary: String {
        switch self {
        case .gguf(let file):
            return "GGUF v\(file.version), \(file.tensors.count) tensors, \(file.metadata.count) metadata keys, "
                + "alignment \(file.alignmentBytes) bytes, architecture \(file.architecture ?? "none")"
        case .safetensors(let checkpoint):
            let shards = checkpoint.isSharded ? ", \(checkpoint.shards.count) shards" : ""
            let metadata = checkpoint.shards.first?.metadata ?? []
            let meta = metadata.isEmpty ? "" : ", __metadata__ " + metadata.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            return "safetensors, \(checkpoint.tensors.count) tensors\(shards)\(meta)"
        }
    }
}
