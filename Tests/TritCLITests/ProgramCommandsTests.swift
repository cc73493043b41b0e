import Foundation
import TritTestSupport
import XCTest

/// `tritsim compile`, `sim` and `inspect`: programs as files a user can save, read, edit and re-run.
final class ProgramCommandsTests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws { scratch = try RepositoryPaths.temporaryFolder("tritsim-programs") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    private func tool(_ arguments: [String]) -> ToolRun {
        ToolRun(arguments + ["--configs", RepositoryPaths.configs.path])
    }

    private func compile(_ name: String, _ extra: [String] = []) throws -> URL {
        let url = scratch.appendingPathComponent(name)
        let run = tool(["compile", "--model", "bitnet_b1_58-large", "--phase", "decode", "--batch", "2", "--context", "64",
                        "-o", url.path] + extra)
        XCTAssertEqual(run.status, 0, run.stderr)
        return url
    }

    private func cycles(_ output: String) -> String? {
        output.split(separator: "\n").first.flatMap { $0.components(separatedBy: ": ").last?.components(separatedBy: " cycles").first }
    }

    /// The same program as text and as binary: the same simulation. With `--check-hazards` both
    /// are refused the same way (compiled programs break the read-after-write rule until the
    /// compiler allocates activation addresses per tensor: `CompiledProgramsPassStaticChecks`).
    func testTextAndBinaryProgramsSimulateIdentically() throws {
        let text = try compile("p.tasm")
        let binary = try compile("p.tbin")
        let fromText = tool(["sim", text.path])
        let fromBinary = tool(["sim", binary.path])
        XCTAssertEqual(fromText.status, 0, fromText.stderr)
        XCTAssertEqual(fromBinary.status, 0, fromBinary.stderr)
        XCTAssertNotNil(cycles(fromText.stdout))
        XCTAssertEqual(cycles(fromText.stdout), cycles(fromBinary.stdout))
        XCTAssertTrue(fromText.stdout.contains("array.0"), fromText.stdout)
        let checkedText = tool(["sim", text.path, "--check-hazards"])
        let checkedBinary = tool(["sim", binary.path, "--check-hazards"])
        XCTAssertEqual(checkedText.status, 1)
        XCTAssertEqual(checkedText.stderrLines.count, 1, checkedText.stderr)
        XCTAssertTrue(checkedText.stderr.contains("expected read-after-write: "), checkedText.stderr)
        XCTAssertEqual(checkedText.stderr.replacingOccurrences(of: text.path, with: "PROGRAM"),
                       checkedBinary.stderr.replacingOccurrences(of: binary.path, with: "PROGRAM"))
    }

    /// A hand-written race: the vector unit reads what a DMA is still loading.
    func testAReadBeforeItsWriteIsRefusedInOneLine() throws {
        let lines = [".tritsim-asm 1", ".unit dma.data dma", ".unit vector vector", ".tag t", ".tokens 1",
                     "dma.data dma.load stream=activations dram=0+64 sram=0+64 tag=t signal=0",
                     "vector vector.quantize operations=64 special_ops=0 input=0+64 output=64+64 tag=t"]
        let url = scratch.appendingPathComponent("race.tasm")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        XCTAssertEqual(tool(["sim", url.path, "--chip", "edge"]).status, 0, "rule 9 applies only when asked")
        let run = tool(["sim", url.path, "--chip", "edge", "--check-hazards"])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stdout, "")
        XCTAssertEqual(run.stderrLines, ["tritsim: error: \(url.path): instruction 1 (0-based, on vector): expected read-after-write: "
            + "every SRAM byte it reads last written by an instruction that completes before it starts (earlier on the same compute unit, "
            + "or through tokens), found bytes 0..<64 of its input range 0+64, last written by instruction 0 (on dma.data), which may still be running"])
        // Waiting on the load's token, it simulates.
        try (lines.joined(separator: "\n") + " wait=0\n").write(to: url, atomically: true, encoding: .utf8)
        let fixed = tool(["sim", url.path, "--chip", "edge", "--check-hazards"])
        XCTAssertEqual(fixed.status, 0, fixed.stderr)
        XCTAssertNotNil(cycles(fixed.stdout))
    }

    func testAssemblyRecordsWhatItWasCompiledFor() throws {
        let program = try compile("p.tasm")
        let text = try String(contentsOf: program, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("; compiled by tritsim"), String(text.prefix(200)))
        XCTAssertTrue(text.prefix(200).contains("chip edge-lpddr5x, decode(B=2, L=64)"), String(text.prefix(200)))
    }

    func testInspectReportsCountsHighWaterAndStreams() throws {
        let program = try compile("p.tbin")
        let run = tool(["inspect", program.path, "--chip", "edge"])
        XCTAssertEqual(run.status, 0, run.stderr)
        for expected in ["tile", "dma.load", "vector.dequantize", "SRAM high-water mark", "ternary_weights", "lower bounds on edge-lpddr5x"] {
            XCTAssertTrue(run.stdout.contains(expected), "\(expected) missing from\n\(run.stdout)")
        }
        // bitnet_b1_58-large: 24 layers × (4 × 1536² + 3 × 1536 × 4096) ternary weights × 2 bits, streamed once.
        XCTAssertTrue(run.stdout.contains("ternary_weights 170 MB (169869312)"), run.stdout)
    }

    /// Edits a compiled `.tasm` and returns the one-line error `sim` prints.
    private func simulateBroken(_ edit: (inout [String]) -> Void) throws -> ToolRun {
        let program = try compile("p.tasm")
        var lines = try String(contentsOf: program, encoding: .utf8).components(separatedBy: "\n")
        edit(&lines)
        let broken = scratch.appendingPathComponent("broken.tasm")
        try lines.joined(separator: "\n").write(to: broken, atomically: true, encoding: .utf8)
        let run = tool(["sim", broken.path])
        XCTAssertEqual(run.status, 1, run.stdout)
        XCTAssertEqual(run.stderrLines.count, 1, run.stderr)
        return run
    }

    private func firstInstructionLine(_ lines: [String], containing text: String) -> Int? {
        lines.firstIndex { !$0.hasPrefix(".") && $0.contains(text) }
    }

    func testBadOpcodeIsReportedWithLineAndColumn() throws {
        var lineNumber = 0
        let run = try simulateBroken { lines in
            if let index = firstInstructionLine(lines, containing: " tile ") {
                lines[index] = lines[index].replacingOccurrences(of: " tile ", with: " tyle ")
                lineNumber = index + 1
            }
        }
        XCTAssertTrue(run.stderr.contains("broken.tasm: line \(lineNumber), column"), run.stderr)
        XCTAssertTrue(run.stderr.contains("tyle"), run.stderr)
    }

    func testOutOfBoundsAddressIsRefusedByTheStaticCheck() throws {
        let run = try simulateBroken { lines in
            if let index = firstInstructionLine(lines, containing: " tile ") {
                lines[index] = lines[index].replacingOccurrences(of: "weights=0+", with: "weights=999999999999+")
            }
        }
        XCTAssertTrue(run.stderr.contains("broken.tasm: instruction"), run.stderr)
        XCTAssertTrue(run.stderr.contains("sram: a range inside"), run.stderr)
    }

    func testWaitOnATokenNeverSignalledIsRefused() throws {
        let run = try simulateBroken { lines in
            // Drop the signal of the first weight load: the tiles waiting on it would deadlock.
            if let index = firstInstructionLine(lines, containing: "dma.load stream=ternary_weights") {
                lines[index] = lines[index].components(separatedBy: " signal=").first ?? lines[index]
            }
        }
        XCTAssertTrue(run.stderr.contains("wait: a token signalled by an earlier instruction"), run.stderr)
    }

    func testCompileRefusesBadArguments() {
        XCTAssertEqual(tool(["compile", "--phase", "decode"]).status, 2, "missing --output")
        let wrongExtension = tool(["compile", "-o", scratch.appendingPathComponent("p.txt").path])
        XCTAssertEqual(wrongExtension.status, 1)
        XCTAssertTrue(wrongExtension.stderr.contains(".tasm or .tbin"), wrongExtension.stderr)
        XCTAssertEqual(tool(["compile", "--phase", "train", "-o", scratch.appendingPathComponent("p.tasm").path]).status, 2)
        let tasm = scratch.appendingPathComponent("p.tasm").path
        XCTAssertEqual(tool(["compile", "--phase", "prefill", "--context", "5", "-o", tasm]).status, 2, "--context is a decode option")
        XCTAssertEqual(tool(["compile", "--phase", "decode", "--tokens", "5", "-o", tasm]).status, 2, "--tokens is a prefill option")
        XCTAssertEqual(tool(["sim"]).status, 2, "missing program")
        let missing = tool(["sim", scratch.appendingPathComponent("nope.tbin").path])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("no such file"), missing.stderr)
    }
}
