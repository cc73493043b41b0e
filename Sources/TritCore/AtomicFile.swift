import Foundation

/// Writes output so that an interrupted or failed run never leaves a half-written file, nor a mix
/// of new and stale files from one set.
public enum AtomicFile {
    /// Longest file or folder name most file systems accept, in UTF-8 bytes.
    public static let maximumNameBytes = 255

    /// Writes `text` to `url` through a temporary file in the same folder, then renames it
    /// (rename(2) replaces the destination atomically).
    /// - Throws: `InputError` naming the path when the folder cannot be made or the file written.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    /// Writes `data` to `url` through a temporary file in the same folder, then renames it.
    /// - Throws: `InputError` naming the path when the folder cannot be made or the file written.
    public static func write(_ data: Data, to url: URL) throws {
        try prepareFolder(url.deletingLastPathComponent())
        try checkName(url)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try data.write(to: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw InputError(source: url.path, location: "", expected: "a writable output file",
                             found: "one that cannot be written (no permission or no space)")
        }
        guard rename(temporary.path, url.path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw InputError(source: url.path, location: "", expected: "a writable output file", found: "one that cannot be replaced")
        }
    }

    /// Writes several files as one set: every file goes to a temporary name in its folder first,
    /// every destination is checked (its folder writable, its name legal, not a folder), and only
    /// then are the temporaries renamed into place. A failure while writing leaves every
    /// destination as it was.
    /// - Throws: `InputError` naming the first path that cannot be written or replaced.
    public static func writeSet(_ files: [(data: Data, url: URL)]) throws {
        let manager = FileManager.default
        for file in files {
            try prepareFolder(file.url.deletingLastPathComponent())
            try checkName(file.url)
            var isFolder: ObjCBool = false
            if manager.fileExists(atPath: file.url.path, isDirectory: &isFolder), isFolder.boolValue {
                throw InputError(source: file.url.path, location: "", expected: "a writable output file", found: "a folder")
            }
        }
        let pid = ProcessInfo.processInfo.processIdentifier
        var temporaries: [URL] = []
        func removeTemporaries() { for temporary in temporaries { try? manager.removeItem(at: temporary) } }
        for file in files {
            let temporary = file.url.deletingLastPathComponent().appendingPathComponent(".\(file.url.lastPathComponent).tmp-\(pid)")
            temporaries.append(temporary)
            do {
                try file.data.write(to: temporary)
            } catch {
                removeTemporaries()
                throw InputError(source: file.url.path, location: "", expected: "a writable output file",
                                 found: "one that cannot be written (no permission or no space)")
            }
        }
        for (file, temporary) in zip(files, temporaries) where rename(temporary.path, file.url.path) != 0 {
            removeTemporaries()
            throw InputError(source: file.url.path, location: "", expected: "a writable output file", found: "one that cannot be replaced")
        }
    }

    /// Throws unless `folder` is absent or holds nothing but files named in `names`:
    /// `replaceFolder` replaces the folder as a whole, so anything else a user put there would be
    /// lost.
    /// - Throws: `InputError` naming the folder and the first unexpected entry.
    public static func checkReplaceable(_ folder: URL, holding names: [String]) throws {
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        guard manager.fileExists(atPath: folder.path, isDirectory: &isFolder) else { return }
        guard isFolder.boolValue else {
            throw InputError(source: folder.path, location: "", expected: "a report folder", found: "a file")
        }
        let entries = ((try? manager.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
        for entry in entries {
            var entryIsFolder: ObjCBool = false
            _ = manager.fileExists(atPath: folder.appendingPathComponent(entry).path, isDirectory: &entryIsFolder)
            if !names.contains(entry) || entryIsFolder.boolValue {
                throw InputError(source: folder.path, location: "", expected: "a report folder holding only \(names.joined(separator: ", ")) (it is replaced as a whole)",
                                 found: "also '\(entry)'; move it away or choose another --out")
            }
        }
    }

    /// Replaces `folder` with a folder holding exactly `files`, as one set.
    ///
    /// The files are written into a hidden sibling `.NAME.partial-PID`; only when all are
    /// written does that folder take `folder`'s place (the old folder is moved aside first and
    /// removed after, or moved back if the swap fails). Partial folders left by an interrupted
    /// run are removed on the next call.
    /// - Throws: `InputError` naming the path when a folder cannot be made, a name is too long,
    ///   a file cannot be written, or the folder holds anything but files named in `files`
    ///   (`checkReplaceable`); `folder` is then unchanged.
    public static func replaceFolder(_ folder: URL, with files: [(name: String, text: String)]) throws {
        let manager = FileManager.default
        let parent = folder.deletingLastPathComponent()
        try prepareFolder(parent)
        try checkName(folder)
        try checkReplaceable(folder, holding: files.map(\.name))
        let name = folder.lastPathComponent
        let pid = ProcessInfo.processInfo.processIdentifier
        for stale in (try? manager.contentsOfDirectory(atPath: parent.path)) ?? []
            where stale.hasPrefix(".\(name).partial-") || stale.hasPrefix(".\(name).previous-") {
            try? manager.removeItem(at: parent.appendingPathComponent(stale))
        }
        let partial = parent.appendingPathComponent(".\(name).partial-\(pid)")
        let previous = parent.appendingPathComponent(".\(name).previous-\(pid)")
        do {
            try manager.createDirectory(at: partial, withIntermediateDirectories: false)
            for file in files {
                try Data(file.text.utf8).write(to: partial.appendingPathComponent(file.name))
            }
        } catch {
            try? manager.removeItem(at: partial)
            throw InputError(source: parent.path, location: "", expected: "a folder where the report can be written",
                             found: "one that cannot be written (no permission or no space)")
        }
        let hadFolder = manager.fileExists(atPath: folder.path)
        if hadFolder, rename(folder.path, previous.path) != 0 {
            try? manager.removeItem(at: partial)
            throw InputError(source: folder.path, location: "", expected: "an output folder that can be replaced",
                             found: "one that cannot be moved (permissions)")
        }
        guard rename(partial.path, folder.path) == 0 else {
            if hadFolder { _ = rename(previous.path, folder.path) }
            try? manager.removeItem(at: partial)
            throw InputError(source: folder.path, location: "", expected: "an output folder that can be replaced",
                             found: "one that cannot be")
        }
        if hadFolder { try? manager.removeItem(at: previous) }
    }

    /// Creates `folder` (and its parents) if needed and checks that it is a writable folder, so a
    /// run can fail before it does any work rather than after.
    /// - Throws: `InputError` naming the path: a file where a folder must be, a folder that cannot
    ///   be created or written, or a name longer than `maximumNameBytes`.
    public static func prepareFolder(_ folder: URL) throws {
        let manager = FileManager.default
        for component in folder.pathComponents where component.utf8.count > maximumNameBytes {
            throw InputError(source: folder.path, location: "", expected: "folder names of at most \(maximumNameBytes) bytes",
                             found: "one of \(component.utf8.count) bytes")
        }
        var isFolder: ObjCBool = false
        if manager.fileExists(atPath: folder.path, isDirectory: &isFolder) {
            guard isFolder.boolValue else {
                throw InputError(source: folder.path, location: "", expected: "a folder for the output", found: "a file")
            }
        } else {
            do {
                try manager.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw InputError(source: folder.path, location: "", expected: "a folder that can be created",
                                 found: "one that cannot (a file in the path, or no permission)")
            }
        }
        guard manager.isWritableFile(atPath: folder.path) else {
            throw InputError(source: folder.path, location: "", expected: "a writable folder", found: "one without write permission")
        }
    }

    /// Throws if the last component of `url` is longer than `maximumNameBytes`.
    public static func checkName(_ url: URL) throws {
        let bytes = url.lastPathComponent.utf8.count
        guard bytes <= maximumNameBytes else {
            throw InputError(source: url.path, location: "", expected: "a name of at most \(maximumNameBytes) bytes",
                             found: "one of \(bytes) bytes")
        }
    }
}
