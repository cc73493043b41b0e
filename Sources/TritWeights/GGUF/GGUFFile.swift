import Foundation
import TritCore

/// One tensor-info entry of a GGUF file, checked against the file.
public struct GGUFTensorInfo: Equatable, Sendable {
    /// The tensor's name, e.g. `blk.0.attn_q.weight` (at most 64 bytes).
    public let name: String
    /// ne[0], ne[1], …: **innermost first** (ne[0] is contiguous), so a PyTorch `[out, in]`
    /// weight appears as `[in, out]`. One to four entries.
    public let dimensions: [Int64]
    /// The element type.
    public let type: GGMLType
    /// First byte, relative to the start of the tensor-data section (a multiple of the alignment).
    public let offset: Int64
    /// Bytes of data (`ggml_nbytes`, see `GGMLType.dataBytes`).
    public let byteCount: Int64
    /// Elements: the product of `dimensions`.
    public let elementCount: Int64

    /// The shape outermost first (PyTorch order): `dimensions` reversed.
    public var shape: [Int64] { dimensions.reversed() }

    /// Dimensions as llama.cpp prints them, innermost first: `{2560, 128256}`.
    public static func describe(_ dimensions: [Int64]) -> String {
        "{" + dimensions.map(String.init).joined(separator: ", ") + "}"
    }
}

/// A GGUF v3 file: header, metadata and tensor directory read and checked, tensor data left on
/// disk (memory-mapped) until asked for.
///
/// Layout (little-endian; source: ggml `docs/gguf.md` and the bitnet.cpp fork's `ggml.c`, as
/// summarised in `shared/reference/trace-formats.md` §2): magic `GGUF`, version u32 = 3,
/// tensor_count u64, metadata_kv_count u64; the key/value pairs (key a gguf_string — u64 length
/// then UTF-8 — a u32 value type and the value); the tensor infos (name, n_dims u32 ≤ 4, ne u64 ×
/// n_dims, type u32, offset u64); zero padding to ALIGNMENT; the tensor data, each tensor at
/// data start + offset. ALIGNMENT is `general.alignment` (uint32, a multiple of 8), else 32.
///
/// Checks: every count, length and offset against the bytes left in the file before anything is
/// allocated (a key/value pair takes at least 13 bytes, a tensor info 24, an array element its
/// type's minimum), so a lying header cannot cause a huge allocation; valid UTF-8 keys and names;
/// no repeated key or tensor name; nested arrays at most 8 deep; offsets aligned; every tensor's
/// data inside the file and not overlapping another's.
public struct GGUFFile: Sendable {
    /// The file, as the user named it.
    public let path: String
    /// The file's size in bytes.
    public let fileSizeBytes: Int64
    /// The format version (always 3: other versions are refused).
    public let version: UInt32
    /// Metadata in file order.
    public let metadata: [(key: String, value: GGUFValue)]
    /// Tensor infos in file order.
    public let tensors: [GGUFTensorInfo]
    /// ALIGNMENT in bytes.
    public let alignmentBytes: Int64
    /// First byte of the tensor-data section in the file.
    public let dataStart: Int64
    private let file: MappedFile
    private let metadataIndex: [String: Int]
    private let tensorIndex: [String: Int]

    /// The only version read.
    public static let supportedVersion: UInt32 = 3
    /// `GGUF_DEFAULT_ALIGNMENT`, used when `general.alignment` is absent.
    public static let defaultAlignmentBytes: Int64 = 32
    /// The longest tensor name (`GGML_MAX_NAME`).
    public static let maximumNameBytes = 64
    /// The most dimensions a tensor may have (`GGML_MAX_DIMS`).
    public static let maximumDimensions: UInt32 = 4
    /// Deepest nesting of arrays accepted.
    public static let maximumArrayDepth = 8

    /// Maps and reads the file at `path`.
    /// - Throws: `InputError` naming `path` for a missing or unreadable file, or any error of
    ///   `init(file:)`.
    public static func open(_ path: String) throws -> GGUFFile {
        try GGUFFile(file: MappedFile.open(path))
    }

    /// Reads the header, metadata and tensor infos of an already-mapped file.
    /// - Throws: `InputError` naming the file, the byte offset and the field, with what was
    ///   expected and found, for: a bad magic; a version other than 3; counts, string lengths or
    ///   array counts beyond what the file can hold; an unknown value type or ggml type; invalid
    ///   UTF-8 in a key or name; a repeated key or tensor name; a bool other than 0 or 1;
    ///   `general.alignment` not a uint32 multiple of 8; a name over 64 bytes; more than 4
    ///   dimensions; an unaligned offset; data beyond the end of the file or overlapping another
    ///   tensor's; a type whose size is not documented (I8_S); counts beyond 64 bits.
    public init(file: MappedFile) throws {
        let parsed = try file.bytes.withUnsafeBytes { raw in
            var parser = Parser(reader: ByteReader(raw, source: file.path))
            return try parser.parse()
        }
        path = file.path
        fileSizeBytes = file.sizeBytes
        version = parsed.version
        metadata = parsed.metadata
        tensors = parsed.tensors
        alignmentBytes = parsed.alignment
        dataStart = parsed.dataStart
        self.file = file
        metadataIndex = Dictionary(parsed.metadata.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { first, _ in first })
        tensorIndex = Dictionary(parsed.tensors.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The metadata value of `key`, if present.
    public func value(_ key: String) -> GGUFValue? { metadataIndex[key].map { metadata[$0].value } }

    /// `general.architecture`, if present and a string.
    public var architecture: String? {
        if case .string(let name) = value("general.architecture") { return name }
        return nil
    }

    /// The tensor called `name`, if any.
    public func tensor(_ name: String) -> GGUFTensorInfo? { tensorIndex[name].map { tensors[$0] } }

    /// Bytes of tensor data over all tensors.
    public var totalTensorBytes: Int64 { tensors.reduce(0) { $0 + $1.byteCount } }

    /// The raw bytes of `tensor` (a slice of the mapped file).
    /// - Throws: `InputError` if the tensor does not lie inside this file.
    public func data(of tensor: GGUFTensorInfo) throws -> Data {
        try file.slice(offset: dataStart + tensor.offset, count: tensor.byteCount, what: "tensor \"\(tensor.name)\"")
    }

    private func required(_ name: String) throws -> GGUFTensorInfo {
        guard let tensor = tensor(name) else {
            throw InputError(source: path, location: "tensor \"\(name)\"", expected: "a tensor of that name", found: "none in the file")
        }
        return tensor
    }

    /// The values of an F32, F16 or BF16 tensor as `Float`, in file order (ne[0] fastest).
    /// - Throws: `InputError` for a missing tensor or another type.
    public func floatValues(_ name: String) throws -> [Float] {
        let tensor = try required(name)
        let bytes = try data(of: tensor)
        switch tensor.type {
        case .f32: return ElementCoding.floats(float32: bytes)
        case .f16: return ElementCoding.floats(float16: bytes)
        case .bf16: return ElementCoding.floats(bfloat16: bytes)
        default:
            throw InputError(source: path, location: "tensor \"\(name)\" type", expected: "F32, F16 or BF16", found: tensor.type.name)
        }
    }

    /// The per-tensor scale of an I2_S tensor: the float32 right after its elements / 4 code bytes.
    ///
    /// Source: microsoft/BitNet `src/ggml-bitnet-mad.cpp` `quantize_i2_s` (`trace-formats.md` §2).
    /// The codes are decoded by `i2sTrits`, in the x86 layout.
    /// - Throws: `InputError` for a missing tensor or another type.
    public func i2sScale(_ name: String) throws -> Float {
        let tensor = try required(name)
        guard tensor.type == .i2S else {
            throw InputError(source: path, location: "tensor \"\(name)\" type", expected: "I2_S", found: tensor.type.name)
        }
        let scale = try file.slice(offset: dataStart + tensor.offset + tensor.elementCount / 4, count: 4,
                                   what: "tensor \"\(name)\" scale")
        return ElementCoding.floats(float32: scale).first ?? 0
    }

    /// Weights per I2_S block in the x86 layout that `i2sTrits` reads (`QK_I2_S` with
    /// `ACT_PARALLEL`; ARM NEON builds use 64, which is not read here).
    public static let i2sBlockWeights = 128

    /// The trits of an I2_S tensor, in file order (ne[0] fastest), read in bitnet.cpp's x86
    /// layout: each block of 128 weights is 32 bytes, weight j of a block sits in byte j % 32 at
    /// bit shift 6 − 2 × (j / 32), and codes 0, 1, 2 are −1, 0, +1.
    ///
    /// Source: microsoft/BitNet `src/ggml-bitnet-mad.cpp` `quantize_i2_s` (`ACT_PARALLEL`) at
    /// commit 16da220a, and `utils/convert-bitnet-embedding-to-gguf.py`, which describes this as
    /// the layout `dequantize_row_i2_s` reads (`trace-formats.md` §2). The file does not record
    /// its layout: a file built for ARM (64-weight blocks) or with the "1x4" layout decodes to
    /// other trits, which no check here can tell apart.
    /// - Throws: `InputError` for a missing tensor, another type, an element count that is not a
    ///   whole number of blocks, or code 3 (which `quantize_i2_s` never writes), naming the byte.
    public func i2sTrits(_ name: String) throws -> [Int8] {
        let tensor = try required(name)
        guard tensor.type == .i2S else {
            throw InputError(source: path, location: "tensor \"\(name)\" type", expected: "I2_S", found: tensor.type.name)
        }
        let block = Int64(GGUFFile.i2sBlockWeights), bytesPerBlock = block / 4
        guard tensor.elementCount % block == 0 else {
            throw InputError(source: path, location: "tensor \"\(name)\" elements",
                             expected: "a multiple of \(block) (whole I2_S blocks)", found: "\(tensor.elementCount)")
        }
        let codes = try file.slice(offset: dataStart + tensor.offset, count: tensor.elementCount / 4, what: "tensor \"\(name)\" codes")
        var trits = [Int8](repeating: 0, count: Int(tensor.elementCount))
        var failure: Int64? = nil
        codes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            for index in 0 ..< Int(tensor.elementCount) {
                let blockIndex = index / Int(block), j = index % Int(block)
                let byte = blockIndex * Int(bytesPerBlock) + j % Int(bytesPerBlock)
                let code = (raw[byte] >> (6 - 2 * UInt8(j / Int(bytesPerBlock)))) & 0b11
                guard code < 3 else {
                    failure = Int64(byte)
                    return
                }
                trits[index] = Int8(code) - 1
            }
        }
        if let failure {
            throw InputError(source: path, location: "tensor \"\(name)\" byte \(failure) of its codes",
                             expected: "2-bit codes 0, 1 or 2 (−1, 0, +1)", found: "code 3")
        }
        return trits
    }
}

extension GGUFFile {
    /// What the parser returns (the stored properties of `GGUFFile` but the file).
    fileprivate struct Parsed {
        var version: UInt32
        var metadata: [(key: String, value: GGUFValue)]
        var tensors: [GGUFTensorInfo]
        var alignment: Int64
        var dataStart: Int64
    }

    /// Reads one GGUF file front to back.
    fileprivate struct Parser {
        var reader: ByteReader
        var source: String { reader.source }

        mutating func parse() throws -> Parsed {
            let magic = try reader.take(4, "magic")
            guard Array(magic) == Array("GGUF".utf8) else {
                let found = magic.map { String(format: "%02x", $0) }.joined(separator: " ")
                throw reader.error(at: 0, "magic", expected: "the GGUF magic 47 47 55 46 (\"GGUF\")", found: found)
            }
            let version = try reader.u32("version")
            guard version == GGUFFile.supportedVersion else {
                let hint = version == 0x0300_0000 ? " (a big-endian file?)" : (version < 3 ? " (an older GGUF version: convert the model again)" : "")
                throw reader.error(at: 4, "version", expected: "GGUF version 3", found: "\(version)\(hint)")
            }
            let tensorCountAt = reader.offset
            let tensorCount = try reader.length("tensor_count")
            let kvCountAt = reader.offset
            let kvCount = try reader.length("metadata_kv_count")
            // Cheapest possible entries: a key/value pair is 8 (key length) + 4 (type) + 1 byte;
            // a tensor info is 8 (name length) + 4 (n_dims) + 4 (type) + 8 (offset) bytes.
            let left = Int64(reader.remaining)
            guard kvCount <= left / 13 else {
                throw reader.error(at: kvCountAt, "metadata_kv_count",
                                   expected: "at most \(left / 13) (what the \(left) bytes left can hold, 13 bytes per pair at least)",
                                   found: "\(kvCount)")
            }
            guard tensorCount <= (left - 13 * kvCount) / 24 else {
                throw reader.error(at: tensorCountAt, "tensor_count",
                                   expected: "at most \((left - 13 * kvCount) / 24) (what the file can hold after the metadata, 24 bytes per tensor info at least)",
                                   found: "\(tensorCount)")
            }
            var metadata: [(key: String, value: GGUFValue)] = []
            metadata.reserveCapacity(Int(kvCount))
            var keys = Set<String>()
            for index in 0..<Int(kvCount) {
                let keyAt = reader.offset
                let key = try string("metadata pair \(index) key", strict: true)
                guard keys.insert(key).inserted else {
                    throw reader.error(at: keyAt, "metadata pair \(index) key", expected: "each key once", found: "\"\(key)\" again")
                }
                let value = try value(of: try valueType("metadata \"\(key)\" value type"), "metadata \"\(key)\"", depth: 0)
                metadata.append((key, value))
            }
            let alignment = try alignment(metadata)
            var tensors: [GGUFTensorInfo] = []
            tensors.reserveCapacity(Int(tensorCount))
            var names = Set<String>()
            var infos: [(name: String, at: Int, dimensions: [Int64], type: GGMLType, offset: Int64, offsetAt: Int)] = []
            for index in 0..<Int(tensorCount) {
                let nameAt = reader.offset
                let name = try string("tensor \(index) name", strict: true)
                guard name.utf8.count <= GGUFFile.maximumNameBytes else {
                    throw reader.error(at: nameAt, "tensor \(index) name",
                                       expected: "a name of at most \(GGUFFile.maximumNameBytes) bytes", found: "\(name.utf8.count) bytes")
                }
                guard names.insert(name).inserted else {
                    throw reader.error(at: nameAt, "tensor \(index) name", expected: "each tensor name once", found: "\"\(name)\" again")
                }
                let field = "tensor \"\(name)\""
                let dimsAt = reader.offset
                let dimensionCount = try reader.u32("\(field) n_dims")
                guard dimensionCount <= GGUFFile.maximumDimensions else {
                    throw reader.error(at: dimsAt, "\(field) n_dims", expected: "at most \(GGUFFile.maximumDimensions)", found: "\(dimensionCount)")
                }
                var dimensions: [Int64] = []
                for axis in 0..<Int(dimensionCount) { dimensions.append(try reader.length("\(field) ne[\(axis)]")) }
                let typeAt = reader.offset
                let typeID = try reader.u32("\(field) type")
                guard let type = GGMLType(rawValue: typeID) else {
                    throw reader.error(at: typeAt, "\(field) type", expected: "a known ggml type id (\(GGMLType.knownIDs))",
                                       found: "unknown type \(typeID)")
                }
                let offsetAt = reader.offset
                let offset = try reader.length("\(field) offset")
                guard offset % alignment == 0 else {
                    throw reader.error(at: offsetAt, "\(field) offset", expected: "a multiple of the alignment \(alignment)", found: "\(offset)")
                }
                infos.append((name, typeAt, dimensions, type, offset, offsetAt))
            }
            let dataStart = try CheckedCounts.alignUp(Int64(reader.offset), alignment, source: source, location: "tensor data start")
            let fileSize = Int64(reader.bytes.count)
            for info in infos {
                let field = "\(info.name)"
                let location = "byte \(info.at) (tensor \"\(field)\" type \(info.type.name), dimensions \(GGUFTensorInfo.describe(info.dimensions)))"
                let bytes = try info.type.dataBytes(dimensions: info.dimensions, source: source, location: location)
                let elements = try CheckedCounts.product(info.dimensions, source: source, location: location, "an element count")
                let start = try CheckedCounts.add(dataStart, info.offset, source: source, location: location, "a data offset")
                let end = try CheckedCounts.add(start, bytes, source: source, location: location, "a data offset")
                guard end <= fileSize else {
                    throw reader.error(at: info.offsetAt, "tensor \"\(field)\" offset",
                                       expected: "data inside the file (bytes \(start)..<\(end) of a \(fileSize)-byte file)",
                                       found: "offset \(info.offset) + \(bytes) bytes past the end")
                }
                tensors.append(GGUFTensorInfo(name: info.name, dimensions: info.dimensions, type: info.type, offset: info.offset,
                                              byteCount: bytes, elementCount: elements))
            }
            try checkOverlaps(tensors)
            return Parsed(version: version, metadata: metadata, tensors: tensors, alignment: alignment, dataStart: dataStart)
        }

        private func checkOverlaps(_ tensors: [GGUFTensorInfo]) throws {
            let ordered = tensors.sorted { ($0.offset, $0.byteCount, $0.name) < ($1.offset, $1.byteCount, $1.name) }
            var previous: GGUFTensorInfo?
            for tensor in ordered where tensor.byteCount > 0 {
                if let previous, tensor.offset < previous.offset + previous.byteCount {
                    throw InputError(source: source, location: "tensor \"\(tensor.name)\" offset",
                                     expected: "data that does not overlap another tensor's",
                                     found: "bytes \(tensor.offset)..<\(tensor.offset + tensor.byteCount) of the data section, overlapping \"\(previous.name)\" at \(previous.offset)..<\(previous.offset + previous.byteCount)")
                }
                previous = tensor
            }
        }

        private func alignment(_ metadata: [(key: String, value: GGUFValue)]) throws -> Int64 {
            guard let entry = metadata.first(where: { $0.key == "general.alignment" }) else { return GGUFFile.defaultAlignmentBytes }
            guard case .uint32(let value) = entry.value, value > 0, value % 8 == 0 else {
                throw InputError(source: source, location: "metadata \"general.alignment\"",
                                 expected: "a uint32 > 0 and a multiple of 8", found: entry.value.summary)
            }
            return Int64(value)
        }

        private mutating func valueType(_ field: @autoclosure () -> String) throws -> GGUFValueType {
            let at = reader.offset
            let raw = try reader.u32(field())
            guard let type = GGUFValueType(rawValue: raw) else {
                throw reader.error(at: at, field(), expected: "a value type 0...12", found: "\(raw)")
            }
            return type
        }

        /// A gguf_string; keys and tensor names must be valid UTF-8 (`strict`), other strings
        /// decode with invalid bytes replaced by U+FFFD.
        private mutating func string(_ field: @autoclosure () -> String, strict: Bool = false) throws -> String {
            let at = reader.offset
            let length = try reader.length("\(field()) length")
            guard length <= Int64(reader.remaining) else {
                throw reader.error(at: at, "\(field()) length", expected: "at most \(reader.remaining) bytes (what is left of the file)",
                                   found: "\(length)")
            }
            let bytes = try reader.take(Int(length), field())
            if strict {
                guard let text = String(validating: bytes, as: UTF8.self) else {
                    throw reader.error(at: at + 8, field(), expected: "UTF-8 text", found: "bytes that are not UTF-8")
                }
                return text
            }
            return String(decoding: bytes, as: UTF8.self)
        }

        private mutating func value(of type: GGUFValueType, _ field: @autoclosure () -> String, depth: Int) throws -> GGUFValue {
            switch type {
            case .uint8: return .uint8(try reader.u8(field()))
            case .int8: return .int8(Int8(bitPattern: try reader.u8(field())))
            case .uint16: return .uint16(try reader.u16(field()))
            case .int16: return .int16(Int16(bitPattern: try reader.u16(field())))
            case .uint32: return .uint32(try reader.u32(field()))
            case .int32: return .int32(Int32(bitPattern: try reader.u32(field())))
            case .float32: return .float32(Float(bitPattern: try reader.u32(field())))
            case .uint64: return .uint64(try reader.u64(field()))
            case .int64: return .int64(Int64(bitPattern: try reader.u64(field())))
            case .float64: return .float64(Double(bitPattern: try reader.u64(field())))
            case .bool:
                let at = reader.offset
                let byte = try reader.u8(field())
                guard byte <= 1 else { throw reader.error(at: at, field(), expected: "a bool byte 0 or 1", found: "\(byte)") }
                return .bool(byte == 1)
            case .string: return .string(try string(field()))
            case .array:
                guard depth < GGUFFile.maximumArrayDepth else {
                    throw reader.error(at: reader.offset, field(), expected: "arrays nested at most \(GGUFFile.maximumArrayDepth) deep",
                                       found: "deeper nesting")
                }
                let elementType = try valueType("\(field()) element type")
                let countAt = reader.offset
                let count = try reader.length("\(field()) count")
                let fits = Int64(reader.remaining) / Int64(elementType.minimumBytes)
                guard count <= fits else {
                    throw reader.error(at: countAt, "\(field()) count",
                                       expected: "at most \(fits) \(elementType.name) elements (what the \(reader.remaining) bytes left can hold)",
                                       found: "\(count)")
                }
                var values: [GGUFValue] = []
                values.reserveCapacity(Int(count))
                for index in 0..<Int(count) {
                    values.append(try value(of: elementType, "\(field())[\(index)]", depth: depth + 1))
                }
                return .array(elementType: elementType, values: values)
            }
        }
    }
}
