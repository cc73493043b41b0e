import TritCore

/// A bounds-checked little-endian reader over a file's bytes.
///
/// Every read first checks that the bytes exist; an error names the file, the byte offset and the
/// field being read, and says how many bytes were left. Offsets are `Int` (64-bit on every
/// platform tritsim supports); `UInt64` fields larger than `Int64.max` are refused.
struct ByteReader {
    /// The bytes (valid for the lifetime of the enclosing `withUnsafeBytes`).
    let bytes: UnsafeRawBufferPointer
    /// The file name for errors.
    let source: String
    /// The next byte to read.
    private(set) var offset: Int = 0

    init(_ bytes: UnsafeRawBufferPointer, source: String) {
        self.bytes = bytes
        self.source = source
    }

    /// Bytes left after `offset`.
    var remaining: Int { bytes.count - offset }

    /// An error about the field at byte `at`.
    func error(at: Int, _ field: String, expected: String, found: String) -> InputError {
        InputError(source: source, location: "byte \(at) (\(field))", expected: expected, found: found)
    }

    /// Throws unless `count` more bytes exist.
    func need(_ count: Int, _ field: @autoclosure () -> String) throws {
        guard count >= 0, count <= remaining else {
            throw error(at: offset, field(), expected: "\(count) more bytes",
                        found: "the end of the file after \(remaining) (the file is \(bytes.count) bytes)")
        }
    }

    private mutating func load<T: FixedWidthInteger>(_ type: T.Type, _ field: @autoclosure () -> String) throws -> T {
        try need(MemoryLayout<T>.size, field())
        let value = T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += MemoryLayout<T>.size
        return value
    }

    mutating func u8(_ field: @autoclosure () -> String) throws -> UInt8 { try load(UInt8.self, field()) }
    mutating func u16(_ field: @autoclosure () -> String) throws -> UInt16 { try load(UInt16.self, field()) }
    mutating func u32(_ field: @autoclosure () -> String) throws -> UInt32 { try load(UInt32.self, field()) }
    mutating func u64(_ field: @autoclosure () -> String) throws -> UInt64 { try load(UInt64.self, field()) }

    /// A u64 that must fit `Int64` (a count, length or offset).
    mutating func length(_ field: @autoclosure () -> String) throws -> Int64 {
        let start = offset
        let raw = try u64(field())
        guard let value = Int64(exactly: raw) else {
            throw error(at: start, field(), expected: "a value below 2^63", found: "\(raw)")
        }
        return value
    }

    /// The next `count` bytes, without copying.
    mutating func take(_ count: Int, _ field: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
        try need(count, field())
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        offset += count
        return slice
    }

    /// Moves to `position` (not beyond the end).
    mutating func seek(to position: Int, _ field: String) throws {
        guard position >= 0, position <= bytes.count else {
            throw error(at: offset, field, expected: "a position inside the file (at most \(bytes.count))", found: "\(position)")
        }
        offset = position
    }
}
