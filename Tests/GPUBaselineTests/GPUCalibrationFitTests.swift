import Foundation
import GPUBaseline
import TritCore
import TritTestSupport
import XCTest

/// The H200 model against the real H200 measurements in `Configs/validation/h200-fp16-calibration.json`
/// (read at test time), through `GPUValidation` — the comparison `tritsim validate gpu` prints.
final class GPUCalibrationFitTests: XCTestCase {
    private func validation() throws -> GPUValidation {
        let measurements = try GPUMeasurements.load(file: RepositoryPaths.validation.appendingPathComponent("h200-fp16-calibration.json"))
        return try GPUValidation(model: GPUModel(config: try GPUTestFixtures.catalog.load("h200")), measurements: measurements)
    }

    private func group(_ name: String) throws -> GPUValidation.Group {
        try XCTUnwrap(try validation().groups.first { $0.name == name }, "no group \(name)")
    }

    func testAll49PointsArePresent() throws {
        XCTAssertEqual(try group("GEMM, CUDA graph").rows.count, 49)
        XCTAssertEqual(try group("GEMM, single eager launch").rows.count, 49)
        XCTAssertEqual(try group("decode attention (SDPA)").rows.count, 6)
    }

    /// Every point with M ≤ 256 within ±20 % of `us_per_gemm_graph`.
    func testGraphModeSmallMWithinTwentyPercent() throws {
        for row in try group("GEMM, CUDA graph").rows {
            let m = try XCTUnwrap(Int(row.label.split(separator: " ").first { $0.hasPrefix("M=") }?.dropFirst(2) ?? ""))
            if m <= 256 { XCTAssertLessThanOrEqual(abs(row.error), 0.20, "\(row.label): modelled error \(100 * row.error)% exceeds ±20%") }
        }
    }

    /// Issue 5 acceptance over all 49 points: median |error| ≤ 8 %, max ≤ 25 % (fails if the median grows past the bound).
    func testGraphModeAllPointsMedianAndMax() throws {
        let graph = try group("GEMM, CUDA graph")
        print(String(format: "h200 graph all 49: median %.1f%% max %.1f%%", 100 * graph.medianAbsoluteError, 100 * graph.maximumAbsoluteError))
        XCTAssertLessThanOrEqual(graph.medianAbsoluteError, GPUValidation.gemmGraphMedianBound)
        XCTAssertLessThanOrEqual(graph.maximumAbsoluteError, GPUValidation.gemmGraphMaximumBound)
        XCTAssertTrue(graph.withinBounds)
    }

    /// Eager mode: single timed launches; only the ballpark is asked for (median ≤ 15 %, all within 2×).
    func testEagerModeBallpark() throws {
        let eager = try group("GEMM, single eager launch")
        XCTAssertLessThanOrEqual(eager.medianAbsoluteError, 0.15)
        for row in eager.rows { XCTAssertTrue((0.5...2.0).contains(1 + row.error), "\(row.label): eager ratio \(1 + row.error) outside 0.5...2") }
    }

    /// The sustained loops: the copy's power and both loops' energy per call within 10 %. The GEMM
    /// loop's power is not: the model runs it at the burst rate of the GEMM table (778 TFLOP/s in the
    /// same file) while the 2 s loop sustained 650 TFLOP/s, so its modelled power is ~16 % high and
    /// its time ~16 % short, and the two cancel in the energy.
    func testSustainedLoopsEnergyWithinTenPercent() throws {
        let energy = try group("sustained loops: energy per call")
        XCTAssertEqual(energy.rows.count, 2)
        XCTAssertTrue(energy.withinBounds, "\(energy.rows)")
        let power = try group("sustained loops: power")
        let copy = try XCTUnwrap(power.rows.first { $0.label.hasPrefix("copy_sustained") })
        XCTAssertLessThanOrEqual(abs(copy.error), GPUValidation.powerBound)
        let gemm = try XCTUnwrap(power.rows.first { $0.label.hasPrefix("fp16_gemm_sustained") })
        XCTAssertGreaterThan(gemm.error, 0, "burst-rate model draws more power than the sustained loop")
    }
}
