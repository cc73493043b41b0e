import Foundation
import TritCore

/// A model file opened read-only and memory-mapped, so listing a multi-GB checkpoint reads only
/// the pages its header occupies.
///
/// The bytes are `Data(contentsOf:options: .alwaysMapped)`: the operating system pages them in on
/// access, nothing is copied up front. Every reader in this module checks each length and offset
/// against `sizeBytes` before touching the bytes, so a file that lies about its sizes is refused
/// with an `InputError`, never read out of bounds.
public struct MappedFile: Sendable {
    /// The path as the user named it (for error messages).
    public let path: String
    /// The file's bytes, memory-mapped.
    public let bytes: Data

    /// The file's size in bytes.
    public var sizeBytes: Int64 { Int64(bytes.count) }

    /// Maps the regular file at `path`.
    /// - Parameters:
    ///   - path: the file, as the user named it (relative paths resolve against the process's
    ///     current directory).
    ///   - url: the file's location, when the caller already resolved `path`.
    /// - Throws: `InputError` naming `path` for a missing file, a folder or other non-regular
    ///   file, or a file that cannot be read.
    public static func open(_ path: String, url: URL? = nil) throws -> MappedFile {
        let location = url ?? URL(fileURLWithPath: path)
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: location.path)
        } catch {
            throw InputError(source: path, location: "", expected: "a readable model file", found: "no such file")
        }
        guard (attributes[.type] as? FileAttributeType) == .typeRegular else {
            let kind = (attributes[.type] as? FileAttributeType) == .typeDirectory ? "a folder" : "not a regular file"
            throw InputError(source: path, location: "", expected: "a readable model file", found: kind)
        }
        do {
            return MappedFile(path: path, bytes: try Data(contentsOf: location, options: .alwaysMapped))
        } catch {
            throw InputError(source: path, location: "", expected: "a readable model file", found: "a file that cannot be read")
        }
    }

    /// Wraps bytes already in memory (tests, and files produced by the writers).
    public init(path: String, bytes: Data) {
        self.path = path
        self.bytes = bytes
    }

    /// The bytes at `offset ..< offset + count`, without copying.
    /// - Throws: `InputError` if the range is not inside the file.
    public func slice(offset: Int64, count: Int64, what: String) throws -> Data {
        let end = try Checked.add(offset, count, "\(path): end of \(what)")
        guard offset >= 0, count >= 0, end <= sizeBytes else {
            throw InputError(source: path, location: what, expected: "bytes \(offset)..<\(end) inside the file",
                             found: "a file of \(sizeBytes) bytes")
        }
        let start = bytes.startIndex + Int(offset)
        return bytes[start..<(start + Int(count))]
    }
}
