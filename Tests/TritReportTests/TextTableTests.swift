import TritReport
import XCTest

final class TextTableTests: XCTestCase {
    func testMarkdownHasColumnCountPlusOnePipesOnEveryLine() {
        var table = TextTable(headers: ["a", "b", "c"], alignments: [.left, .right, .right])
        table.append(["x|y", "1", "2"])
        table.append(["short row"])
        table.append(["too", "many", "cells", "here"])
        let lines = table.markdown().split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 5)
        for line in lines { XCTAssertEqual(MarkdownPipes.unescaped(line), 4, line) }
        XCTAssertEqual(lines[1], "|---|---:|---:|")
        XCTAssertEqual(lines[2], "| x\\|y | 1 | 2 |")
    }

    func testPlainTextAlignsColumns() {
        var table = TextTable(headers: ["metric", "chip"], alignments: [.left, .right])
        table.append(["TTFT", "12.3 ms"])
        table.append(["energy per token", "420 µJ"])
        XCTAssertEqual(table.plainTextLines(), [
            "metric               chip",
            "----------------  -------",
            "TTFT              12.3 ms",
            "energy per token   420 µJ",
        ])
    }
}

/// Counting Markdown column separators.
enum MarkdownPipes {
    /// The number of `|` in `line` not escaped as `\|`.
    static func unescaped(_ line: String) -> Int {
        var count = 0
        var previous: Character = " "
        for character in line {
            if character == "|", previous != "\\" { count += 1 }
            previous = character
        }
        return count
    }
}
