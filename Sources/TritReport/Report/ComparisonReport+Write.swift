import Foundation
import TritCore

extension ComparisonReport {
    /// File names written by `write(to:)`, in the order of the returned URLs.
    public static let fileNames = ["report.md", "summary.json", "layers.csv"]

    /// Writes `report.md`, `summary.json` and `layers.csv` into `folder` as one set
    /// (`AtomicFile.write(_:)`: all written to temporary names, then renamed), creating the
    /// folder if needed.
    ///
    /// - Parameter folder: the report's own folder, normally `<out>/<folderName>`.
    /// - Returns: the URLs written, in the order of `fileNames`.
    /// - Throws: `InputError` naming the path if the folder cannot be created or a file written.
    public func write(to folder: URL) throws -> [URL] {
        let contents = [markdown(), summaryJSON(), layersCSV()]
        let files = zip(Self.fileNames, contents).map { (text: $1, url: folder.appendingPathComponent($0)) }
        try AtomicFile.write(files)
        return files.map(\.url)
    }
}
