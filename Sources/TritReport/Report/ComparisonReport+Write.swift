import Foundation
import TritCore

extension ComparisonReport {
    /// File names written by `write(to:)`, in the order of the returned URLs.
    public static let fileNames = ["report.md", "summary.json", "layers.csv"]

    /// Replaces `folder` with one holding exactly `report.md`, `summary.json` and `layers.csv`,
    /// as one set (`AtomicFile.replaceFolder`): a failed or interrupted write leaves the old
    /// folder as it was.
    ///
    /// - Parameter folder: the report's own folder, normally `<out>/<folderName>`.
    /// - Returns: the URLs written, in the order of `fileNames`.
    /// - Throws: `InputError` naming the path if the folder cannot be created or a file written.
    public func write(to folder: URL) throws -> [URL] {
        let contents = [markdown(), summaryJSON(), layersCSV()]
        try AtomicFile.replaceFolder(folder, with: zip(Self.fileNames, contents).map { (name: $0, text: $1) })
        return Self.fileNames.map { folder.appendingPathComponent($0) }
    }
}
