import Foundation
import Testing
import TritCore
import TritModel
import TritTestSupport

/// One device's step under Megatron-style tensor parallelism (`Graph.tensorParallelShard`), and
/// what the group all-reduces (`GraphNode.tensorParallelAllReduceBytes`).
@Suite struct TensorParallelGraphTests {
    let catalog = ModelCatalog(folder: RepositoryPaths.models)

    @Test func shardSplitsEverythingButTheHiddenSizeNorms() throws {
        let model = try catalog.load("bitnet-b1.58-70B")
        let whole = try Graph.decode(model, batch: 2, context: 64)
        #expect(try whole.tensorParallelShard(degree: 1, context: "test").nodes == whole.nodes)
        let shard = try whole.tensorParallelShard(degree: 4, context: "--gpus 4")
        #expect(shard.phase == whole.phase)
        #expect(shard.nodes.count == whole.nodes.count)
        let replicated = Int64(2 * model.layers + 1) * Int64(model.hiddenSize)
        #expect(4 * (shard.parameterCount - replicated) == whole.parameterCount - replicated)
        #expect(4 * shard.fullPrecisionMACs == whole.fullPrecisionMACs)
        #expect(4 * shard.ternaryMACs == whole.ternaryMACs)
    }

    @Test func allReducedTensorsAreTheRowParallelOutputsTheEmbeddingAndTheSubNormStatistics() throws {
        let model = try catalog.load("bitnet-b1.58-70B")
        let tokens = 5
        let shard = try Graph.prefill(model, tokens: tokens).tensorParallelShard(degree: 8, context: "test")
        let reduced = shard.nodes.compactMap { node in node.tensorParallelAllReduceBytes(.fp16Everywhere).map { (node, $0) } }
        #expect(reduced.count == 4 * model.layers + 1)
        for (node, bytes) in reduced {
            let expected = node.isSubLayerNorm ? Int64(tokens) * GraphNode.normStatisticBytes : Int64(tokens * model.hiddenSize * 2)
            #expect(bytes == expected, "\(node.name)")
            #expect(node.isSubLayerNorm || node.isRowParallelLinear || node.category == .embedding, "\(node.name)")
        }
    }

    @Test func refusesADegreeThatDoesNotDivideTheKVHeadsNamingTheContext() throws {
        let model = try catalog.load("bitnet-b1.58-70B")
        #expect(throws: InputError.self) { try Graph.decode(model, batch: 1, context: 1).tensorParallelShard(degree: 16, context: "--gpus 16") }
        do {
            _ = try Graph.decode(model, batch: 1, context: 1).tensorParallelShard(degree: 16, context: "--gpus 16")
        } catch let error as InputError {
            #expect(error.location == "num_key_value_heads")
            #expect(error.expected.contains("--gpus 16"))
        }
    }
}
