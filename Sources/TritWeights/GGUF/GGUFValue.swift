/// The type tag of a GGUF metadata value (u32 in the file).
///
/// Source: ggml `docs/gguf.md` (`gguf_metadata_value_type`); `shared/reference/trace-formats.md` §2.
public enum GGUFValueType: UInt32, CaseIterable, Sendable {
    /// Fixed-size little-endian integers and float32.
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6
    /// One byte, 0 or 1.
    case bool = 7
    /// A u64 byte length followed by that many UTF-8 bytes, no NUL.
    case string = 8
    /// A u32 element type, a u64 count, then the elements.
    case array = 9
    /// 64-bit integers and float64.
    case uint64 = 10, int64 = 11, float64 = 12

    /// The fewest bytes one value of this type occupies in the file (used to bound counts by the
    /// bytes left, so a lying count cannot cause a huge allocation).
    var minimumBytes: Int {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64, .string: return 8
        case .array: return 12
        }
    }

    /// Lower-case name as in gguf.md (`uint32`, `string`, …).
    public var name: String {
        switch self {
        case .uint8: return "uint8"
        case .int8: return "int8"
        case .uint16: return "uint16"
        case .int16: return "int16"
        case .uint32: return "uint32"
        case .int32: return "int32"
        case .float32: return "float32"
        case .bool: return "bool"
        case .string: return "string"
        case .array: return "array"
        case .uint64: return "uint64"
        case .int64: return "int64"
        case .float64: return "float64"
        }
    }
}

/// One GGUF metadata value.
public enum GGUFValue: Equatable, Sendable {
    /// A uint8.
    case uint8(UInt8)
    /// An int8.
    case int8(Int8)
    /// A uint16.
    case uint16(UInt16)
    /// An int16.
    case int16(Int16)
    /// A uint32.
    case uint32(UInt32)
    /// An int32.
    case int32(Int32)
    /// A float32.
    case float32(Float)
    /// A bool.
    case bool(Bool)
    /// A string (UTF-8; invalid bytes of a value read as U+FFFD).
    case string(String)
    /// Elements of one type (`elementType`), possibly arrays themselves.
    case array(elementType: GGUFValueType, values: [GGUFValue])
    /// A uint64.
    case uint64(UInt64)
    /// An int64.
    case int64(Int64)
    /// A float64.
    case float64(Double)

    /// The value's type tag.
    public var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .float32: return .float32
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        case .uint64: return .uint64
        case .int64: return .int64
        case .float64: return .float64
        }
    }

    /// The value as an integer, if it is one of the integer types and fits `Int64`.
    public var integer: Int64? {
        switch self {
        case .uint8(let v): return Int64(v)
        case .int8(let v): return Int64(v)
        case .uint16(let v): return Int64(v)
        case .int16(let v): return Int64(v)
        case .uint32(let v): return Int64(v)
        case .int32(let v): return Int64(v)
        case .uint64(let v): return Int64(exactly: v)
        case .int64(let v): return v
        default: return nil
        }
    }

    /// The value as a number, if it is an integer or floating-point type. A float32 becomes the
    /// double of its shortest decimal form (float32 1e-5 → 1e-05, not 9.99999975e-06), as the
    /// writer most likely meant.
    public var number: Double? {
        switch self {
        case .float32(let v): return Double(String(v)) ?? Double(v)
        case .float64(let v): return v
        default: return integer.map(Double.init)
        }
    }

    /// A one-line description for listings and errors: `uint32 30`, `string "bitnet"`,
    /// `array of 128256 string`.
    public var summary: String {
        switch self {
        case .string(let text):
            let shown = text.count > 60 ? String(text.prefix(60)) + "…" : text
            return "string \"\(shown)\""
        case .array(let elementType, let values): return "array of \(values.count) \(elementType.name)"
        case .bool(let flag): return "bool \(flag)"
        case .float32(let v): return "float32 \(v)"
        case .float64(let v): return "float64 \(v)"
        case .uint64(let v): return "uint64 \(v)"
        default: return "\(type.name) \(integer.map(String.init) ?? "")"
        }
    }
}
