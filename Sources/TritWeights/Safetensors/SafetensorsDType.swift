/// The element types a safetensors header may name in `"dtype"`, with their sizes.
///
/// Source: `huggingface/safetensors` README, "Format" (the dtype list) and `tensor.rs`'s `Dtype`
/// (sizes); summarised in `shared/reference/trace-formats.md` §3. Newer sub-byte types (`F4`,
/// `F6_E2M3`, `F6_E3M2`, `F8_E8M0`) and complex `C64` are not in this list: their packing was not
/// read, so a header naming them is refused as an unknown dtype rather than sized by a guess.
public enum SafetensorsDType: String, CaseIterable, Sendable {
    /// One byte per element: bool, unsigned and signed 8-bit integers, the two float8 formats.
    case bool = "BOOL", u8 = "U8", i8 = "I8", f8E5M2 = "F8_E5M2", f8E4M3 = "F8_E4M3"
    /// Two bytes per element.
    case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
    /// Four bytes per element.
    case i32 = "I32", u32 = "U32", f32 = "F32"
    /// Eight bytes per element.
    case f64 = "F64", i64 = "I64", u64 = "U64"

    /// Bytes per element.
    public var bytesPerElement: Int64 {
        switch self {
        case .bool, .u8, .i8, .f8E5M2, .f8E4M3: return 1
        case .i16, .u16, .f16, .bf16: return 2
        case .i32, .u32, .f32: return 4
        case .f64, .i64, .u64: return 8
        }
    }

    /// The names a header may use, for error messages.
    static var knownNames: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
