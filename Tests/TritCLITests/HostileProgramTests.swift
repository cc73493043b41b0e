import Foundation
import TritTestSupport
import XCTest

/// Findings of an adversarial review of `sim` and `inspect` on hand-made programs: each used to
/// trap, allocate gigabytes, or run for minutes. Now each is one line and exit 1, quickly.
final class HostileProgramTests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws { scratch = try RepositoryPaths.temporaryFolder("tritsim-hostile") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    private let header = """
    .tritsim-asm 1
    .unit d dma
    .unit a ternary_array
    .unit v vector
    .unit m attention
    .tag t

    """

    private func refuse(_ body: String, tokens: Int = 0, mentions: [String], commands: [String] = ["sim", "inspect"],
                        file: StaticString = #filePath, line: UInt = #line) throws {
        let url = scratch.appendingPathComponent("p.tasm")
        try (header + ".tokens \(tokens)\n" + body).write(to: url, atomically: true, encoding: .utf8)
        for command in commands {
            let start = Date()
            let run = ToolRun([command, url.path, "--configs", RepositoryPaths.configs.path] + (command == "inspect" ? [] : ["--chip", "edge"]))
            XCTAssertEqual(run.status, 1, "\(command): \(run.stdout)", file: file, line: line)
            XCTAssertEqual(run.stderrLines.count, 1, "\(command): \(run.stderr)", file: file, line: line)
            for fragment in mentions {
                XCTAssertTrue(run.stderr.contains(fragment), "\(command): \(run.stderr) lacks \(fragment)", file: file, line: line)
            }
            XCTAssertLessThan(Date().timeIntervalSince(start), 5, "\(command) took too long", file: file, line: line)
        }
    }

    func testOverflowingRangesAndCountsAreRefused() throws {
        try refuse("v vector.rms_norm operations=1 special_ops=1 input=9223372036854775807+9223372036854775807 output=0+1 tag=t\n",
                   mentions: ["instruction 0"], commands: ["sim"])
        try refuse("v vector.rms_norm operations=1 special_ops=1 input=9223372036854775807+9223372036854775807 output=0+1 tag=t\n",
                   mentions: ["64 bits"], commands: ["inspect"])
        try refuse("a tile rows=2147483647 columns=2147483647 tokens=2147483647 weights=0+1 input=0+1 accumulator=0+1 accumulate=true tag=t\n",
                   mentions: ["resources: a tile"], commands: ["sim"])
        try refuse("m matrix.dense macs=2305843009213693952 input=0+16 output=16+16 tag=t\n", mentions: ["MACs"], commands: ["sim"])
        try refuse("d dma.store stream=kv_cache sram=0+10 dram=9223372036854775807+10 tag=t\n", mentions: ["off-chip memory"], commands: ["sim"])
    }

    func testHugeTokenCountIsRefusedWithoutAllocating() throws {
        try refuse("v vector.rms_norm operations=1 special_ops=1 input=0+4 output=4+4 tag=t\n", tokens: 2_147_483_648,
                   mentions: ["token"], commands: ["sim"])
    }

    func testMoreArraysThanTheChipHasAreRefused() throws {
        var units = ""
        for index in 0..<5 { units += ".unit x\(index) ternary_array\n" }
        let url = scratch.appendingPathComponent("arrays.tasm")
        try (".tritsim-asm 1\n" + units + ".tag t\n.tokens 0\n").write(to: url, atomically: true, encoding: .utf8)
        let run = ToolRun(["sim", url.path, "--chip", "edge", "--configs", RepositoryPaths.configs.path])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("at most 4 ternary_array units"), run.stderr)
    }

    func testATileThatDoesNotMatchItsOperandsIsRefused() throws {
        try refuse("a tile rows=256 columns=256 tokens=100000 weights=0+16384 input=16384+256 accumulator=0+1024 accumulate=false tag=t\n",
                   mentions: ["input 25600000 bytes"], commands: ["sim"])
    }

    func testControlCharactersInInputAreNotEchoedRaw() throws {
        let url = scratch.appendingPathComponent("esc.tasm")
        try (header + ".tokens 1\nv vector.\u{1B}[31mred operations=1 special_ops=0 input=0+4 output=4+4 tag=t\n")
            .write(to: url, atomically: true, encoding: .utf8)
        let run = ToolRun(["sim", url.path, "--configs", RepositoryPaths.configs.path])
        XCTAssertEqual(run.status, 1)
        XCTAssertFalse(run.stderr.unicodeScalars.contains { $0.value == 0x1B }, run.stderr)
    }
}
