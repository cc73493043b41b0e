import XCTest

final class HelpTests: XCTestCase {
    /// Every `run` option as its help line must show it: synopsis, unit and default.
    /// Changing a default or an option must change this list (snapshot by assertion).
    static let runOptionLines = [
        ("--model NAME|PATH", nil, "(default: bitnet-b1.58-2B-4T)"),
        ("--chip NAME|PATH", nil, "(default: edge-lpddr5x)"),
        ("--system NAME|PATH", nil, "(default: none: one chip)"),
        ("--gpu NAME|PATH", nil, "(default: h200-sxm)"),
        ("--gpus N", "Unit: GPUs.", "(default: 1)"),
        ("--gpu-mode graph|eager", nil, "(default: graph)"),
        ("--gpu-fusion unfused|fused", nil, "(default: unfused)"),
        ("--prompt-tokens N", "Unit: tokens.", "(default: 512)"),
        ("--generate-tokens N", "Unit: tokens.", "(default: 128)"),
        ("--batch B", "Unit: sequences.", "(default: 1)"),
        ("--out DIR", "Unit: folder.", "(default: Reports)"),
        ("--json", nil, "(default: off)"),
        ("--configs DIR", "Unit: folder.", "(default: $TRITSIM_CONFIGS, else a Configs/ folder found above"),
    ]

    /// The text of one option's entry: from its synopsis to the next line starting with `  -`.
    private func entry(_ synopsis: String, in help: String) -> String? {
        guard let start = help.range(of: "\n  " + synopsis + " ") else { return nil }
        let rest = help[start.upperBound...]
        let end = rest.range(of: "\n  -")?.lowerBound ?? rest.range(of: "\n\n")?.lowerBound ?? rest.endIndex
        return rest[..<end].split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    private func assertExplainsEveryRunOption(_ help: String, file: StaticString = #filePath, line: UInt = #line) {
        for (synopsis, unit, defaultText) in Self.runOptionLines {
            guard let text = entry(synopsis, in: help) else {
                XCTFail("no entry for \(synopsis)", file: file, line: line)
                continue
            }
            if let unit { XCTAssertTrue(text.contains(unit), "\(synopsis): \(text)", file: file, line: line) }
            XCTAssertTrue(text.contains(defaultText), "\(synopsis): \(text)", file: file, line: line)
        }
    }

    func testRunHelpExplainsEveryOptionWithUnitAndDefault() {
        let run = ToolRun(["run", "--help"])
        XCTAssertEqual(run.status, 0)
        XCTAssertEqual(run.stderr, "")
        XCTAssertTrue(run.stdout.hasPrefix("OVERVIEW: "))
        XCTAssertTrue(run.stdout.contains("\nUSAGE: tritsim run [<options>]\n"))
        XCTAssertTrue(run.stdout.contains(
            "\n  --batch B                   Sequences decoded together (integer in 1...65536). Unit: sequences.\n                              (default: 1)\n"))
        XCTAssertTrue(run.stdout.contains("\n  -h, --help "))
        assertExplainsEveryRunOption(run.stdout)
    }

    func testTopLevelHelpAndHelpSubcommandExplainEveryOption() {
        for arguments in [["--help"], ["-h"], ["help"]] {
            let run = ToolRun(arguments)
            XCTAssertEqual(run.status, 0, "\(arguments)")
            XCTAssertTrue(run.stdout.contains("\n  run "), "\(arguments)")
            XCTAssertTrue(run.stdout.contains("\n  --version "), "\(arguments)")
            assertExplainsEveryRunOption(run.stdout)
        }
        XCTAssertEqual(ToolRun(["help", "run"]).stdout, ToolRun(["run", "--help"]).stdout)
    }

    func testVersion() {
        let run = ToolRun(["--version"])
        XCTAssertEqual(run.status, 0)
        XCTAssertEqual(run.stdout, "tritsim 0.1.0\n")
        XCTAssertEqual(run.stderr, "")
    }
}
