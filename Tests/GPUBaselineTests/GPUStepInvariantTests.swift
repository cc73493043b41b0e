import Foundation
import GPUBaseline
import TritModel
import TritTestSupport
import XCTest

/// Physical invariants of whole steps, for every GPU in `Configs/gpus/` and two models.
final class GPUStepInvariantTests: XCTestCase {
    private func steps(_ model: ModelConfig) throws -> [Graph] {
        [try Graph.prefill(model, tokens: 512), try Graph.decode(model, batch: 1, context: 512)]
    }

    func testEveryGPUIsListed() {
        XCTAssertEqual(GPUTestFixtures.catalog.names(), [
            "a100-40gb-sxm", "a100-80gb-sxm", "h100-sxm", "h200-sxm", "jetson-agx-orin-64gb", "l4", "rtx-4090",
        ])
    }

    func testRooflineBoundsEnergyAndPower() throws {
        for gpuName in GPUTestFixtures.catalog.names() {
            let gpu = try GPUTestFixtures.catalog.load(gpuName)
            let model = GPUModel(config: gpu)
            for modelName in GPUTestFixtures.modelNames {
                for graph in try steps(try GPUTestFixtures.model(modelName)) {
                    for mode in ExecutionMode.allCases {
                        let r = try model.run(graph, mode: mode)
                        let what = "\(gpuName) \(modelName) \(graph.phase) \(mode)"
                        XCTAssertGreaterThan(r.bytes, 0, what)
                        XCTAssertGreaterThanOrEqual(r.seconds, Double(r.bytes) / gpu.peakMemoryBandwidthBytesPerSecond, what)
                        XCTAssertGreaterThanOrEqual(r.seconds, Double(r.flops) / gpu.peakFP16TensorFLOPS, what)
                        let parts = r.energyBreakdownJoules
                        XCTAssertEqual(Set(parts.keys), ["idle", "memory", "compute"], what)
                        XCTAssertEqual(parts.values.reduce(0, +), r.joules, accuracy: r.joules * 1e-12, what)
                        XCTAssertEqual(r.kernels.reduce(0) { $0 + $1.joules }, r.joules, accuracy: r.joules * 1e-9, what)
                        XCTAssertEqual(r.kernels.reduce(0) { $0 + $1.seconds }, r.seconds, accuracy: r.seconds * 1e-9, what)
                        XCTAssertEqual(r.byCategory().reduce(0) { $0 + $1.seconds }, r.seconds, accuracy: r.seconds * 1e-9, what)
                        XCTAssertLessThanOrEqual(r.averagePowerWatts, gpu.boardPowerLimitWatts * (1 + 1e-12), what)
                        XCTAssertEqual(r.averagePowerWatts, r.joules / r.seconds, accuracy: 1e-9 * r.averagePowerWatts, what)
                    }
                }
            }
        }
    }

    /// The step never slows down. Kernels are compared only when neither run is power-capped: the
    /// cap stretches a step's kernels uniformly, so when faster memory pushes a step over the board
    /// limit (the 72 W L4 in prefill) a compute-bound kernel is stretched although the step is not
    /// slower; two capped runs take energy / (limit − idle) each, equal up to rounding.
    func testDoublingBandwidthNeverIncreasesTime() throws {
        for gpuName in GPUTestFixtures.catalog.names() {
            let gpu = try GPUTestFixtures.catalog.load(gpuName)
            var faster = gpu
            faster.peakMemoryBandwidthBytesPerSecond *= 2
            for modelName in GPUTestFixtures.modelNames {
                for graph in try steps(try GPUTestFixtures.model(modelName)) {
                    let base = try GPUModel(config: gpu).run(graph)
                    let doubled = try GPUModel(config: faster).run(graph)
                    XCTAssertLessThanOrEqual(doubled.seconds, base.seconds * (1 + 1e-12), "\(gpuName) \(modelName) \(graph.phase)")
                    for (a, b) in zip(base.kernels, doubled.kernels) where !base.powerCapped && !doubled.powerCapped {
                        XCTAssertLessThanOrEqual(b.seconds, a.seconds, a.name)
                    }
                }
            }
        }
    }

    func testAttentionIsOneFusedKernelPerLayerWithoutScoresInMemory() throws {
        let model = try GPUTestFixtures.model("bitnet-b1.58-2B-4T")
        let graph = try Graph.decode(model, batch: 1, context: 512)
        let r = try GPUModel(config: try GPUTestFixtures.catalog.load("h200")).run(graph)
        let attention = r.kernels.filter { $0.category == .attention }
        XCTAssertEqual(attention.count, model.layers)
        XCTAssertEqual(r.kernels.count, graph.nodes.count - 2 * model.layers)
        // Q read + new K/V read + K/V cache read + output write, all FP16.
        let perSequenceKV = Int64(512 * model.kvHeads * model.headDim * 2)
        let expected = Int64(model.queryWidth * 2) + Int64(2 * model.kvWidth * 2) + 2 * perSequenceKV + Int64(model.queryWidth * 2)
        XCTAssertEqual(attention.first?.bytes, expected)
    }

    func testDecodeBatchOneIsMemoryBoundAndPrefillGEMMsAreNot() throws {
        let model = try GPUTestFixtures.model("bitnet-b1.58-2B-4T")
        let gpu = GPUModel(config: try GPUTestFixtures.catalog.load("h200"))
        let decode = try gpu.run(try Graph.decode(model, batch: 1, context: 512))
        XCTAssertTrue(decode.kernels.allSatisfy(\.memoryBound))
        let prefill = try gpu.run(try Graph.prefill(model, tokens: 512))
        XCTAssertTrue(prefill.kernels.contains { $0.category == .ffnGateUp && !$0.memoryBound })
    }

    func testGraphModeIsFasterThanEager() throws {
        let graph = try Graph.decode(try GPUTestFixtures.model("bitnet-b1.58-2B-4T"), batch: 1, context: 512)
        let gpu = GPUModel(config: try GPUTestFixtures.catalog.load("h200"))
        XCTAssertLessThan(try gpu.run(graph, mode: .graph).seconds, try gpu.run(graph, mode: .eager).seconds)
    }

    func testPowerCapStretchesTimeToTheLimit() throws {
        var config = try GPUTestFixtures.catalog.load("h200")
        config.boardPowerLimitWatts = config.idlePowerWatts + 50
        let graph = try Graph.prefill(try GPUTestFixtures.model("bitnet-b1.58-2B-4T"), tokens: 512)
        let free = try GPUModel(config: try GPUTestFixtures.catalog.load("h200")).run(graph)
        let capped = try GPUModel(config: config).run(graph)
        XCTAssertFalse(free.powerCapped)
        XCTAssertTrue(capped.powerCapped)
        XCTAssertGreaterThan(capped.seconds, free.seconds)
        XCTAssertEqual(capped.averagePowerWatts, config.boardPowerLimitWatts, accuracy: 1e-6)
    }

    func testModelTooLargeForMemoryThrowsWithTheBytesNeeded() throws {
        var config = try GPUTestFixtures.catalog.load("h200")
        config.memoryCapacityBytes = 1_000_000_000
        let graph = try Graph.decode(try GPUTestFixtures.model("bitnet-b1.58-2B-4T"), batch: 1, context: 512)
        XCTAssertThrowsError(try GPUModel(config: config).run(graph)) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("memoryCapacityBytes"), text)
            XCTAssertTrue(text.contains("weights 4825640960"), text)  // 2,412,820,480 parameters × 2 bytes
            XCTAssertTrue(text.contains("found 1000000000 bytes"), text)
        }
    }

    /// Prints the headline numbers of the report (2B4T on H200).
    func testPrintH200Headline() throws {
        let model = try GPUTestFixtures.model("bitnet-b1.58-2B-4T")
        let gpu = GPUModel(config: try GPUTestFixtures.catalog.load("h200"))
        for graph in [try Graph.decode(model, batch: 1, context: 512), try Graph.prefill(model, tokens: 512)] {
            for mode in ExecutionMode.allCases {
                let r = try gpu.run(graph, mode: mode)
                print(String(format: "h200 2B4T %@ %@: %.4f ms, %.4f J, %.1f W, %.3f GB, %.3f GFLOP, %d kernels, capped %@",
                             "\(graph.phase)" as NSString, mode.rawValue as NSString, r.seconds * 1e3, r.joules, r.averagePowerWatts,
                             Double(r.bytes) / 1e9, Double(r.flops) / 1e9, r.kernels.count, "\(r.powerCapped)" as NSString))
                XCTAssertGreaterThan(r.seconds, 0)
            }
        }
    }
}

