import Foundation
import GPUBaseline
import TritCore
import TritTestSupport
import XCTest

/// The measurement-file reader of `tritsim validate gpu`: the shipped file reads, broken ones are
/// refused with the file and the field named.
final class GPUMeasurementsTests: XCTestCase {
    private func parse(_ text: String) throws -> GPUMeasurements {
        try GPUMeasurements.parse(try JSONObjectReader(JSONParser.parse(Array(text.utf8), source: "m.json"), source: "m.json"))
    }

    private let minimal = #"{"device": {"name": "X"}, "gemm": [{"label": "a", "M": 1, "K": 8, "N": 16, "us_per_gemm_graph": 5.0}]}"#

    func testTheShippedH200FileReads() throws {
        let m = try GPUMeasurements.load(file: RepositoryPaths.validation.appendingPathComponent("h200-fp16-calibration.json"))
        XCTAssertEqual(m.device, "NVIDIA H200")
        XCTAssertEqual(m.gemms.count, 49)
        XCTAssertEqual(m.decodeAttention.count, 6)
        XCTAssertEqual(try XCTUnwrap(m.copy).power.averageWatts, 586.43745, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(m.gemmLoop).size, 8192)
    }

    func testAMinimalFileReads() throws {
        let m = try parse(minimal)
        let gemm = try XCTUnwrap(m.gemms.first)
        XCTAssertEqual([gemm.label, "\(gemm.m)×\(gemm.k)×\(gemm.n)"], ["a", "1×8×16"])
        XCTAssertEqual(try XCTUnwrap(gemm.graphSeconds), 5e-6, accuracy: 1e-18)
        XCTAssertNil(gemm.eagerSeconds)
        XCTAssertNil(m.copy)
        XCTAssertTrue(m.decodeAttention.isEmpty)
    }

    func testBrokenFilesNameTheField() {
        let cases: [(String, String)] = [
            (minimal.replacingOccurrences(of: "\"gemm\"", with: "\"gemms\""), "gemms"),
            (minimal.replacingOccurrences(of: "\"M\": 1", with: "\"M\": 0"), "gemm[0].M"),
            (minimal.replacingOccurrences(of: "5.0", with: "-5.0"), "gemm[0].us_per_gemm_graph"),
            (minimal.replacingOccurrences(of: ", \"us_per_gemm_graph\": 5.0", with: ""), "gemm[0].us_per_gemm_graph"),
            (minimal.replacingOccurrences(of: "[{\"label\"", with: "[7, {\"label\""), "gemm[0]"),
            (#"{"device": {"name": "X"}, "gemm": []}"#, "gemm"),
            (#"{"device": {"name": "X"}, "gemm": [{"label": "a", "M": 1, "K": 8, "N": 16, "us_single_eager": 5}], "attention_decode_sdpa": [{"B": 1, "heads": 20, "kv_heads": 3, "head_dim": 8, "ctx": 4, "us": 2}]}"#, "attention_decode_sdpa[0].kv_heads"),
            // Every field in range, their product beyond any count (used to trap in the kernel model).
            (#"{"device": {"name": "X"}, "gemm": [{"label": "a", "M": 1, "K": 8, "N": 16, "us_single_eager": 5}], "attention_decode_sdpa": [{"B": 1048576, "heads": 8192, "kv_heads": 1, "head_dim": 1024, "ctx": 16777216, "us": 2}]}"#, "attention_decode_sdpa[0].B"),
        ]
        for (text, field) in cases {
            XCTAssertThrowsError(try parse(text), field) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains("m.json") && message.contains(field), "\(field): \(message)")
            }
        }
    }
}
