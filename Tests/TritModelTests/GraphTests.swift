import Foundation
import Testing
import TritCore
import TritModel
import TritTestSupport

@Suite struct GraphTests {
    let catalog = ModelCatalog(folder: RepositoryPaths.models)

    @Test func bitnet2B4TParameterCountsMatchThePublishedCheckpoint() throws {
        let model = try catalog.load("bitnet-b1.58-2B-4T")
        for graph in [try Graph.prefill(model, tokens: 512), try Graph.decode(model, batch: 4, context: 100)] {
            #expect(graph.parameterCount == 2_412_820_480)
            #expect(graph.ternaryParameterCount == 2_084_044_800)
        }
    }

    /// Every tensor of the real checkpoint's tensor list is owned by a graph node of the same size.
    @Test func graphNodesMatchTheRealTensorList() throws {
        let url = RepositoryPaths.fixtures.appendingPathComponent("models/bitnet-b1.58-2B-4T-bf16.layer_shapes.txt")
        let text = try String(contentsOf: url, encoding: .utf8)
        var tensors: [String: Int64] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            // "[name] torch.Size([a, b]) count [samples]": the count follows the field ending in "])".
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let shapeEnd = fields.firstIndex(where: { $0.hasSuffix("])") }), shapeEnd + 1 < fields.count,
                  let count = Int64(fields[shapeEnd + 1]) else { continue }
            tensors[String(fields[0]).replacingOccurrences(of: ".weight", with: "")] = count
        }
        #expect(tensors.count == 332)
        #expect(tensors.values.reduce(0, +) == 2_412_820_480)
        let graph = try Graph.decode(try catalog.load("2b4t"), batch: 1, context: 0)
        var owned: [String: Int64] = [:]
        for node in graph.nodes where node.parameterCount > 0 { owned[node.name] = node.parameterCount }
        #expect(owned.count == tensors.count)
        for (name, count) in tensors {
            #expect(owned[name] == count, "tensor \(name)")
        }
    }

    @Test func mhaModelCountsFollowTheConfig() throws {
        let model = try catalog.load("bitnet_b1_58-3B")
        #expect(model.kvHeads == model.attentionHeads)
        #expect(model.headDim == 100)
        let graph = try Graph.decode(model, batch: 1, context: 16)
        // 26 layers × (4 × 3200² + 3 × 3200 × 8640) = 3,221,504,000 ternary weights (docs/reference/bitnet-facts.md §1c).
        #expect(graph.ternaryParameterCount == 3_221_504_000)
        // + tied embedding 32002 × 3200 + 26 × (2·3200 + 3200 + 8640) norm weights + final norm 3200.
        #expect(graph.parameterCount == 3_221_504_000 + 32_002 * 3_200 + 26 * (3 * 3_200 + 8_640) + 3_200)
    }

    @Test func everyShippedModelBuildsAndHasConsistentShapes() throws {
        for name in catalog.configs.names() {
            let model = try catalog.load(name)
            let graph = try Graph.decode(model, batch: 2, context: 10)
            #expect(graph.ternaryParameterCount == Int64(model.layers)
                * (Int64(model.hiddenSize) * Int64(2 * model.queryWidth + 2 * model.kvWidth)
                   + 3 * Int64(model.hiddenSize) * Int64(model.intermediateSize)), "\(name)")
            for (index, node) in graph.nodes.enumerated() {
                #expect(node.inputs.allSatisfy { $0 < index }, "\(name) \(node.name) reads a later node")
            }
        }
    }

    @Test func decodeIsOneTokenPerSequenceAndPrefillIsCausal() throws {
        let model = try catalog.load("2b4t")
        let decode = try Graph.decode(model, batch: 3, context: 100)
        let prefill = try Graph.prefill(model, tokens: 8)
        func scores(_ g: Graph) -> Operator.Attention? {
            for node in g.nodes { if case .attentionScores(let a) = node.operation { return a } }
            return nil
        }
        // Decode: each of 3 sequences scores 100 cached keys + its own new key.
        #expect(scores(decode)?.scoredPairs == Int64(3 * 101))
        // Prefill: position q sees q + 1 keys: 1 + 2 + … + 8 = 36.
        #expect(scores(prefill)?.scoredPairs == Int64(36))
        #expect(decode.ternaryMACs == 3 * decode.ternaryParameterCount)
        #expect(prefill.ternaryMACs == 8 * prefill.ternaryParameterCount)
    }

    @Test func decodeKVReadIsTheWholeCacheOfEveryLayer() throws {
        let model = try catalog.load("2b4t")
        let graph = try Graph.decode(model, batch: 2, context: 512)
        let kvRead = graph.nodes.reduce(Int64(0)) { $0 + $1.kvCacheReadBytes(.fp16Everywhere) }
        // K and V, 30 layers, 2 sequences × 512 positions × 640 values × 2 bytes.
        #expect(kvRead == 2 * 30 * 2 * 512 * 640 * 2)
    }

    @Test func stepBoundsAreEnforced() throws {
        let model = try catalog.load("2b4t")
        #expect(throws: InputError.self) { try Graph.decode(model, batch: 0, context: 1) }
        #expect(throws: InputError.self) { try Graph.decode(model, batch: 1, context: 4096) }
        #expect(throws: InputError.self) { try Graph.prefill(model, tokens: 0) }
        #expect(throws: InputError.self) { try Graph.prefill(model, tokens: 4097) }
        #expect(throws: InputError.self) { try Graph.decode(model, batch: Graph.maximumBatch + 1, context: 1) }
    }
}
