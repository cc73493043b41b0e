import Foundation
import TritTestSupport
import XCTest
@testable import TritCLI

/// `tritsim validate gpu`: the GPU model's error table against the shipped H200 measurements, and
/// bad input.
final class ValidateCommandTests: XCTestCase {
    private func tool(_ arguments: [String]) -> ToolRun {
        ToolRun(["validate"] + arguments + ["--configs", RepositoryPaths.configs.path])
    }

    func testTheDefaultMeasurementsPrintEveryGroupWithItsBound() {
        let run = tool(["gpu"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("against measurements of NVIDIA H200"), run.stdout)
        for group in ["GEMM, CUDA graph:", "GEMM, single eager launch:", "decode attention (SDPA):", "sustained loops: power:",
                      "sustained loops: energy per call:"] {
            XCTAssertTrue(run.stdout.contains(group), "no group \(group)")
        }
        XCTAssertTrue(run.stdout.contains("49 points: median |error| 3%, max |error| 17% (bound: median ≤ 8%, max ≤ 25%: within)"), run.stdout)
        XCTAssertTrue(run.stdout.contains("2b4t.lm_head M=4096 K=2560 N=128256"), run.stdout)
    }

    /// Measurements of one GPU against the model of another are compared, with a note saying so.
    func testAnotherGPUsModelIsFlagged() {
        XCTAssertFalse(tool(["gpu"]).stdout.contains("note: the measured device"))
        let run = tool(["gpu", "--gpu", "l4"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("note: the measured device (NVIDIA H200) is not the modelled GPU (NVIDIA L4)"), run.stdout)
        XCTAssertTrue(ValidateCommand.sameDevice("NVIDIA H200 SXM", "NVIDIA H200"))
        XCTAssertFalse(ValidateCommand.sameDevice("NVIDIA H100 SXM5 80GB", "NVIDIA H200"))
    }

    func testBadInputIsOneLineWithTheRightStatus() throws {
        let folder = try RepositoryPaths.temporaryFolder("tritsim-validate")
        defer { try? FileManager.default.removeItem(at: folder) }
        let broken = folder.appendingPathComponent("broken.json")
        try #"{"device": {"name": "X"}, "gemm": [{"label": "a", "M": 1, "K": 8, "N": 16, "us_per_gemm_graph": "fast"}]}"#
            .write(to: broken, atomically: true, encoding: .utf8)
        let cases: [([String], Int32, String)] = [
            (["cpu"], 2, "unknown validation target 'cpu': expected gpu"),
            ([], 2, "TARGET"),
            (["gpu", "--gpu", "no-such-gpu"], 1, "--gpu"),
            (["gpu", "--measurements", folder.appendingPathComponent("missing.json").path], 1, "no such file"),
            (["gpu", "--measurements", broken.path], 1, "gemm[0].us_per_gemm_graph"),
        ]
        for (arguments, status, text) in cases {
            let run = tool(arguments)
            XCTAssertEqual(run.status, status, "\(arguments): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains(text), "\(arguments): \(run.stderr)")
            XCTAssertEqual(run.stderr.filter { $0 == "\n" }.count, 1, run.stderr)
            XCTAssertEqual(run.stdout, "")
        }
    }
}
