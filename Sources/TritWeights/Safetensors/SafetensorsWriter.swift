import TritCore

/// Builds a safetensors file in memory, byte for byte deterministic: tensors in the order added,
/// packed one after another from offset 0, the header compact JSON (`__metadata__` first) padded
/// with spaces so the data starts 8-byte aligned, as the reference Python writer pads.
///
/// Used for test fixtures and by tools that write small models; the layout is the one
/// `SafetensorsFile` reads (`shared/reference/trace-formats.md` §3).
public struct SafetensorsWriter: Sendable {
    private struct Tensor: Sendable {
        var name: String
        var dtype: SafetensorsDType
        var shape: [Int64]
        var data: [UInt8]
    }

    private var tensors: [Tensor] = []
    /// `__metadata__` entries, written in this order (omitted when empty).
    public var metadata: [(key: String, value: String)]

    /// An empty file with the given `__metadata__`.
    public init(metadata: [(key: String, value: String)] = []) {
        self.metadata = metadata
    }

    /// Appends a tensor.
    /// - Parameters:
    ///   - name: the header key (not `__metadata__`, not already added).
    ///   - shape: outermost first; empty for rank 0.
    ///   - data: exactly elements × dtype-size little-endian bytes.
    /// - Throws: `InputError` (source `safetensors writer`) for a repeated or reserved name, a
    ///   negative dimension, or a byte count that disagrees with shape × dtype.
    public mutating func add(_ name: String, dtype: SafetensorsDType, shape: [Int64], data: [UInt8]) throws {
        let source = "safetensors writer"
        guard name != "__metadata__", !tensors.contains(where: { $0.name == name }) else {
            throw InputError(source: source, location: "tensor \"\(name)\"", expected: "a new tensor name", found: "a repeated or reserved name")
        }
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw InputError(source: source, location: "tensor \"\(name)\".shape", expected: "dimensions ≥ 0", found: "\(shape)")
        }
        let bytes = try Checked.multiply(try Checked.product(shape, "elements"), dtype.bytesPerElement, "bytes")
        guard Int64(data.count) == bytes else {
            throw InputError(source: source, location: "tensor \"\(name)\"", expected: "\(bytes) bytes of data", found: "\(data.count)")
        }
        tensors.append(Tensor(name: name, dtype: dtype, shape: shape, data: data))
    }

    /// The file's bytes.
    public func bytes() -> [UInt8] {
        var entries: [String] = []
        if !metadata.isEmpty {
            let members = metadata.map { JSONWriter.quote($0.key) + ":" + JSONWriter.quote($0.value) }
            entries.append("\"__metadata__\":{" + members.joined(separator: ",") + "}")
        }
        var offset = 0
        for tensor in tensors {
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append(JSONWriter.quote(tensor.name) + ":{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(shape)],"
                + "\"data_offsets\":[\(offset),\(offset + tensor.data.count)]}")
            offset += tensor.data.count
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        while (8 + header.count) % 8 != 0 { header.append(UInt8(ascii: " ")) }
        var file = ElementCoding.littleEndian(UInt64(header.count), width: 8) + header
        file.reserveCapacity(file.count + offset)
        for tensor in tensors { file += tensor.data }
        return file
    }
}
