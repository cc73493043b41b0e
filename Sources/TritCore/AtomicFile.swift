import Foundation

/// Writes output files so that an interrupted or failed run never leaves a half-written file,
/// nor a mix of new and stale files from one set.
public enum AtomicFile {
    /// Writes `text` to `url` through a temporary file in the same folder, then renames it.
    /// - Throws: `InputError` naming the path (see `write(_:)`).
    public static func write(_ text: String, to url: URL) throws {
        try write([(text, url)])
    }

    /// Writes a set of files all or nothing: every file goes to a temporary name first, and only
    /// when all are written are they renamed into place (rename(2) is atomic per file). Folders
    /// are created as needed; nothing is renamed if any write fails.
    /// - Throws: `InputError` naming the path: a folder that cannot be created (for instance
    ///   because a file stands where a folder must be), a target that is a folder, or a file that
    ///   cannot be written.
    public static func write(_ files: [(text: String, url: URL)]) throws {
        let manager = FileManager.default
        var temporaries: [(temporary: URL, target: URL)] = []
        func removeTemporaries() {
            for (temporary, _) in temporaries { try? manager.removeItem(at: temporary) }
        }
        for (text, url) in files {
            let folder = url.deletingLastPathComponent()
            var isFolder: ObjCBool = false
            if manager.fileExists(atPath: folder.path, isDirectory: &isFolder) {
                guard isFolder.boolValue else {
                    removeTemporaries()
                    throw InputError(source: folder.path, location: "", expected: "a folder for the output files", found: "a file")
                }
            } else {
                do {
                    try manager.createDirectory(at: folder, withIntermediateDirectories: true)
                } catch {
                    removeTemporaries()
                    throw InputError(source: folder.path, location: "", expected: "a folder that can be created",
                                     found: "one that cannot (a file in the path, or no permission)")
                }
            }
            if manager.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue {
                removeTemporaries()
                throw InputError(source: url.path, location: "", expected: "a file path to write", found: "a folder")
            }
            let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
            do {
                try Data(text.utf8).write(to: temporary)
            } catch {
                try? manager.removeItem(at: temporary)
                removeTemporaries()
                throw InputError(source: url.path, location: "", expected: "a writable output file",
                                 found: "one that cannot be written (no permission or no space)")
            }
            temporaries.append((temporary, url))
        }
        for (temporary, target) in temporaries {
            // rename(2) replaces the destination atomically on POSIX file systems.
            guard rename(temporary.path, target.path) == 0 else {
                removeTemporaries()
                throw InputError(source: target.path, location: "", expected: "a writable output file",
                                 found: "one that cannot be replaced")
            }
        }
    }
}
