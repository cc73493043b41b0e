import GPUBaseline
import TritCLI
import TritCore
import XCTest

final class RunOptionsTests: XCTestCase {
    func testDefaultsComeFromTheOptionTable() throws {
        XCTAssertEqual(try RunOptions.parse([]), RunOptions(
            model: "bitnet-b1.58-2B-4T", chip: "edge-lpddr5x", gpu: "h200-sxm", promptTokens: 512, generateTokens: 128,
            batch: 1, outputFolder: "Reports", json: false, configsFolder: nil))
    }

    func testEveryOptionParses() throws {
        let options = try RunOptions.parse([
            "--model", "2b4t", "--chip=chips/x.json", "--gpu", "a100", "--prompt-tokens", "64", "--generate-tokens", "8",
            "--batch", "4", "--out", "/tmp/r", "--json", "--configs", "Configs", "--gpus", "2",
        ])
        XCTAssertEqual(options, RunOptions(model: "2b4t", chip: "chips/x.json", gpu: "a100", promptTokens: 64,
                                           generateTokens: 8, batch: 4, outputFolder: "/tmp/r", json: true,
                                           configsFolder: "Configs", gpus: 2))
        XCTAssertEqual(try RunOptions.parse([]).gpus, 1)
        let execution = try RunOptions.parse(["--gpu-mode", "eager", "--gpu-fusion", "fused"])
        XCTAssertEqual([execution.gpuMode.rawValue, execution.gpuFusion.rawValue], ["eager", "fused"])
        XCTAssertEqual(try RunOptions.parse([]).gpuMode, ExecutionMode.graph)
        XCTAssertEqual(try RunOptions.parse([]).gpuFusion, ElementwiseFusion.unfused)
    }

    func testAnUnknownExecutionChoiceIsAUsageError() {
        for (option, value) in [("--gpu-mode", "fast"), ("--gpu-fusion", "yes"), ("--gpu-mode", ""), ("--gpu-fusion", "")] {
            XCTAssertThrowsError(try RunOptions.parse([option, value])) { error in
                let usage = error as? UsageError
                XCTAssertEqual(usage?.helpCommand, "tritsim run --help")
                XCTAssertTrue(usage?.message.contains("option '\(option)' expects") == true && usage?.message.contains("found '\(value)'") == true,
                              "\(error)")
            }
        }
    }

    func testErrorsAreTyped() {
        XCTAssertThrowsError(try RunOptions.parse(["--batch", "0"])) { error in
            XCTAssertEqual(error as? InputError, InputError(source: "command line", location: "--batch",
                                                            expected: "an integer in 1...65536", found: "0"))
        }
        for gpus in ["0", "65"] {
            XCTAssertThrowsError(try RunOptions.parse(["--gpus", gpus])) { error in
                XCTAssertEqual(error as? InputError, InputError(source: "command line", location: "--gpus",
                                                                expected: "an integer in 1...64", found: gpus))
            }
        }
        XCTAssertThrowsError(try RunOptions.parse(["--batch", "abc"])) { error in
            XCTAssertEqual((error as? UsageError)?.helpCommand, "tritsim run --help")
        }
    }
}
