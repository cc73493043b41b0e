import GPUBaseline
import TritModel
import XCTest

/// `ElementwiseFusion.fused`: chains of norms, quantisations, residual adds and gating run as one
/// kernel each, with the intermediate tensors kept on chip.
final class GPUFusionTests: XCTestCase {
    private func steps() throws -> [Graph] {
        let model = try GPUTestFixtures.model("bitnet-b1.58-2B-4T")
        return [try Graph.prefill(model, tokens: 512), try Graph.decode(model, batch: 1, context: 512), try Graph.decode(model, batch: 32, context: 2048)]
    }

    /// Fused execution launches fewer kernels, moves fewer bytes, computes the same FLOPs and is
    /// never slower, in both execution modes and on every step.
    func testFusedIsNeverSlowerAndMovesFewerBytes() throws {
        let config = try GPUTestFixtures.catalog.load("h200")
        for mode in ExecutionMode.allCases {
            let unfused = try GPUModel(config: config, gpus: 1, mode: mode, fusion: .unfused)
            let fused = try GPUModel(config: config, gpus: 1, mode: mode, fusion: .fused)
            for graph in try steps() {
                let a = try unfused.run(graph), b = try fused.run(graph)
                XCTAssertLessThan(b.kernels.count, a.kernels.count, "\(graph.phase) \(mode)")
                XCTAssertLessThan(b.bytes, a.bytes, "\(graph.phase) \(mode)")
                XCTAssertEqual(b.flops, a.flops, "\(graph.phase) \(mode)")
                XCTAssertLessThanOrEqual(b.seconds, a.seconds, "\(graph.phase) \(mode)")
            }
        }
    }

    /// The chains, and what each saves: after o_proj, the residual add, the post-attention norm and
    /// the MLP's quantisation are one kernel; the residual stream it produces is still written (the
    /// next residual add reads it) but not read back by the norm, while the norm's output is
    /// neither written nor read back by the quantisation.
    func testTheResidualNormQuantisationChainSavesWhatItShould() throws {
        let config = try GPUTestFixtures.catalog.load("h200")
        let graph = try Graph.decode(try GPUTestFixtures.model("bitnet-b1.58-2B-4T"), batch: 1, context: 512)
        let unfused = try GPUModel(config: config).run(graph)
        let fused = try GPUModel(config: config, gpus: 1, fusion: .fused).run(graph)
        let chain = try XCTUnwrap(fused.kernels.first { $0.name == "model.layers.0.attn_residual+post_attention_layernorm+input_quant" },
                                  "\(fused.kernels.map(\.name).prefix(30))")
        let parts = ["model.layers.0.attn_residual", "model.layers.0.post_attention_layernorm", "model.layers.0.mlp.input_quant"]
        let separate = try parts.map { name in try XCTUnwrap(unfused.kernels.first { $0.name == name }, name) }
        let hiddenRow = Int64(graph.model.hiddenSize) * 2  // one fp16 row: the residual stream and the norm's output
        XCTAssertEqual(chain.bytes, separate.reduce(0) { $0 + $1.bytes } - hiddenRow - 2 * hiddenRow)
        XCTAssertEqual(chain.flops, separate.reduce(0) { $0 + $1.flops })
        // Linear layers and attention are never merged.
        XCTAssertEqual(fused.kernels.filter { $0.name.hasSuffix("q_proj") }.count, unfused.kernels.filter { $0.name.hasSuffix("q_proj") }.count)
    }
}
