import Foundation
import TritReport
import TritTestSupport
import XCTest

final class ComparisonReportTests: XCTestCase {
    func testRatiosAndFolderName() {
        let prefill = ReportFixture.report().phases[0]
        XCTAssertEqual(prefill.speedUp, 2, accuracy: 1e-12)
        XCTAssertEqual(prefill.energyRatio, 3, accuracy: 1e-12)
        XCTAssertEqual(ReportFixture.report().folderName, "model-a__chip-b__gpu-c")
    }

    func testTerminalTableShowsEveryPhaseRowAndChipTimeLine() {
        let text = ReportFixture.report().terminalTable()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertTrue(lines.contains("prefill: 512 prompt tokens"))
        XCTAssertTrue(lines.contains("decode: 128 tokens, batch 1, context 512→639"))
        XCTAssertTrue(lines.contains { $0.hasPrefix("  latency (TTFT)") && $0.contains("10.0 ms") && $0.contains("20.0 ms")
                && $0.hasSuffix("speed-up 2.00×") })
        XCTAssertTrue(lines.contains { $0.hasPrefix("  latency (TPOT)") && $0.contains("12.3 ms") && $0.contains("6.15 ms") })
        XCTAssertTrue(lines.contains { $0.hasPrefix("  tokens/s") && $0.contains("51.2k tok/s") })
        XCTAssertTrue(lines.contains { $0.hasPrefix("  energy per token") && $0.contains("420 µJ")
                && $0.hasSuffix("energy ratio 3.00×") })
        XCTAssertTrue(lines.contains("  ternary arrays: busy 82%, waiting on memory 10%, waiting on other units or idle 8%; DRAM busy 40%"))
        XCTAssertTrue(lines.contains("  ternary arrays: busy 12%, waiting on memory 83%, waiting on other units or idle 5%; DRAM busy 97%"))
        // Aligned across phases: the GPU column ends at the same place in all six metric rows.
        let metricRows = lines.filter { $0.hasPrefix("  latency") || $0.hasPrefix("  tokens/s") || $0.hasPrefix("  energy") }
        XCTAssertEqual(metricRows.count, 6)
        let ratioColumns = metricRows.compactMap { row -> Int? in
            let range = row.range(of: "  speed-up") ?? row.range(of: "  throughput") ?? row.range(of: "  energy ratio")
            return range.map { row.distance(from: row.startIndex, to: $0.lowerBound) }
        }
        XCTAssertEqual(ratioColumns.count, 6)
        XCTAssertEqual(Set(ratioColumns).count, 1, "\(metricRows)")
    }

    func testMarkdownTablesHaveTheRightColumnCount() {
        let markdown = ReportFixture.report().markdown()
        XCTAssertTrue(markdown.hasPrefix("# fixture report\n"))
        XCTAssertTrue(markdown.hasSuffix("\n") && !markdown.hasSuffix("\n\n"))
        var expected = 0
        var tables = 0
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            guard line.hasPrefix("|") else { expected = 0; continue }
            let pipes = MarkdownPipes.unescaped(line)
            if expected == 0 { expected = pipes; tables += 1 }  // the header line fixes its table's count
            XCTAssertEqual(pipes, expected, line)
        }
        XCTAssertEqual(tables, 1 + 1 + 4 + 1)  // settings, summary, 2 phases × 2 platforms, layers
        XCTAssertTrue(markdown.contains("| phase | metric | chip (chip-b) | GPU (gpu-c) | chip vs GPU |\n"))
        XCTAssertTrue(markdown.contains(
            "| phase | category | chip time | chip energy | chip DRAM traffic | GPU time | GPU energy | speed-up |\n"))
        // Energy breakdown: component, J/token, share; largest first, ties by name; a total row.
        XCTAssertTrue(markdown.contains(
            "| array | 252 µJ | 60% |\n| dram | 84.0 µJ | 20% |\n| sram | 84.0 µJ | 20% |\n| total | 420 µJ | 100% |\n"))
        XCTAssertTrue(markdown.contains("- note | two\n"))
    }

    func testSummaryJSONIsDeterministicSortedAndNumeric() throws {
        let first = ReportFixture.report().summaryJSON()
        XCTAssertEqual(first, ReportFixture.report().summaryJSON())
        XCTAssertEqual(first, ReportFixture.report(breakdownOrderReversed: true).summaryJSON())

        let topLevelKeys = first.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  \"") else { return nil }
            return line.dropFirst(3).split(separator: "\"").first.map(String.init)
        }
        XCTAssertEqual(topLevelKeys, topLevelKeys.sorted())
        XCTAssertTrue(topLevelKeys.contains("resolvedConfigs"))

        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        let phases = try XCTUnwrap(object["phases"] as? [[String: Any]])
        let chip = try XCTUnwrap(phases.first?["chip"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(chip["latencySeconds"] as? Double), 0.01, accuracy: 1e-15)
        XCTAssertEqual(try XCTUnwrap(phases.first?["speedUp"] as? Double), 2, accuracy: 1e-12)
        let settings = try XCTUnwrap(object["settings"] as? [[String: String]])
        XCTAssertEqual(settings.map { $0["key"] }, ["prompt tokens", "batch"])
        let configs = try XCTUnwrap(object["resolvedConfigs"] as? [String: Any])
        XCTAssertEqual(Set(configs.keys), ["chip", "model"])
    }

    func testLayersCSV() {
        let expected = "phase,category,chipSeconds,chipJoules,chipDRAMBytes,gpuSeconds,gpuJoules\n"
            + "prefill,BitLinear,0.008,0.2,1180000000,0.016,0.6\n"
            + "decode,\"norm, \"\"misc\"\"\",0.5,1,12,0.25,50\n"
        XCTAssertEqual(ReportFixture.report().layersCSV(), expected)
    }

    func testWriteProducesThreeFilesAndNoTemporaryFiles() throws {
        let report = ReportFixture.report()
        let root = try RepositoryPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent(report.folderName)
        let urls = try report.write(to: folder)
        XCTAssertEqual(urls.map(\.lastPathComponent), ["report.md", "summary.json", "layers.csv"])
        _ = try report.write(to: folder)  // overwriting works too
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertEqual(names, ["layers.csv", "report.md", "summary.json"])
        XCTAssertEqual(try String(contentsOf: urls[0], encoding: .utf8), report.markdown())
        XCTAssertEqual(try String(contentsOf: urls[1], encoding: .utf8), report.summaryJSON())
        XCTAssertEqual(try String(contentsOf: urls[2], encoding: .utf8), report.layersCSV())
    }
}
