import TritReport
import XCTest

final class CSVTableTests: XCTestCase {
    func testPlainFieldsAreNotQuoted() {
        XCTAssertEqual(CSVTable.field("BitLinear"), "BitLinear")
        XCTAssertEqual(CSVTable.field("0.5"), "0.5")
    }

    func testRFC4180Quoting() {
        XCTAssertEqual(CSVTable.field("a,b"), "\"a,b\"")
        XCTAssertEqual(CSVTable.field("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(CSVTable.field("two\nlines"), "\"two\nlines\"")
        XCTAssertEqual(CSVTable.field("cr\rhere"), "\"cr\rhere\"")
    }

    func testRenderWritesHeaderFirstAndEndsEveryRecord() {
        var table = CSVTable(header: ["name", "value"])
        table.append(["x,y", "1"])
        XCTAssertEqual(table.render(), "name,value\n\"x,y\",1\n")
        table.lineEnding = "\r\n"
        XCTAssertEqual(table.render(), "name,value\r\n\"x,y\",1\r\n")
    }
}
