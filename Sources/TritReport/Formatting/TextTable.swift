/// A table of text cells that renders as aligned plain text or as a Markdown table.
///
/// Widths are counted in `Character`s (extended grapheme clusters), so `µ`, `×` and `→` count as
/// one column each. Rows shorter than the header are padded with empty cells; longer rows are cut.
public struct TextTable: Sendable, Equatable {
    /// How the cells of one column line up.
    public enum Alignment: Sendable, Equatable {
        /// Text starts at the column's left edge (names, labels).
        case left
        /// Text ends at the column's right edge (numbers).
        case right
    }

    /// Column headings; their count is the table's column count.
    public var headers: [String]
    /// One alignment per column; missing entries mean `.left`.
    public var alignments: [Alignment]
    /// Data rows, each a list of cells in column order.
    public var rows: [[String]]

    /// Creates a table with `headers`, per-column `alignments` and `rows`.
    public init(headers: [String], alignments: [Alignment] = [], rows: [[String]] = []) {
        self.headers = headers
        self.alignments = alignments
        self.rows = rows
    }

    /// Number of columns (the header count).
    public var columnCount: Int { headers.count }

    /// Appends one row of cells.
    public mutating func append(_ row: [String]) { rows.append(row) }

    /// The plain-text rendering as lines: header, a dashed rule, then one line per row.
    ///
    /// Columns are separated by two spaces; trailing spaces are trimmed from every line.
    public func plainTextLines() -> [String] {
        let body = rows.map(normalized)
        var widths = headers.map(\.count)
        for row in body {
            for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { column, cell in
                pad(cell, to: widths[column], alignment: alignment(of: column))
            }
            return trimmingTrailingSpaces(padded.joined(separator: "  "))
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return [line(headers), rule] + body.map(line)
    }

    /// The plain-text rendering: `plainTextLines()` joined, ending in a newline.
    public func plainText() -> String {
        plainTextLines().map { $0 + "\n" }.joined()
    }

    /// The table in GitHub-flavoured Markdown, ending in a newline.
    ///
    /// Every line has `columnCount + 1` unescaped `|` characters; `|` inside cells is escaped as
    /// `\|` and line breaks become spaces. Right-aligned columns get a `---:` marker.
    public func markdown() -> String {
        func line(_ cells: [String]) -> String {
            "| " + cells.map(escapeMarkdown).joined(separator: " | ") + " |\n"
        }
        let markers = (0..<columnCount).map { alignment(of: $0) == .right ? "---:" : "---" }
        return line(headers) + "|" + markers.joined(separator: "|") + "|\n" + rows.map(normalized).map(line).joined()
    }

    // MARK: - Implementation

    private func alignment(of column: Int) -> Alignment {
        column < alignments.count ? alignments[column] : .left
    }

    private func normalized(_ row: [String]) -> [String] {
        if row.count >= columnCount { return Array(row.prefix(columnCount)) }
        return row + Array(repeating: "", count: columnCount - row.count)
    }

    private func pad(_ text: String, to width: Int, alignment: Alignment) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return alignment == .left ? text + fill : fill + text
    }

    private func trimmingTrailingSpaces(_ text: String) -> String {
        var result = text
        while result.last == " " { result.removeLast() }
        return result
    }

    private func escapeMarkdown(_ cell: String) -> String {
        var out = ""
        for character in cell {
            switch character {
            case "|": out += "\\|"
            case "\n", "\r", "\r\n": out += " "
            default: out.append(character)
            }
        }
        return out
    }
}
