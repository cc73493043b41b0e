import Foundation
import GPUBaseline
import TritTestSupport
import XCTest

/// Loading GPU files and names: good files load, bad ones name the file and the field.
final class GPUConfigLoaderTests: XCTestCase {
    func testShippedConfigsLoadWithSourcesForEveryDatasheetField() throws {
        for name in GPUTestFixtures.catalog.names() {
            let gpu = try GPUTestFixtures.catalog.load(name)
            for field in gpu.sourcedFields {
                XCTAssertFalse((gpu.sources[field] ?? "").isEmpty, "\(name): \(field) has no source")
            }
            XCTAssertFalse(gpu.calibration.note.isEmpty)
        }
    }

    func testNamesResolveCaseInsensitivelyAndBySubstringAndPath() throws {
        XCTAssertEqual(try GPUTestFixtures.catalog.load("H200-SXM").name, "NVIDIA H200 SXM")
        XCTAssertEqual(try GPUTestFixtures.catalog.load("a100-80gb").peakFP16TensorFLOPS, 312e12)
        XCTAssertEqual(try GPUTestFixtures.catalog.load("4090").id, "rtx-4090")
        XCTAssertEqual(try GPUTestFixtures.catalog.load("orin").id, "jetson-agx-orin-64gb")
        let path = RepositoryPaths.gpus.appendingPathComponent("h100-sxm.json").path
        XCTAssertEqual(try GPUTestFixtures.catalog.load(path).peakMemoryBandwidthBytesPerSecond, 3.35e12)
    }

    func testUnknownGPUNameListsAvailableNames() {
        XCTAssertThrowsError(try GPUTestFixtures.catalog.load("b200")) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.hasPrefix("command line: --gpu:"), text)
            XCTAssertTrue(text.contains("h200-sxm") && text.contains("a100-80gb-sxm"), text)
            XCTAssertTrue(text.contains("\"b200\""), text)
        }
    }

    func testAmbiguousNameIsRejected() {
        XCTAssertThrowsError(try GPUTestFixtures.catalog.load("sxm")) { error in
            XCTAssertTrue(String(describing: error).contains("matching"), String(describing: error))
        }
        // Two A100s since issue 5: `a100` names neither.
        XCTAssertThrowsError(try GPUTestFixtures.catalog.load("a100")) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("a100-40gb-sxm, a100-80gb-sxm"), text)
        }
    }

    func testMissingFileNamesTheFile() {
        let path = "/nonexistent-folder/no-gpu.json"
        XCTAssertThrowsError(try GPUConfig.load(file: URL(fileURLWithPath: path))) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains(path), text)
            XCTAssertTrue(text.contains("no such file"), text)
        }
    }

    func testNegativeBandwidthNamesFileAndField() throws {
        let text = try GPUTestFixtures.h200Text()
            .replacingOccurrences(of: "\"peakMemoryBandwidthBytesPerSecond\": 4.8e12", with: "\"peakMemoryBandwidthBytesPerSecond\": -4.8e12")
        XCTAssertTrue(text.contains("-4.8e12"), "fixture replacement failed")
        let url = try RepositoryPaths.temporaryFile(named: "bad-bandwidth.json", contents: text)
        XCTAssertThrowsError(try GPUConfig.load(file: url)) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains(url.path), message)
            XCTAssertTrue(message.contains("peakMemoryBandwidthBytesPerSecond"), message)
            XCTAssertTrue(message.contains("bytes/s in 1e+09...1e+15"), message)
        }
    }

    func testZeroCalibrationValueNamesDottedField() throws {
        let text = try GPUTestFixtures.h200Text()
            .replacingOccurrences(of: "\"tileColumns\": 64", with: "\"tileColumns\": 0")
        XCTAssertTrue(text.contains("\"tileColumns\": 0"), "fixture replacement failed")
        let url = try RepositoryPaths.temporaryFile(named: "bad-tile.json", contents: text)
        XCTAssertThrowsError(try GPUConfig.load(file: url)) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("\(url.path): calibration.tileColumns"), message)
        }
    }

    /// An eager launch cheaper than a CUDA-graph replay would make eager mode model faster than graph.
    func testEagerOverheadBelowGraphOverheadIsRefused() throws {
        let text = try GPUTestFixtures.h200Text()
            .replacingOccurrences(of: "\"kernelOverheadEagerSeconds\": 4.998e-05", with: "\"kernelOverheadEagerSeconds\": 1e-07")
        XCTAssertTrue(text.contains("\"kernelOverheadEagerSeconds\": 1e-07"), "fixture replacement failed")
        let url = try RepositoryPaths.temporaryFile(named: "cheap-eager.json", contents: text)
        XCTAssertThrowsError(try GPUConfig.load(file: url)) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("\(url.path): calibration.kernelOverheadEagerSeconds: expected at least kernelOverheadGraphSeconds"), message)
        }
    }

    func testUnknownFieldNamesFileAndField() throws {
        let text = try GPUTestFixtures.h200Text()
            .replacingOccurrences(of: "\"idlePowerWatts\": 80", with: "\"idlePowerWats\": 80")
        XCTAssertTrue(text.contains("idlePowerWats"), "fixture replacement failed")
        let url = try RepositoryPaths.temporaryFile(named: "typo.json", contents: text)
        XCTAssertThrowsError(try GPUConfig.load(file: url)) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains(url.path), message)
            XCTAssertTrue(message.contains("unknown field \"idlePowerWats\""), message)
        }
    }

    func testMissingSourceIsRejected() throws {
        let lines = try GPUTestFixtures.h200Text().split(separator: "\n", omittingEmptySubsequences: false)
        let kept = lines.filter { !$0.hasPrefix("    \"streamingMultiprocessors\": \"") }
        XCTAssertEqual(kept.count, lines.count - 1, "fixture replacement failed")
        let url = try RepositoryPaths.temporaryFile(named: "no-source.json", contents: kept.joined(separator: "\n"))
        XCTAssertThrowsError(try GPUConfig.load(file: url)) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("\(url.path): sources.streamingMultiprocessors"), message)
        }
    }
}
