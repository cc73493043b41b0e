import TritCore

/// Builds a GGUF v3 file in memory, byte for byte deterministic: metadata and tensors in the
/// order added, each tensor's data padded with zeros to ALIGNMENT and placed one after another.
///
/// ALIGNMENT is the `general.alignment` value if one was set (a uint32), else 32. Used for test
/// fixtures and by tools that write small models; the layout is the one `GGUFFile` reads.
public struct GGUFWriter: Sendable {
    private struct Tensor: Sendable {
        var name: String
        var dimensions: [Int64]
        var type: GGMLType
        var data: [UInt8]
    }

    private var metadata: [(key: String, value: GGUFValue)] = []
    private var tensors: [Tensor] = []

    /// An empty file.
    public init() {}

    /// Sets a metadata value (replacing an earlier value of the same key in place).
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if let index = metadata.firstIndex(where: { $0.key == key }) {
            metadata[index].value = value
        } else {
            metadata.append((key, value))
        }
    }

    /// Removes a metadata key, if present.
    public mutating func remove(_ key: String) {
        metadata.removeAll { $0.key == key }
    }

    /// ALIGNMENT: `general.alignment` if set to a uint32 > 0, else 32.
    public var alignmentBytes: Int64 {
        if case .uint32(let value)? = metadata.first(where: { $0.key == "general.alignment" })?.value, value > 0 { return Int64(value) }
        return GGUFFile.defaultAlignmentBytes
    }

    /// Appends a tensor.
    /// - Parameters:
    ///   - dimensions: ne[0] first (innermost), one to four entries.
    ///   - data: exactly `type.dataBytes(dimensions:)` bytes.
    /// - Throws: `InputError` (source `GGUF writer`) for a repeated name, a name over 64 bytes,
    ///   a bad dimension count, or a byte count that disagrees with the type's size.
    public mutating func add(_ name: String, type: GGMLType, dimensions: [Int64], data: [UInt8]) throws {
        let source = "GGUF writer"
        guard !tensors.contains(where: { $0.name == name }), name.utf8.count <= GGUFFile.maximumNameBytes,
              (1...Int(GGUFFile.maximumDimensions)).contains(dimensions.count), dimensions.allSatisfy({ $0 >= 0 }) else {
            throw InputError(source: source, location: "tensor \"\(name)\"",
                             expected: "a new name of at most 64 bytes and 1 to 4 dimensions ≥ 0", found: "\(dimensions)")
        }
        let bytes = try type.dataBytes(dimensions: dimensions, source: source, location: "tensor \"\(name)\"")
        guard Int64(data.count) == bytes else {
            throw InputError(source: source, location: "tensor \"\(name)\"", expected: "\(bytes) bytes of \(type.name) data", found: "\(data.count)")
        }
        tensors.append(Tensor(name: name, dimensions: dimensions, type: type, data: data))
    }

    /// The file's bytes.
    public func bytes() -> [UInt8] {
        var out: [UInt8] = Array("GGUF".utf8)
        func u32(_ v: UInt32) { out += ElementCoding.littleEndian(UInt64(v), width: 4) }
        func u64(_ v: UInt64) { out += ElementCoding.littleEndian(v, width: 8) }
        func string(_ s: String) {
            u64(UInt64(s.utf8.count))
            out += Array(s.utf8)
        }
        func value(_ v: GGUFValue) {
            switch v {
            case .uint8(let x): out.append(x)
            case .int8(let x): out.append(UInt8(bitPattern: x))
            case .uint16(let x): out += ElementCoding.littleEndian(UInt64(x), width: 2)
            case .int16(let x): out += ElementCoding.littleEndian(UInt64(UInt16(bitPattern: x)), width: 2)
            case .uint32(let x): u32(x)
            case .int32(let x): u32(UInt32(bitPattern: x))
            case .float32(let x): u32(x.bitPattern)
            case .bool(let x): out.append(x ? 1 : 0)
            case .string(let x): string(x)
            case .array(let elementType, let values):
                u32(elementType.rawValue)
                u64(UInt64(values.count))
                values.forEach(value)
            case .uint64(let x): u64(x)
            case .int64(let x): u64(UInt64(bitPattern: x))
            case .float64(let x): u64(x.bitPattern)
            }
        }
        let alignment = Int(alignmentBytes)
        func pad() { while out.count % alignment != 0 { out.append(0) } }
        u32(GGUFFile.supportedVersion)
        u64(UInt64(tensors.count))
        u64(UInt64(metadata.count))
        for (key, v) in metadata {
            string(key)
            u32(v.type.rawValue)
            value(v)
        }
        var offset = 0
        for tensor in tensors {
            string(tensor.name)
            u32(UInt32(tensor.dimensions.count))
            tensor.dimensions.forEach { u64(UInt64($0)) }
            u32(tensor.type.rawValue)
            u64(UInt64(offset))
            offset += (tensor.data.count + alignment - 1) / alignment * alignment
        }
        pad()
        for tensor in tensors {
            out += tensor.data
            pad()
        }
        return out
    }
}
