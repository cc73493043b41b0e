import Foundation

/// Writes output files so that an interrupted run never leaves a half-written file.
public enum AtomicFile {
    /// Writes `text` to `url` through a temporary file in the same folder, then renames it.
    ///
    /// Creates the folder if needed.
    /// - Throws: `InputError` naming the path if the folder cannot be created or the file written.
    public static func write(_ text: String, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        let manager = FileManager.default
        do {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw InputError(source: folder.path, location: "", expected: "a folder that can be created",
                             found: "an error creating it (\(error.localizedDescription))")
        }
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try Data(text.utf8).write(to: temporary)
            // rename(2) replaces the destination atomically on POSIX file systems.
            guard rename(temporary.path, url.path) == 0 else {
                throw CocoaError(.fileWriteUnknown)
            }
        } catch {
            try? manager.removeItem(at: temporary)
            throw InputError(source: url.path, location: "", expected: "a writable output file",
                             found: "an error writing it (\(error.localizedDescription))")
        }
    }
}
