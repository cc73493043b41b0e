import TritCore

/// A ternary weight matrix unpacked to one trit per element, with its per-tensor scale.
public struct TernaryTensor: Equatable, Sendable {
    /// Output features (rows of the PyTorch `[out, in]` weight).
    public let rows: Int
    /// Input features (columns).
    public let columns: Int
    /// `rows × columns` values in {−1, 0, +1}, row-major.
    public let trits: [Int8]
    /// The tensor's scale as stored (`weight_scale`). In the offline-quantised HF BitNet checkpoint
    /// it is γ = mean|W| and multiplies the output (transformers `AutoBitLinear`); the older
    /// `BitLinear` class divides by it instead (`shared/reference/bitnet-facts.md` §1). Stored, not
    /// interpreted.
    public let scale: Float

    /// Creates a tensor; `trits.count` must equal `rows × columns`.
    public init(rows: Int, columns: Int, trits: [Int8], scale: Float) {
        self.rows = rows
        self.columns = columns
        self.trits = trits
        self.scale = scale
    }
}

/// The packed uint8 ternary layout of the Hugging Face BitNet checkpoints.
///
/// A PyTorch `[out, in]` ternary weight is stored as uint8 `[out/4, in]`, four trits per byte:
/// the code `w + 1` ∈ {0, 1, 2} of output row `i × out/4 + r` sits in bits `2i ..< 2i + 2` of
/// packed row `r`, for `i` in 0..<4. Each such linear layer has a `weight_scale` tensor of one
/// element beside it.
///
/// Source: transformers `integrations/bitnet.py` (`pack_weights` / `unpack_weights`,
/// `VALUES_PER_ITEM = 4`), summarised in `shared/reference/trace-formats.md` §2 and
/// `shared/reference/bitnet-facts.md` §1.
public enum PackedTernary {
    /// Trits per packed byte.
    public static let tritsPerByte = 4

    /// Unpacks `[packedRows, columns]` bytes into `[4 × packedRows, columns]` trits, row-major.
    /// - Parameters:
    ///   - packed: `packedRows × columns` bytes, row-major.
    ///   - source: the file, and `tensor`: the tensor name, for errors.
    /// - Throws: `InputError` naming the byte, row and column of a code 3 (not ternary), or a
    ///   byte count that is not `packedRows × columns`.
    /// - Complexity: O(bytes).
    public static func unpack(_ packed: some Collection<UInt8>, packedRows: Int, columns: Int,
                              source: String, tensor: String) throws -> [Int8] {
        guard packedRows >= 0, columns >= 0, packedRows.multipliedReportingOverflow(by: columns) == (packed.count, false) else {
            throw InputError(source: source, location: "tensor \"\(tensor)\"",
                             expected: "\(packedRows) × \(columns) packed bytes", found: "\(packed.count) bytes")
        }
        var trits = [Int8](repeating: 0, count: packed.count * tritsPerByte)
        for (index, byte) in packed.enumerated() {
            let row = index / max(columns, 1), column = index % max(columns, 1)
            for part in 0..<tritsPerByte {
                let code = (byte >> (2 * UInt8(part))) & 0b11
                guard code != 3 else {
                    throw InputError(source: source, location: "tensor \"\(tensor)\" byte \(index) (packed row \(row), column \(column))",
                                     expected: "2-bit codes w + 1 in 0...2", found: "code 3 in bits \(2 * part)...\(2 * part + 1)")
                }
                trits[(part * packedRows + row) * columns + column] = Int8(code) - 1
            }
        }
        return trits
    }

    /// Packs `[rows, columns]` trits (rows a multiple of 4) into `[rows/4, columns]` bytes.
    /// - Throws: `InputError` (source `packing`) for rows not a multiple of 4, a count that is not
    ///   `rows × columns`, or a value outside {−1, 0, +1}.
    public static func pack(_ trits: [Int8], rows: Int, columns: Int) throws -> [UInt8] {
        guard rows >= 0, columns >= 0, rows % tritsPerByte == 0,
              rows.multipliedReportingOverflow(by: columns) == (trits.count, false) else {
            throw InputError(source: "packing", location: "trits", expected: "rows a multiple of 4 and rows × columns values",
                             found: "rows \(rows), columns \(columns), \(trits.count) values")
        }
        let packedRows = rows / tritsPerByte
        var bytes = [UInt8](repeating: 0, count: packedRows * columns)
        for (index, trit) in trits.enumerated() {
            guard (-1...1).contains(trit) else {
                throw InputError(source: "packing", location: "trit \(index)", expected: "−1, 0 or +1", found: "\(trit)")
            }
            let row = index / columns, column = index % columns
            let part = row / packedRows, packedRow = row % packedRows
            bytes[packedRow * columns + column] |= UInt8(trit + 1) << (2 * UInt8(part))
        }
        return bytes
    }
}
