import Foundation
import TritCore

/// One tensor listed in a safetensors header, checked against its file.
public struct SafetensorsTensorInfo: Equatable, Sendable {
    /// The tensor's name (the header key), e.g. `model.layers.0.self_attn.q_proj.weight`.
    public let name: String
    /// The element type.
    public let dtype: SafetensorsDType
    /// The shape, outermost first (row-major, C order: PyTorch `[out, in]` for a linear weight);
    /// empty for a rank-0 tensor.
    public let shape: [Int64]
    /// `data_offsets[0]`: first byte, relative to the start of the data buffer.
    public let dataBegin: Int64
    /// `data_offsets[1]`: one past the last byte, relative to the start of the data buffer.
    public let dataEnd: Int64
    /// Elements: the product of `shape` (1 for rank 0), checked to fit 64 bits on reading.
    public let elementCount: Int64

    /// Bytes of data: `dataEnd − dataBegin`, checked equal to elements × dtype size on reading.
    public var byteCount: Int64 { dataEnd - dataBegin }
}

/// A safetensors file: its header (tensor directory and `__metadata__`) read and checked, its
/// tensor data left on disk (memory-mapped) until asked for.
///
/// Layout (source: `huggingface/safetensors` README "Format" and `tensor.rs`
/// `SafeTensors::read_metadata` / `Metadata::validate`; `shared/reference/trace-formats.md` §3):
/// bytes 0..<8 are N, an unsigned little-endian u64; bytes 8..<8+N are a UTF-8 JSON object
/// (starting with `{`, possibly padded with spaces) mapping each tensor name to
/// `{"dtype", "shape", "data_offsets": [BEGIN, END]}` plus an optional `"__metadata__"` map of
/// strings; the rest of the file is the data buffer, little-endian and row-major.
///
/// Checks, as the reference implementation makes them: N ≤ 100,000,000 and N ≤ file size − 8;
/// END − BEGIN = elements × dtype size (overflow-checked); sorted by BEGIN, the tensors tile the
/// buffer exactly: the first begins at 0, each begins where the previous ended (an overlap or a
/// gap is refused), and the last ends at the end of the file. Unknown fields in a tensor entry are
/// refused too (the reference ignores them), so a misspelt key cannot hide.
public struct SafetensorsFile: Sendable {
    /// The file, as the user named it.
    public let path: String
    /// The file's size in bytes.
    public let fileSizeBytes: Int64
    /// N, the JSON header's length in bytes.
    public let headerBytes: Int64
    /// Tensors in header order.
    public let tensors: [SafetensorsTensorInfo]
    /// `__metadata__` entries in header order (empty when absent).
    public let metadata: [(key: String, value: String)]
    private let file: MappedFile

    /// The largest header the reference implementation accepts (`MAX_HEADER_SIZE`), in bytes.
    public static let maximumHeaderBytes: Int64 = 100_000_000

    /// First byte of the data buffer in the file: 8 + N.
    public var dataStart: Int64 { 8 + headerBytes }

    /// Maps and reads the file at `path`.
    /// - Throws: `InputError` naming `path` for a missing or unreadable file, or any error of
    ///   `init(file:)`.
    public static func open(_ path: String) throws -> SafetensorsFile {
        try SafetensorsFile(file: MappedFile.open(path))
    }

    /// Reads the header of an already-mapped file.
    /// - Throws: `InputError` naming the file and the byte offset or tensor field, with what was
    ///   expected and found, for: a file shorter than 8 bytes; N over the limit or beyond the end
    ///   of the file; a header that is not a JSON object starting with `{`; an unknown dtype; a
    ///   shape that is not a list of integers ≥ 0; `data_offsets` that are not two integers with
    ///   BEGIN ≤ END, whose length disagrees with shape × dtype, that run past the end of the
    ///   file, that overlap another tensor or leave a gap; bytes after the last tensor; a
    ///   `__metadata__` value that is not a string; element or byte counts beyond 64 bits.
    public init(file: MappedFile) throws {
        let path = file.path
        let size = file.sizeBytes
        guard size >= 8 else {
            throw InputError(source: path, location: "byte 0 (header length)",
                             expected: "an 8-byte little-endian header length", found: "a file of \(size) bytes")
        }
        let lengthField: UInt64 = file.bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard lengthField <= UInt64(SafetensorsFile.maximumHeaderBytes) else {
            throw InputError(source: path, location: "byte 0 (header length)",
                             expected: "at most \(SafetensorsFile.maximumHeaderBytes) bytes (the safetensors limit)",
                             found: "\(lengthField)")
        }
        let headerLength = Int64(lengthField)
        guard headerLength <= size - 8 else {
            throw InputError(source: path, location: "byte 0 (header length)",
                             expected: "at most \(size - 8) bytes (what follows the length in this \(size)-byte file)",
                             found: "\(headerLength)")
        }
        let header = [UInt8](try file.slice(offset: 8, count: headerLength, what: "JSON header"))
        guard header.first == UInt8(ascii: "{") else {
            let found = header.first.map { String(format: "byte 0x%02x", $0) } ?? "an empty header"
            throw InputError(source: path, location: "byte 8 (JSON header)", expected: "a JSON object starting with '{'", found: found)
        }
        let json = try JSONParser.parse(header, source: "\(path) header")
        guard case .object(let members) = json else {
            throw InputError(source: path, location: "byte 8 (JSON header)", expected: "a JSON object", found: json.summary)
        }
        let bufferBytes = size - 8 - headerLength
        var tensors: [SafetensorsTensorInfo] = []
        var metadata: [(key: String, value: String)] = []
        for (key, value) in members {
            if key == "__metadata__" {
                metadata = try SafetensorsFile.metadata(value, path: path)
                continue
            }
            tensors.append(try SafetensorsFile.tensor(named: key, value, path: path, bufferBytes: bufferBytes))
        }
        try SafetensorsFile.checkTiling(tensors, path: path, dataStart: 8 + headerLength, bufferBytes: bufferBytes)
        self.path = path
        self.fileSizeBytes = size
        self.headerBytes = headerLength
        self.tensors = tensors
        self.metadata = metadata
        self.file = file
    }

    /// The tensor called `name`, if the header lists it.
    public func tensor(_ name: String) -> SafetensorsTensorInfo? { tensors.first { $0.name == name } }

    /// The raw bytes of `tensor` (a slice of the mapped file; nothing is copied).
    /// - Throws: `InputError` if `tensor` does not lie inside this file (a tensor of another file).
    public func data(of tensor: SafetensorsTensorInfo) throws -> Data {
        try file.slice(offset: dataStart + tensor.dataBegin, count: tensor.byteCount, what: "tensor \"\(tensor.name)\"")
    }

    private static func location(_ name: String, _ field: String) -> String { "tensor \"\(name)\".\(field)" }

    private static func metadata(_ value: JSONValue, path: String) throws -> [(key: String, value: String)] {
        guard case .object(let members) = value else {
            throw InputError(source: path, location: "__metadata__", expected: "an object of strings", found: value.summary)
        }
        return try members.map { member in
            guard case .string(let text) = member.value else {
                throw InputError(source: path, location: "__metadata__.\(member.key)", expected: "a string", found: member.value.summary)
            }
            return (member.key, text)
        }
    }

    private static func integer(_ value: JSONValue, path: String, _ location: String, _ expected: String) throws -> Int64 {
        guard case .number(let text) = value, let parsed = Int64(text), parsed >= 0 else {
            throw InputError(source: path, location: location, expected: expected, found: value.summary)
        }
        return parsed
    }

    private static func tensor(named name: String, _ value: JSONValue, path: String, bufferBytes: Int64) throws -> SafetensorsTensorInfo {
        let entry = try JSONObjectReader(value, source: path, path: "tensor \"\(name)\"")
        try entry.rejectUnknownKeys(["dtype", "shape", "data_offsets"])
        let dtypeName = try entry.string("dtype")
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw InputError(source: path, location: location(name, "dtype"),
                             expected: "one of \(SafetensorsDType.knownNames)", found: "unknown dtype \"\(dtypeName)\"")
        }
        guard case .array(let dimensions) = entry.value("shape") ?? .null else {
            throw InputError(source: path, location: location(name, "shape"), expected: "a list of integers ≥ 0",
                             found: entry.value("shape")?.summary ?? "nothing (field missing)")
        }
        let shape = try dimensions.map { try integer($0, path: path, location(name, "shape"), "a list of integers ≥ 0") }
        guard case .array(let offsets) = entry.value("data_offsets") ?? .null, offsets.count == 2 else {
            throw InputError(source: path, location: location(name, "data_offsets"), expected: "[BEGIN, END], two integers ≥ 0",
                             found: entry.value("data_offsets")?.summary ?? "nothing (field missing)")
        }
        let begin = try integer(offsets[0], path: path, location(name, "data_offsets"), "[BEGIN, END], two integers ≥ 0")
        let end = try integer(offsets[1], path: path, location(name, "data_offsets"), "[BEGIN, END], two integers ≥ 0")
        guard begin <= end else {
            throw InputError(source: path, location: location(name, "data_offsets"), expected: "BEGIN ≤ END", found: "[\(begin), \(end)]")
        }
        let elements = try CheckedCounts.product(shape, source: path, location: location(name, "shape"), "an element count")
        let bytes = try CheckedCounts.multiply(elements, dtype.bytesPerElement, source: path, location: location(name, "shape"), "a byte count")
        let shapeText = "[" + shape.map(String.init).joined(separator: ", ") + "]"
        guard end - begin == bytes else {
            throw InputError(source: path, location: location(name, "data_offsets"),
                             expected: "END − BEGIN = \(bytes) bytes (shape \(shapeText) × \(dtype.bytesPerElement)-byte \(dtype.rawValue))",
                             found: "[\(begin), \(end)], \(end - begin) bytes")
        }
        guard end <= bufferBytes else {
            throw InputError(source: path, location: location(name, "data_offsets"),
                             expected: "END ≤ \(bufferBytes) (the data buffer's size: the file's bytes after the header)",
                             found: "[\(begin), \(end)]")
        }
        return SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape, dataBegin: begin, dataEnd: end, elementCount: elements)
    }

    private static func checkTiling(_ tensors: [SafetensorsTensorInfo], path: String, dataStart: Int64, bufferBytes: Int64) throws {
        let ordered = tensors.enumerated().sorted {
            ($0.element.dataBegin, $0.element.dataEnd, $0.offset) < ($1.element.dataBegin, $1.element.dataEnd, $1.offset)
        }.map(\.element)
        var end: Int64 = 0
        var previous: SafetensorsTensorInfo?
        for tensor in ordered {
            if tensor.dataBegin < end, let previous {
                throw InputError(source: path, location: location(tensor.name, "data_offsets"),
                                 expected: "data that does not overlap another tensor's",
                                 found: "[\(tensor.dataBegin), \(tensor.dataEnd)], overlapping \"\(previous.name)\" [\(previous.dataBegin), \(previous.dataEnd)]")
            }
            if tensor.dataBegin > end {
                let after = previous.map { "after \"\($0.name)\" ends at \(end)" } ?? "before the first tensor"
                throw InputError(source: path, location: location(tensor.name, "data_offsets"),
                                 expected: "BEGIN = \(end) (tensors tile the data buffer without gaps)",
                                 found: "[\(tensor.dataBegin), \(tensor.dataEnd)], a gap of \(tensor.dataBegin - end) bytes \(after)")
            }
            end = tensor.dataEnd
            previous = tensor
        }
        guard end == bufferBytes else {
            throw InputError(source: path, location: "byte \(dataStart + end) (data buffer)",
                             expected: "the last tensor to end at the end of the file (data buffer of \(bufferBytes) bytes)",
                             found: "\(bufferBytes - end) bytes after the last tensor")
        }
    }
}
