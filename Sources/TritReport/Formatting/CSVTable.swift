import Foundation

/// A table written as CSV with RFC 4180 quoting.
///
/// A field is quoted when it contains a comma, a double quote, a carriage return or a line feed;
/// double quotes inside a quoted field are doubled. Records end in `lineEnding` (LF by default,
/// which every CSV reader accepts and keeps committed example files diff-friendly; pass `"\r\n"`
/// for the RFC's CRLF). The header record comes first.
public struct CSVTable: Sendable, Equatable {
    /// Column names, written as the first record.
    public var header: [String]
    /// Data records, each a list of fields in column order.
    public var records: [[String]]
    /// Text written after every record, including the last.
    public var lineEnding: String

    /// Creates a CSV table with a `header` record and data `records`.
    public init(header: [String], records: [[String]] = [], lineEnding: String = "\n") {
        self.header = header
        self.records = records
        self.lineEnding = lineEnding
    }

    /// Appends one data record.
    public mutating func append(_ record: [String]) { records.append(record) }

    /// The whole table as CSV text.
    public func render() -> String {
        ([header] + records).map { record in
            record.map(CSVTable.field).joined(separator: ",") + lineEnding
        }.joined()
    }

    /// One field, quoted if RFC 4180 requires it.
    public static func field(_ text: String) -> String {
        let needsQuotes = text.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
        guard needsQuotes else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
