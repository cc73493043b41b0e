import Foundation
import Testing
import TritCore

@Suite struct JSONTests {
    @Test func parsesTheWholeGrammar() throws {
        let value = try JSONParser.parse(#"{"a": [1, -2.5e3, true, false, null, "x\n\u00e9\ud83d\ude00"], "b": {}}"#, source: "t")
        #expect(value["a"] == .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null, .string("x\né😀")]))
        #expect(value["b"] == .object([]))
    }

    @Test(arguments: [
        ("", "line 1, column 1"),
        ("{\"a\": 1,}", "line 1, column 9"),
        ("{\"a\": 01}", "line 1, column 8"),
        ("[1, 2", "line 1, column 6"),
        ("{\"a\": 1, \"a\": 2}", "line 1, column 10"),
        ("{\n  \"a\": tru\n}", "line 2, column 11"),
        ("\"\\x\"", "line 1, column 3"),
        ("[1] 2", "line 1, column 5"),
    ])
    func errorsCarryLineAndColumn(text: String, location: String) {
        do {
            _ = try JSONParser.parse(text, source: "f.json")
            Issue.record("parsed \(text)")
        } catch let error as InputError {
            #expect(error.location == location, "\(text): \(error)")
            #expect(error.source == "f.json")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: InputError.self) { try JSONParser.parse(deep, source: "deep") }
    }

    @Test func readerNamesFieldsAndRanges() throws {
        let reader = try JSONObjectReader(try JSONParser.parse(#"{"n": 3, "x": {"y": -1}, "big": 9223372036854775808}"#, source: "c.json"),
                                          source: "c.json")
        #expect(try reader.positiveInt("n") == 3)
        #expect(throws: InputError.self) { try reader.object("x").positiveInt("y") }
        do {
            _ = try reader.object("x").positiveInt("y")
        } catch let error as InputError {
            #expect(error.description == "c.json: x.y: expected an integer > 0, found number -1")
        }
        #expect(throws: InputError.self) { try reader.int("big") }
        #expect(throws: InputError.self) { try reader.string("n") }
        #expect(throws: InputError.self) { try reader.rejectUnknownKeys(["n", "x"]) }
    }

    /// A number beyond the largest double is refused as not finite, and a folder given as a file
    /// is called a folder.
    @Test func hugeNumbersAndFoldersAreNamedForWhatTheyAre() throws {
        let reader = try JSONObjectReader(try JSONParser.parse(#"{"theta": 1e999}"#, source: "m.json"), source: "m.json")
        #expect(throws: InputError.self) { try reader.positiveDouble("theta") }
        do {
            _ = try reader.positiveDouble("theta")
        } catch let error as InputError {
            #expect(error.description == "m.json: theta: expected a finite number (a number > 0), found number 1e999, beyond the largest double")
        }
        let folder = FileManager.default.temporaryDirectory
        do {
            _ = try JSONObjectReader.load(file: folder)
            Issue.record("a folder was read as a JSON file")
        } catch let error as InputError {
            #expect(error.description.hasSuffix("expected a readable JSON file, found a folder"), "\(error)")
        }
    }

    @Test func writerIsDeterministicAndSorted() {
        let value = JSONOutput.object(["b": .double(0.1), "a": .array([.int(3), .double(2.0), .double(.nan), .string("q\"\n")])])
        let text = JSONWriter.render(value)
        #expect(text == "{\n  \"a\": [\n    3,\n    2,\n    null,\n    \"q\\\"\\n\"\n  ],\n  \"b\": 0.1\n}\n")
        #expect(JSONWriter.render(value) == text)
    }

    @Test func writtenJSONParsesBack() throws {
        let value = JSONOutput.object(["x": .double(1.0e-7), "y": .double(123456.789), "z": .int(Int64.max)])
        let parsed = try JSONParser.parse(JSONWriter.render(value), source: "round trip")
        #expect(parsed["z"] == .number(String(Int64.max)))
        if case .number(let text) = parsed["x"] { #expect(Double(text) == 1.0e-7) } else { Issue.record("x missing") }
    }

    @Test func atomicWriteLeavesOnlyTheFinalFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)/deep")
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let url = folder.appendingPathComponent("out.txt")
        try AtomicFile.write("one", to: url)
        try AtomicFile.write("two", to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "two")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["out.txt"])
    }

    @Test func checkedArithmeticReportsOverflow() throws {
        #expect(try Checked.multiply(1 << 40, 1 << 20, "x") == 1 << 60)
        #expect(throws: InputError.self) { try Checked.multiply(1 << 40, 1 << 40, "bytes") }
        #expect(throws: InputError.self) { try Checked.add(Int64.max, 1, "cycles") }
        #expect(ceilDiv(Int64(10), 3) == 4)
        #expect(ceilDiv(0, 3) == 0)
    }
}
