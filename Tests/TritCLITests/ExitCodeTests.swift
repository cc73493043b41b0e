import XCTest

final class ExitCodeTests: XCTestCase {
    private func assertUsageError(_ arguments: [String], message: String, hint: String = "(see 'tritsim run --help')",
                                  file: StaticString = #filePath, line: UInt = #line) {
        let run = ToolRun(arguments)
        XCTAssertEqual(run.status, 2, "\(arguments)", file: file, line: line)
        XCTAssertEqual(run.stdout, "", file: file, line: line)
        XCTAssertEqual(run.stderrLines, ["tritsim: error: " + message + " " + hint], file: file, line: line)
    }

    private func assertInputError(_ arguments: [String], line expected: String,
                                  file: StaticString = #filePath, line: UInt = #line) {
        let run = ToolRun(arguments)
        XCTAssertEqual(run.status, 1, "\(arguments)", file: file, line: line)
        XCTAssertEqual(run.stdout, "", file: file, line: line)
        XCTAssertEqual(run.stderrLines, [expected], file: file, line: line)
    }

    func testUnknownOptionIsAUsageError() {
        assertUsageError(["run", "--frobnicate"], message: "unknown option '--frobnicate'")
        assertUsageError(["run", "-x"], message: "unknown option '-x'")
    }

    func testMissingValueIsAUsageError() {
        assertUsageError(["run", "--batch"], message: "option '--batch' needs a value (B)")
        assertUsageError(["run", "--model", "--batch", "2"], message: "option '--model' needs a value (NAME|PATH)")
    }

    func testNonIntegerIsAUsageError() {
        assertUsageError(["run", "--batch", "abc"], message: "option '--batch' expects an integer, found 'abc'")
        assertUsageError(["run", "--prompt-tokens=1.5"], message: "option '--prompt-tokens' expects an integer, found '1.5'")
    }

    func testStrayRepeatedAndFlagValueAreUsageErrors() {
        assertUsageError(["run", "extra"], message: "unexpected argument 'extra'")
        assertUsageError(["run", "--batch", "1", "--batch", "2"], message: "option '--batch' given more than once")
        assertUsageError(["run", "--json=yes"], message: "option '--json' takes no value")
    }

    func testUnknownOrMissingSubcommandIsAUsageError() {
        assertUsageError(["simulate"], message: "unknown subcommand 'simulate' (known: run, compile, sim, inspect, verify, validate, bench)", hint: "(see 'tritsim --help')")
        assertUsageError([], message: "missing subcommand", hint: "(see 'tritsim --help')")
        assertUsageError(["--verbose"], message: "unknown option '--verbose' (expected a subcommand: run, compile, sim, inspect, verify, validate, bench)",
                         hint: "(see 'tritsim --help')")
    }

    func testOutOfRangeValuesAreInputErrorsNamingTheOption() {
        assertInputError(["run", "--batch", "0"], line: "tritsim: error: command line: --batch: expected an integer in 1...65536, found 0")
        assertInputError(["run", "--prompt-tokens", "-5"],
                         line: "tritsim: error: command line: --prompt-tokens: expected an integer in 1...1048576, found -5")
        assertInputError(["run", "--generate-tokens=99999999999999999999999"],
                         line: "tritsim: error: command line: --generate-tokens: expected an integer in 1...1048576, found 99999999999999999999999")
        assertInputError(["run", "--model", ""],
                         line: "tritsim: error: command line: --model: expected a model name or a path to a config.json, found an empty value")
    }

    func testBadConfigsFolderIsAnInputError() {
        let run = ToolRun(["run", "--configs", "/nonexistent/tritsim-configs"])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stderrLines.count, 1)
        XCTAssertTrue(run.stderr.hasPrefix("tritsim: error: command line: --configs: "), run.stderr)
    }
}

final class BenchCommandTests: XCTestCase {
    func testBenchIsListedAndValidatesItsOptions() {
        let help = ToolRun(["--help"])
        XCTAssertTrue(help.stdout.contains("bench"), help.stdout)
        let bad = ToolRun(["bench", "--repeat", "0"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.stderrLines, ["tritsim: error: command line: --repeat: expected an integer in 1...100, found 0"])
        XCTAssertEqual(ToolRun(["bench", "--frobnicate"]).status, 2)
    }
}
