import Foundation
import TritCore

/// A safetensors checkpoint: one `.safetensors` file, or the shards a
/// `model.safetensors.index.json` names, seen as one set of tensors.
///
/// Index format (source: Hugging Face transformers' sharded checkpoints; summarised in
/// `shared/reference/trace-formats.md` §3): `{"metadata": {"total_size": BYTES},
/// "weight_map": {"TENSOR": "SHARD FILE"}}`, each shard a safetensors file in the index's folder.
/// Checks: every shard name is a plain file name (no folder, so an index cannot point outside its
/// folder); every tensor the map names is in the shard it names; every tensor of every shard is
/// in the map, under that shard. No real BitNet index was available to compare with.
public struct SafetensorsCheckpoint: Sendable {
    /// One tensor and the shard holding it.
    public struct Entry: Equatable, Sendable {
        /// The tensor as its shard's header lists it.
        public let info: SafetensorsTensorInfo
        /// Index into `shards`.
        public let shard: Int
    }

    /// What the user named: the `.safetensors` file or the index.
    public let path: String
    /// Whether `path` is a sharded checkpoint's index.
    public let isSharded: Bool
    /// The files holding the tensors (one for an unsharded checkpoint), in the order the index
    /// first names them.
    public let shards: [SafetensorsFile]
    /// Every tensor: header order for one file, `weight_map` order for an index.
    public let tensors: [Entry]
    /// The index's `metadata.total_size`, if given (bytes of tensor data, as the writer counted
    /// them; reported, not enforced).
    public let indexTotalSizeBytes: Int64?
    private let positionByName: [String: Int]

    /// Opens a checkpoint: a path ending in `.json` is a sharded index, anything else one file.
    /// - Throws: `InputError` naming the file for a missing file, a malformed index, a shard
    ///   outside the index's folder, a map that disagrees with the shards, or any error of
    ///   `SafetensorsFile`.
    public static func open(_ path: String) throws -> SafetensorsCheckpoint {
        if path.lowercased().hasSuffix(".json") { return try openIndex(path) }
        let file = try SafetensorsFile.open(path)
        return SafetensorsCheckpoint(path: path, isSharded: false, shards: [file],
                                     tensors: file.tensors.map { Entry(info: $0, shard: 0) }, indexTotalSizeBytes: nil)
    }

    /// Wraps one already-read file.
    public init(file: SafetensorsFile) {
        self.init(path: file.path, isSharded: false, shards: [file], tensors: file.tensors.map { Entry(info: $0, shard: 0) },
                  indexTotalSizeBytes: nil)
    }

    private init(path: String, isSharded: Bool, shards: [SafetensorsFile], tensors: [Entry], indexTotalSizeBytes: Int64?) {
        self.path = path
        self.isSharded = isSharded
        self.shards = shards
        self.tensors = tensors
        self.indexTotalSizeBytes = indexTotalSizeBytes
        // Names are unique: one header cannot repeat a key, and the index maps each name once.
        positionByName = Dictionary(tensors.enumerated().map { ($1.info.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The folder prefix of `path` as the user typed it (`""` or ending in `/`).
    static func folderPrefix(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[...slash])
    }

    private static func openIndex(_ path: String) throws -> SafetensorsCheckpoint {
        let index = try JSONObjectReader.load(file: URL(fileURLWithPath: path), displayName: path)
        let map = try index.object("weight_map")
        guard !map.keys.isEmpty else {
            throw InputError(source: path, location: "weight_map", expected: "at least one tensor", found: "an empty map")
        }
        var totalSize: Int64?
        if index.contains("metadata") {
            let metadata = try index.object("metadata")
            if metadata.contains("total_size") { totalSize = try metadata.int("total_size", in: 0...Int64.max) }
        }
        var shardNames: [String] = []
        var shardOf: [String: Int] = [:]
        var order: [(tensor: String, shard: Int)] = []
        for tensor in map.keys {
            let file = try map.string(tensor)
            guard !file.isEmpty, !file.contains("/"), !file.contains("\\"), file != ".", file != ".." else {
                throw map.error(tensor, expected: "a shard file name in the index's folder", found: "\"\(file)\"")
            }
            let shard: Int
            if let known = shardOf[file] {
                shard = known
            } else {
                shard = shardNames.count
                shardOf[file] = shard
                shardNames.append(file)
            }
            order.append((tensor, shard))
        }
        let prefix = folderPrefix(of: path)
        let shards = try shardNames.map { try SafetensorsFile.open(prefix + $0) }
        var entries: [Entry] = []
        var listed: [String: Int] = [:]
        for (tensor, shard) in order {
            guard let info = shards[shard].tensor(tensor) else {
                throw map.error(tensor, expected: "a tensor of \(shards[shard].path)", found: "no tensor of that name in the shard")
            }
            entries.append(Entry(info: info, shard: shard))
            listed[tensor] = shard
        }
        for (number, shard) in shards.enumerated() {
            for tensor in shard.tensors where listed[tensor.name] != number {
                let found = listed[tensor.name].map { "weight_map names shard \(shardNames[$0])" } ?? "not in weight_map"
                throw InputError(source: shard.path, location: "tensor \"\(tensor.name)\"",
                                 expected: "a tensor that \(path) lists under \(shardNames[number])", found: found)
            }
        }
        return SafetensorsCheckpoint(path: path, isSharded: true, shards: shards, tensors: entries, indexTotalSizeBytes: totalSize)
    }

    /// The tensor called `name`, if any.
    public func entry(_ name: String) -> Entry? { positionByName[name].map { tensors[$0] } }

    /// Bytes of tensor data over all shards.
    public var totalTensorBytes: Int64 { tensors.reduce(0) { $0 + $1.info.byteCount } }

    private func required(_ name: String) throws -> Entry {
        guard let entry = entry(name) else {
            throw InputError(source: path, location: "tensor \"\(name)\"", expected: "a tensor of that name", found: "none in the checkpoint")
        }
        return entry
    }

    /// The raw little-endian bytes of tensor `name` (a slice of the mapped shard).
    /// - Throws: `InputError` if there is no such tensor.
    public func data(_ name: String) throws -> Data {
        let entry = try required(name)
        return try shards[entry.shard].data(of: entry.info)
    }

    private func wrongType(_ entry: Entry, _ expected: String) -> InputError {
        InputError(source: shards[entry.shard].path, location: "tensor \"\(entry.info.name)\".dtype",
                   expected: expected, found: entry.info.dtype.rawValue)
    }

    /// The values of an `F32`, `F16` or `BF16` tensor as `Float`, row-major (`elementCount` of them).
    /// - Throws: `InputError` for a missing tensor or another dtype.
    public func floatValues(_ name: String) throws -> [Float] {
        let entry = try required(name)
        let bytes = try shards[entry.shard].data(of: entry.info)
        switch entry.info.dtype {
        case .f32: return ElementCoding.floats(float32: bytes)
        case .f16: return ElementCoding.floats(float16: bytes)
        case .bf16: return ElementCoding.floats(bfloat16: bytes)
        default: throw wrongType(entry, "F32, F16 or BF16")
        }
    }

    /// The values of an `I8` tensor, row-major.
    /// - Throws: `InputError` for a missing tensor or another dtype.
    public func int8Values(_ name: String) throws -> [Int8] {
        let entry = try required(name)
        guard entry.info.dtype == .i8 else { throw wrongType(entry, "I8") }
        return try shards[entry.shard].data(of: entry.info).map { Int8(bitPattern: $0) }
    }

    /// The values of a `U8` tensor, row-major.
    /// - Throws: `InputError` for a missing tensor or another dtype.
    public func uint8Values(_ name: String) throws -> [UInt8] {
        let entry = try required(name)
        guard entry.info.dtype == .u8 else { throw wrongType(entry, "U8") }
        return [UInt8](try shards[entry.shard].data(of: entry.info))
    }

    /// The name of the scale tensor beside a packed ternary weight: `X.weight` → `X.weight_scale`.
    public static func scaleName(of weight: String) -> String { weight + "_scale" }

    /// Whether `entry` is a packed ternary weight: a rank-2 `U8` tensor whose name has a
    /// `_scale` sibling (`X.weight` beside `X.weight_scale`), the HF BitNet layout.
    public func isPackedTernary(_ entry: Entry) -> Bool {
        entry.info.dtype == .u8 && entry.info.shape.count == 2 && self.entry(Self.scaleName(of: entry.info.name)) != nil
    }

    /// The logical PyTorch shape `[out, in]` of a tensor: `[4 × rows, in]` for a packed ternary
    /// weight, the stored shape otherwise.
    public func logicalShape(_ entry: Entry) -> [Int64] {
        guard isPackedTernary(entry), let rows = entry.info.shape.first, let columns = entry.info.shape.last else { return entry.info.shape }
        return [rows &* Int64(PackedTernary.tritsPerByte), columns]
    }

    /// A packed ternary weight unpacked to `[out, in]` trits, with its `weight_scale`.
    /// - Throws: `InputError` for a missing tensor, one that is not a packed ternary weight, a
    ///   scale that is not one F32/F16/BF16 element, a weight too large to unpack in memory
    ///   (more than 2^31 trits), or a code 3 (see `PackedTernary.unpack`).
    public func ternaryWeights(_ name: String) throws -> TernaryTensor {
        let entry = try required(name)
        guard isPackedTernary(entry) else {
            throw InputError(source: shards[entry.shard].path, location: "tensor \"\(name)\"",
                             expected: "a rank-2 U8 packed ternary weight with a \(Self.scaleName(of: name)) tensor beside it",
                             found: "\(entry.info.dtype.rawValue) \(entry.info.shape)")
        }
        let scaleName = Self.scaleName(of: name)
        let scaleEntry = try required(scaleName)
        let scales = try floatValues(scaleName)
        guard scales.count == 1, let scale = scales.first else {
            throw InputError(source: shards[scaleEntry.shard].path, location: "tensor \"\(scaleName)\".shape",
                             expected: "one element", found: "\(scaleEntry.info.elementCount) elements")
        }
        guard entry.info.byteCount <= (1 << 29) else {
            throw InputError(source: shards[entry.shard].path, location: "tensor \"\(name)\"",
                             expected: "at most 2^29 packed bytes to unpack in memory", found: "\(entry.info.byteCount)")
        }
        let packedRows = Int(entry.info.shape[0]), columns = Int(entry.info.shape[1])
        let trits = try PackedTernary.unpack(try data(name), packedRows: packedRows, columns: columns,
                                             source: shards[entry.shard].path, tensor: name)
        return TernaryTensor(rows: packedRows * PackedTernary.tritsPerByte, columns: columns, trits: trits, scale: scale)
    }
}
