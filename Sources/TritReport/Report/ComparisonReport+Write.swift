import Foundation
import TritCore

extension ComparisonReport {
    /// File names written by `write(to:)`, in the order of the returned URLs.
    public static let fileNames = ["report.md", "summary.json", "layers.csv"]

    /// Writes `report.md`, `summary.json` and `layers.csv` into `folder`, each atomically
    /// (temporary file, then rename), creating the folder if needed.
    ///
    /// - Parameter folder: the report's own folder, normally `<out>/<folderName>`.
    /// - Returns: the URLs written, in the order of `fileNames`.
    /// - Throws: `InputError` naming the path if the folder cannot be created or a file written.
    public func write(to folder: URL) throws -> [URL] {
        let contents = [markdown(), summaryJSON(), layersCSV()]
        var written: [URL] = []
        for (name, text) in zip(Self.fileNames, contents) {
            let url = folder.appendingPathComponent(name)
            try AtomicFile.write(text, to: url)
            written.append(url)
        }
        return written
    }
}
