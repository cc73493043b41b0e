import Foundation
import Testing
import TritCore
import TritModel
import TritReference

@Suite struct ForwardTests {
    static let prompt = [17, 4, 999, 250, 3, 3, 512, 0]

    /// Causal masking: the first 5 tokens' every intermediate tensor and logits are the same, bit
    /// for bit, whether or not 3 more tokens follow them in the step.
    @Test(arguments: try ScaledModels.all())
    func laterTokensDoNotChangeEarlierOnes(config: ModelConfig) throws {
        let model = try ReferenceModel.random(config: config, seed: 1)
        let short = try model.prefill(tokens: Array(Self.prompt.prefix(5)), logits: .all).trace
        let long = try model.prefill(tokens: Self.prompt, logits: .all).trace
        for (a, b) in zip(short.layers, long.layers) {
            for ((name, x), (_, y)) in zip(a.bitLinears, b.bitLinears) {
                #expect(x.accumulators.elements == Array(y.accumulators.elements.prefix(x.accumulators.elements.count)), "\(name)")
            }
            #expect(a.attention.elements == Array(b.attention.elements.prefix(a.attention.elements.count)))
            #expect(a.output.elements == Array(b.output.elements.prefix(a.output.elements.count)))
        }
        #expect(short.logits.elements == Array(long.logits.elements.prefix(short.logits.elements.count)))
        // And the causal mask is not vacuous: a different earlier token does change later ones.
        var changed = Self.prompt
        changed[0] = 18
        let other = try model.prefill(tokens: changed, logits: .all).trace
        #expect(other.logits.row(7) != long.logits.row(7))
    }

    /// Prefill 5 tokens then decode 3 with the KV cache = prefill of all 8: the decode steps'
    /// BitLinear sums equal the matching rows of the long prefill exactly, the logits to 1e-5.
    @Test(arguments: try ScaledModels.all())
    func kvCacheDecodeEqualsTheLongerPrefill(config: ModelConfig) throws {
        let model = try ReferenceModel.random(config: config, seed: 2)
        let long = try model.prefill(tokens: Self.prompt, logits: .all).trace
        var (_, cache) = try model.prefill(tokens: Array(Self.prompt.prefix(5)))
        for position in 5 ..< 8 {
            let step = try model.decode(token: Self.prompt[position], cache: &cache)
            #expect(step.positions == position ..< position + 1)
            for (s, l) in zip(step.bitLinears, long.bitLinears) {
                #expect(s.name == l.name)
                #expect(s.trace.accumulators.row(0) == l.trace.accumulators.row(position), "\(s.name) at \(position)")
            }
            #expect(firstRelativeMismatch(step.lastLogits, long.logits.row(position), tolerance: 1e-5) == nil)
        }
        #expect(cache.length == 8)
        #expect(cache.keys.allSatisfy { $0.rows == 8 && $0.columns == config.kvWidth })
    }

    /// Same seed, same model and logits bit for bit; another seed, other logits.
    @Test func sameSeedSameLogits() throws {
        let config = try ScaledModels.bitnet2B4T()
        let a = try ReferenceModel.random(config: config, seed: 42)
        let b = try ReferenceModel.random(config: config, seed: 42)
        #expect(a == b)
        let logitsA = try a.prefill(tokens: Self.prompt).trace.lastLogits
        #expect(logitsA.map(\.bitPattern) == (try b.prefill(tokens: Self.prompt).trace.lastLogits).map(\.bitPattern))
        let c = try ReferenceModel.random(config: config, seed: 43)
        #expect(c.layers[0].qProj != a.layers[0].qProj)
        #expect((try c.prefill(tokens: Self.prompt).trace.lastLogits) != logitsA)
    }

    /// GQA equals MHA with each KV head's weights repeated for its query heads (transformers'
    /// `repeat_kv`): a 4-query / 2-KV model and a 4 / 4 model whose k/v_proj rows are
    /// [kv0, kv0, kv1, kv1] give identical logits. With kvHeads = heads, GQA is MHA.
    @Test func gqaEqualsMHAWithRepeatedKVHeads() throws {
        let gqaConfig = try ScaledModels.scaled("bitnet-b1.58-2B-4T", hidden: 64, ffn: 128, heads: 4, kvHeads: 2, vocab: 50)
        var mhaConfig = gqaConfig
        mhaConfig.kvHeads = 4
        let gqa = try ReferenceModel.random(config: gqaConfig, seed: 5)
        func repeated(_ w: TernaryMatrix) throws -> TernaryMatrix {
            let d = gqaConfig.headDim
            var rows: [Int8] = []
            for head in 0 ..< 4 {
                let kv = head / 2
                rows += w.trits.elements[kv * d * w.inFeatures ..< (kv + 1) * d * w.inFeatures]
            }
            return try TernaryMatrix(trits: Matrix(rows: 4 * d, columns: w.inFeatures, elements: rows), scale: w.scale)
        }
        let mhaLayers = try gqa.layers.map { layer -> LayerWeights in
            var copy = layer
            copy.kProj = try repeated(layer.kProj)
            copy.vProj = try repeated(layer.vProj)
            return copy
        }
        let mha = try ReferenceModel(config: mhaConfig, embedding: gqa.embedding, layers: mhaLayers, finalNorm: gqa.finalNorm,
                                     lmHead: gqa.separateLMHead)
        let tokens = [1, 7, 3, 49, 0, 22]
        let a = try gqa.prefill(tokens: tokens, logits: .all).trace
        let b = try mha.prefill(tokens: tokens, logits: .all).trace
        #expect(a.logits == b.logits)
        #expect(a.layers[1].attention == b.layers[1].attention)
    }

    /// Issue 4's two acceptance architectures: random model, 8-token prefill and 8 greedy decode
    /// steps each, well under a second in a debug build.
    @Test(arguments: [try ScaledModels.bitnet2B4T(), try ScaledModels.siluMHA()])
    func scaledModelsRunQuickly(config: ModelConfig) throws {
        let clock = ContinuousClock()
        var generated: [Int] = []
        let elapsed = try clock.measure {
            let model = try ReferenceModel.random(config: config, seed: 7)
            generated = try model.greedyDecode(prompt: Self.prompt, steps: 9)
        }
        #expect(generated.count == 9)
        #expect(generated.allSatisfy { (0 ..< config.vocabSize).contains($0) })
        #expect(elapsed < .seconds(1), "\(config.name): \(elapsed)")
    }

    /// greedyDecode = prefill, argmax, decode the argmax, … by hand; N tokens need N − 1 decodes.
    @Test func greedyDecodeFeedsBackTheArgmax() throws {
        let model = try ReferenceModel.random(config: try ScaledModels.llamaUntied(), seed: 9)
        var (trace, cache) = try model.prefill(tokens: [5, 6, 7])
        var expected: [Int] = []
        for _ in 0 ..< 4 {
            expected.append(ReferenceModel.argmax(trace.lastLogits))
            trace = try model.decode(token: expected[expected.count - 1], cache: &cache)
        }
        #expect(try model.greedyDecode(prompt: [5, 6, 7], steps: 4) == expected)
        #expect(try model.greedyDecode(prompt: [5, 6, 7], steps: 0) == [])
    }

    @Test func argmaxTakesTheFirstMaximumAndSkipsNaN() {
        #expect(ReferenceModel.argmax([1, 3, 3, 2]) == 1)
        #expect(ReferenceModel.argmax([.nan, -5, -1]) == 2)
        #expect(ReferenceModel.argmax([-.infinity, -.infinity]) == 0)
        #expect(ReferenceModel.argmax([]) == 0)
    }

    /// The untied model's logits come from its own LM head, not the embedding.
    @Test func untiedModelsUseTheirLMHead() throws {
        let model = try ReferenceModel.random(config: try ScaledModels.llamaUntied(), seed: 3)
        let head = try #require(model.separateLMHead)
        #expect(head != model.embedding)
        #expect(model.lmHead == head)
        let trace = try model.prefill(tokens: [1, 2]).trace
        let n = trace.finalNorm.row(0)
        let logit5 = (0 ..< n.count).reduce(Float(0)) { $0 + n[$1] * head[5, $1] }
        #expect(trace.lastLogits[5] == logit5)
    }

    /// Bad steps are refused with a typed error and leave the cache untouched.
    @Test func refusesBadStepsWithoutTouchingTheCache() throws {
        var config = try ScaledModels.scaled("bitnet-b1.58-2B-4T", hidden: 32, ffn: 64, heads: 2, kvHeads: 1, vocab: 10)
        config.maxPositionEmbeddings = 4
        let model = try ReferenceModel.random(config: config, seed: 1)
        var (_, cache) = try model.prefill(tokens: [1, 2, 3])
        let before = cache
        #expect(throws: InputError.self) { try model.forward(tokens: [], cache: &cache) }
        #expect(throws: InputError.self) { try model.forward(tokens: [10], cache: &cache) }
        #expect(throws: InputError.self) { try model.forward(tokens: [-1], cache: &cache) }
        #expect(throws: InputError.self) { try model.forward(tokens: [1, 1], cache: &cache) }   // positions 3, 4 ≥ 4
        var foreign = KVCache(config: try ScaledModels.bitnet2B4T())
        #expect(throws: InputError.self) { try model.decode(token: 1, cache: &foreign) }
        #expect(cache == before)
        _ = try model.decode(token: 1, cache: &cache)                                              // position 3 fits
        #expect(throws: InputError.self) { try model.greedyDecode(prompt: [1, 2, 3], steps: 3) }
        #expect(throws: InputError.self) { try model.greedyDecode(prompt: [1], steps: -1) }
        #expect(try model.greedyDecode(prompt: [1, 2, 3], steps: 2).count == 2)
    }
}
