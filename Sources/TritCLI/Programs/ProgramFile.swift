import Foundation
import TritCore
import TritISA

/// Reads and writes program files: `.tasm` (text assembly) or `.tbin` (binary), by extension.
enum ProgramFile {
    /// The two program formats.
    enum Format {
        case assembly
        case binary
    }

    /// Whether a path ends in `.tasm` or `.tbin` (any case).
    static func hasProgramExtension(_ path: String) -> Bool {
        ["tasm", "tbin"].contains(URL(fileURLWithPath: path).pathExtension.lowercased())
    }

    /// The format a path's extension names.
    /// - Throws: `InputError` for any other extension.
    static func format(of path: String, option: String) throws -> Format {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "tasm": return .assembly
        case "tbin": return .binary
        default:
            throw InputError(source: "command line", location: option, expected: "a file ending in .tasm or .tbin", found: "\"\(path)\"")
        }
    }

    /// Reads a program.
    /// - Throws: `InputError` naming the file for a missing file, a file over 1 GiB, or any
    ///   assembler or decoder error (with line and column, or byte offset).
    static func read(_ path: String, option: String) throws -> Program {
        let format = try format(of: path, option: option)
        let url = URL(fileURLWithPath: path)
        // 2 GiB: above the largest program the compiler emits (8M instructions ≈ 1.3 GB of .tasm).
        if let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber, size.int64Value > 1 << 31 {
            throw InputError(source: path, location: "", expected: "a program file of at most 2 GiB", found: "\(size.int64Value) bytes")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw InputError(source: path, location: "", expected: "a readable program file",
                             found: FileManager.default.fileExists(atPath: url.path) ? "a file that cannot be read" : "no such file")
        }
        switch format {
        case .assembly:
            guard let text = String(data: data, encoding: .utf8) else {
                throw InputError(source: path, location: "", expected: "UTF-8 text", found: "bytes that are not UTF-8")
            }
            return try Program.assemble(text, source: path)
        case .binary:
            return try Program.decode([UInt8](data), source: path)
        }
    }

    /// Writes a program atomically in the format its extension names; `.tasm` files start with
    /// `comment` as `;` lines (what the program was compiled for), which the assembler skips.
    static func write(_ program: Program, to path: String, option: String, comment: String = "") throws {
        try AtomicFile.write(try encoded(program, path: path, option: option, comment: comment), to: URL(fileURLWithPath: path))
    }

    /// The bytes `write` would write: `.tasm` text with `comment` lines, or `.tbin` binary.
    static func encoded(_ program: Program, path: String, option: String, comment: String = "") throws -> Data {
        switch try format(of: path, option: option) {
        case .assembly:
            let header = comment.isEmpty ? "" : comment.split(separator: "\n").map { "; \($0)\n" }.joined()
            return Data((header + program.assembly()).utf8)
        case .binary: return Data(program.binary())
        }
    }
}
