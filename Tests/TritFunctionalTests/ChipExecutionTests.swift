import Testing
import TritChip
import TritCompiler
import TritCore
import TritISA
import TritModel
import TritReference
import TritTestSupport
@testable import TritFunctional

/// Issue 4: the chip's compiled programs, executed on real weight bytes and on their own
/// activations, compute the reference forward pass — every BitLinear's int32 sums exactly, every
/// layer's tensors and the logits bit for bit, the same greedy tokens — on every preset, in every
/// weight format, for prefill and decode programs; and a broken program is caught.
@Suite struct ChipExecutionTests {
    static let chips = ChipCatalog(folder: RepositoryPaths.chips, technologyFolder: RepositoryPaths.technology)

    /// The scaled-down 2B4T: 2 layers, hidden 256, 4/1 heads, FFN 512, vocab 1000, ReLU², sub-norms.
    static let small2B4T = ModelConfig(name: "seeded-2b4t-small", hiddenSize: 256, intermediateSize: 512, layers: 2, attentionHeads: 4,
                                       kvHeads: 1, headDim: 64, vocabSize: 1000, tieWordEmbeddings: true, activation: .relu2,
                                       ropeTheta: 500_000, maxPositionEmbeddings: 4096, rmsNormEps: 1e-5, subNorms: true)
    /// A SiLU, multi-head (no GQA), untied, no-sub-norm variant.
    static let smallSiLUMHA = ModelConfig(name: "seeded-silu-mha-small", hiddenSize: 256, intermediateSize: 512, layers: 2, attentionHeads: 4,
                                          kvHeads: 4, headDim: 64, vocabSize: 1000, tieWordEmbeddings: false, activation: .silu,
                                          ropeTheta: 10_000, maxPositionEmbeddings: 4096, rmsNormEps: 1e-6, subNorms: false)

    /// A chip that splits every layer into many small tiles over 3 arrays (split-K partial sums,
    /// ragged edges), runs a prefill in several chunks and pipelines 2 micro-batches per chunk.
    static func smallTileChip() throws -> ResolvedChip {
        try chips.load("datacenter-hbm3e").with {
            $0.ternaryArray.rows = 96
            $0.ternaryArray.columns = 80
            $0.ternaryArray.count = 3
            $0.ternaryArray.weightLoadBytesPerCycle = 64
            $0.sram.activationBufferBytes = 40_000
            $0.sram.kvBufferBytes = 12_000
            $0.prefillMicroBatches = 2
        }
    }

    /// A verification with everything exact: sums, every layer tensor and the logits bit for bit,
    /// and the same greedy tokens.
    static func expectExact(_ result: Verification.Result, _ label: String) {
        #expect(result.passed, "\(label): verification failed")
        let differingSums = result.comparisons.filter { $0.differing > 0 }
        #expect(differingSums.isEmpty, "\(label): sums differ: \(differingSums.prefix(3))")
        let differingTensors = result.tensors.filter { $0.maximumAbsoluteDifference != 0 }
        #expect(differingTensors.isEmpty, "\(label): tensors differ: \(differingTensors.prefix(3))")
        #expect(result.logits.allSatisfy { $0.maximumAbsoluteDifference == 0 && $0.chipToken == $0.referenceToken },
                "\(label): logits or tokens differ: \(result.logits.filter { $0.maximumAbsoluteDifference != 0 }.prefix(3))")
        #expect(!result.tensors.isEmpty && result.comparisons.count == 7 * 2 * (1 + result.generated.count), "\(label): everything was compared")
    }

    @Test(arguments: ["edge-lpddr5x", "datacenter-hbm3e", "sram-only-220mib"], WeightFormat.allCases)
    func everyPresetAndFormatComputesTheReference(chipName: String, format: WeightFormat) throws {
        let chip = try Self.chips.load(chipName).with { $0.weightFormat = format }
        for config in [Self.small2B4T, Self.smallSiLUMHA] {
            let model = try ReferenceModel.random(config: config, seed: 7)
            let result = try Verification.run(model: model, chip: chip, promptTokens: 13, decodeSteps: 3, seed: 5)
            Self.expectExact(result, "\(chipName) \(format) \(config.name)")
        }
    }

    /// The acceptance: 16 greedy decode steps with identical tokens, in every weight format,
    /// for the 2B4T shape and the SiLU/MHA model.
    @Test(arguments: WeightFormat.allCases)
    func sixteenGreedyDecodeStepsGiveTheReferenceTokens(format: WeightFormat) throws {
        let chip = try Self.chips.load("edge-lpddr5x").with { $0.weightFormat = format }
        for config in [Self.small2B4T, Self.smallSiLUMHA] {
            let model = try ReferenceModel.random(config: config, seed: 21)
            let result = try Verification.run(model: model, chip: chip, promptTokens: 8, decodeSteps: 16, seed: 8)
            #expect(result.generated.count == 16 && result.logits.count == 17)
            Self.expectExact(result, "\(format) \(config.name), 16 decode steps")
        }
    }

    /// A broken compiler pass — one that drops a tile from every program — makes `verify` fail.
    @Test func verifyCatchesACompilerPassThatDropsATile() throws {
        let model = try ReferenceModel.random(config: Self.small2B4T, seed: 4)
        let chip = try Self.chips.load("edge-lpddr5x")
        let result = try Verification.run(model: model, chip: chip, promptTokens: 5, decodeSteps: 2, seed: 1) { compiled in
            guard let tile = compiled.origins.indices.last(where: { if case .tile = compiled.origins[$0].role { return true }; return false }) else { return }
            Self.dropping(tile)(&compiled)
        }
        #expect(!result.passed)
        #expect(result.fault.map { "\($0)".contains("were never computed") } == true, "\(String(describing: result.fault))")
    }

    /// Split-K partial sums, ragged tiles, several chunks (later chunks read the KV cache back from
    /// DRAM) and pipelined micro-batches: still exact.
    @Test(arguments: WeightFormat.allCases)
    func smallTilesChunksAndMicroBatchesComputeTheReference(format: WeightFormat) throws {
        let chip = try Self.smallTileChip().with { $0.weightFormat = format }
        let model = try ReferenceModel.random(config: Self.small2B4T, seed: 11)
        let result = try Verification.run(model: model, chip: chip, promptTokens: 45, decodeSteps: 2, seed: 3)
        #expect(result.prefillPlan.chunks > 1 && result.prefillPlan.microBatches == 2, "the case exercises chunks and micro-batches")
        Self.expectExact(result, "small tiles \(format)")
    }

    /// A batched decode step: each sequence attends to its own cache.
    @Test func aBatchedDecodeStepComputesEverySequence() throws {
        let chip = try Self.smallTileChip()
        let config = Self.small2B4T
        let model = try ReferenceModel.random(config: config, seed: 2)
        let prompts = [[5, 9, 400, 17], [61, 2, 999, 3]]
        let compiler = Compiler(chip: chip, recordsOrigins: true)
        var chipCache = ChipKVCache(config: config, sequences: 2)
        var caches: [KVCache] = []
        for (sequence, prompt) in prompts.enumerated() {
            caches.append(try model.prefill(tokens: prompt).cache)
            // Fill the chip's cache of this sequence with a batch-1 prefill of its prompt.
            var single = ChipKVCache(config: config)
            let compiled = try compiler.compile(try Graph.prefill(config, tokens: prompt.count))
            let image = try WeightImageWriter.memory(holding: model, image: compiled.image, graph: compiled.graph, chip: chip)
            _ = try ChipExecution.run(compiled, on: chip, image: image, rope: model.rope, tokens: prompt, cache: &single)
            for layer in 0..<config.layers {
                let rows = try single.rows(layer: layer, sequence: 0, positions: 0..<prompt.count)
                try chipCache.append(layer: layer, sequence: sequence, positions: 0..<prompt.count, keys: Array(rows.keys), values: Array(rows.values))
            }
        }
        let next = [77, 300]
        let compiled = try compiler.compile(try Graph.decode(config, batch: 2, context: 4))
        let image = try WeightImageWriter.memory(holding: model, image: compiled.image, graph: compiled.graph, chip: chip)
        let output = try ChipExecution.run(compiled, on: chip, image: image, rope: model.rope, tokens: next, cache: &chipCache)
        for sequence in 0..<2 {
            let trace = try model.decode(token: next[sequence], cache: &caches[sequence])
            #expect(output.logits.row(sequence) == trace.lastLogits, "sequence \(sequence): logits differ from the reference")
        }
    }

    /// Micro-batches keep a stage's tiles resident; with tiny tiles each padded to whole bytes the
    /// tiles take more room than the nominal bits per weight say. The planner counts the padded
    /// bytes: a weight buffer that cannot hold them is refused up front (it used to compile a
    /// program whose second micro-batch read tiles that had been overwritten — found by `verify`),
    /// and one that can runs exactly.
    @Test func paddedTinyTilesCountInTheMicroBatchWindow() throws {
        let config = ModelConfig(name: "tiny", hiddenSize: 64, intermediateSize: 128, layers: 1, attentionHeads: 2, kvHeads: 1, headDim: 32,
                                 vocabSize: 50, tieWordEmbeddings: true, activation: .relu2, ropeTheta: 10_000, maxPositionEmbeddings: 64,
                                 rmsNormEps: 1e-5, subNorms: true)
        func chip(weightBufferBytes: Int64) throws -> ResolvedChip {
            try Self.chips.load("edge-lpddr5x").with {
                $0.ternaryArray.rows = 2
                $0.ternaryArray.columns = 2
                $0.ternaryArray.count = 1
                $0.weightFormat = .tl2
                $0.sram.weightBufferBytes = weightBufferBytes
                $0.prefillMicroBatches = 2
            }
        }
        // Two consecutive stages (e.g. gate and up, 64 → 128 each) take 2 × 2048 tiles × 2 bytes =
        // 8 KiB padded, 3.3 KiB at TL2's nominal 5/3 bits per weight: an 8000-byte buffer fits the
        // nominal size, not the real one.
        let tight = try chip(weightBufferBytes: 8_000)
        #expect {
            _ = try Compiler(chip: tight).compile(try Graph.prefill(config, tokens: 2))
        } throws: { error in
            "\(error)".contains("compiler.prefillMicroBatches") && "\(error)".contains("needs 8192 bytes")
        }
        let roomy = try chip(weightBufferBytes: 24_000)
        let model = try ReferenceModel.random(config: config, seed: 9)
        let result = try Verification.run(model: model, chip: roomy, promptTokens: 4, decodeSteps: 1, seed: 2)
        #expect(result.prefillPlan.microBatches == 2)
        #expect(result.passed && result.comparisons.allSatisfy { $0.differing == 0 })
    }

    /// A model whose reference forward pass overflows fp32 is refused: chip and reference would agree
    /// on meaningless values.
    @Test func aModelThatOverflowsIsRefused() throws {
        let model = try ReferenceModel.random(config: Self.small2B4T, seed: 1)
        let huge = [Float](repeating: 3e38, count: model.config.hiddenSize)
        let overflowing = try ReferenceModel(config: model.config, embedding: model.embedding, layers: model.layers, finalNorm: huge,
                                             lmHead: model.separateLMHead)
        #expect {
            _ = try Verification.run(model: overflowing, chip: try Self.chips.load("edge-lpddr5x"), promptTokens: 3, decodeSteps: 1, seed: 1)
        } throws: { error in
            "\(error)".contains("expected a model whose reference forward pass stays finite, found non-finite logits at the prefill")
        }
    }

    // MARK: A broken program is caught

    /// The 2B4T-shaped model, its prefill compiled for the small-tile chip, and a decode step after it.
    struct Case {
        let chip: ResolvedChip
        let model: ReferenceModel
        let image: FunctionalMemory
        let decode: CompiledProgram
        let cacheAfterPrefill: ChipKVCache
        let token = 123

        init() throws {
            chip = try ChipExecutionTests.smallTileChip()
            model = try ReferenceModel.random(config: ChipExecutionTests.small2B4T, seed: 3)
            let compiler = Compiler(chip: chip, recordsOrigins: true)
            let prompt = [1, 2, 3, 4, 5, 6]
            let prefill = try compiler.compile(try Graph.prefill(model.config, tokens: prompt.count))
            image = try WeightImageWriter.memory(holding: model, image: prefill.image, graph: prefill.graph, chip: chip)
            var cache = ChipKVCache(config: model.config)
            _ = try ChipExecution.run(prefill, on: chip, image: image, rope: model.rope, tokens: prompt, cache: &cache)
            cacheAfterPrefill = cache
            decode = try compiler.compile(try Graph.decode(model.config, batch: 1, context: prompt.count))
        }

        /// The decode step with `edit` applied to its program and origins.
        func run(_ edit: (inout CompiledProgram) -> Void = { _ in }) throws -> ChipExecution.Output {
            var compiled = decode
            edit(&compiled)
            var cache = cacheAfterPrefill
            return try ChipExecution.run(compiled, on: chip, image: image, rope: model.rope, tokens: [token], cache: &cache)
        }

        /// Index of the `n`-th instruction (0 first, −1 last) whose origin satisfies `matches`.
        func instruction(_ n: Int = 0, where matches: (InstructionOrigin.Role) -> Bool) throws -> Int {
            let indices = decode.origins.indices.filter { matches(decode.origins[$0].role) }
            return try #require(n >= 0 ? indices.dropFirst(n).first : indices.last)
        }
    }

    /// Removes instruction `index` and its origin.
    static func dropping(_ index: Int) -> (inout CompiledProgram) -> Void {
        { compiled in
            compiled.program.instructions.remove(at: index)
            compiled.origins.remove(at: index)
        }
    }

    /// The error a run throws, as text ("" when it does not throw).
    static func failure(_ body: () throws -> ChipExecution.Output) -> String {
        do {
            _ = try body()
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func theUnbrokenDecodeStepIsExact() throws {
        let c = try Case()
        var cache = try c.model.prefill(tokens: [1, 2, 3, 4, 5, 6]).cache
        let trace = try c.model.decode(token: c.token, cache: &cache)
        #expect(try c.run().logits.row(0) == trace.lastLogits)
    }

    @Test func aDroppedTileIsCaughtAtItsDequantisation() throws {
        let c = try Case()
        let instructions = c.decode.program.instructions
        func accumulates(_ index: Int) -> Bool? {
            if case let .ternaryTile(_, _, _, _, _, _, accumulate) = instructions[index].operation { return accumulate }
            return nil
        }
        func nextOnSameArray(_ index: Int) -> Int? {
            instructions.indices.dropFirst(index + 1).first { instructions[$0].unit == instructions[index].unit }
        }
        // The last tile of a run of row blocks (it accumulates, the array's next tile does not):
        // nothing after it notices it is gone but the dequantisation of its column block.
        let last = try #require(instructions.indices.first { index in
            accumulates(index) == true && (nextOnSameArray(index).map { accumulates($0) == false } ?? true)
        })
        let message = Self.failure { try c.run(Self.dropping(last)) }
        #expect(message.contains("were never computed"), "\(message)")
        // The first tile of a run: the next one has nothing to accumulate into.
        let first = try #require(instructions.indices.first { index in
            accumulates(index) == false && nextOnSameArray(index).flatMap(accumulates) == true
        })
        #expect(Self.failure { try c.run(Self.dropping(first)) }.contains("the array holds no partial sums"))
    }

    @Test func aFlippedAccumulateFlagIsRefused() throws {
        let c = try Case()
        let continuing = try #require(c.decode.program.instructions.indices.first {
            if case let .ternaryTile(_, _, _, _, _, _, accumulate) = c.decode.program.instructions[$0].operation { return accumulate }
            return false
        })
        let message = Self.failure {
            try c.run { compiled in
                if case let .ternaryTile(r, col, t, w, i, a, _) = compiled.program.instructions[continuing].operation {
                    compiled.program.instructions[continuing].operation = .ternaryTile(rows: r, columns: col, tokens: t, weights: w, input: i,
                                                                                        accumulator: a, accumulate: false)
                }
            }
        }
        #expect(message.contains("accumulate=false, which would overwrite them"), "\(message)")
    }

    @Test func aDroppedDequantisationLeavesItsInputUnwritten() throws {
        let c = try Case()
        let dequantize = try c.instruction { if case .dequantize = $0 { return true }; return false }
        let message = Self.failure { try c.run(Self.dropping(dequantize)) }
        #expect(message.contains("which no instruction has written") || message.contains("that no dequantisation read"), "\(message)")
    }

    @Test func aDroppedLMHeadChunkLeavesLogitsUncomputed() throws {
        let c = try Case()
        let dense = try c.instruction(-1) { if case .dense = $0 { return true }; return false }
        #expect(try c.run(Self.dropping(dense)).logits.row(0).contains { $0.isNaN })
    }

    @Test func aDroppedKVStoreOrLoadOrSoftmaxIsCaught() throws {
        let c = try Case()
        let store = try c.instruction { if case .kvStore = $0 { return true }; return false }
        #expect(Self.failure { try c.run(Self.dropping(store)) }.contains("without storing the keys and values of layer 0"))
        let load = try c.instruction { if case .kvLoad = $0 { return true }; return false }
        #expect(Self.failure { try c.run(Self.dropping(load)) }.contains("which holds nothing"))
        let softmax = try c.instruction { if case .softmax = $0 { return true }; return false }
        #expect(Self.failure { try c.run(Self.dropping(softmax)) }.contains("whose softmax no instruction computed"))
    }

    @Test func aSkippedKeyBlockIsCaught() throws {
        let c = try Case()
        // Drop a whole block: its load, scores, softmax and values.
        let load = try c.instruction { if case .kvLoad = $0 { return true }; return false }
        guard case let .kvLoad(layer, block) = c.decode.origins[load].role else { return }
        let blockInstructions = c.decode.origins.indices.filter {
            switch c.decode.origins[$0].role {
            case let .kvLoad(l, b), let .scores(l, b), let .softmax(l, b): return l == layer && b == block
            case let .values(l, b, last): return l == layer && b == block && !last
            default: return false
            }
        }
        try #require(blockInstructions.count == 4, "the first cached block is not the last one of its layer")
        let message = Self.failure {
            try c.run { compiled in
                for index in blockInstructions.reversed() { Self.dropping(index)(&compiled) }
            }
        }
        #expect(message.contains("ends the attention of layer \(layer)"), "\(message)")
    }

    @Test func tokensThatDoNotMatchTheStepAreRefused() throws {
        let c = try Case()
        var cache = c.cacheAfterPrefill
        #expect(throws: InputError.self) {
            _ = try ChipExecution.run(c.decode, on: c.chip, image: c.image, rope: c.model.rope, tokens: [1, 2], cache: &cache)
        }
        let unrecorded = try Compiler(chip: c.chip).compile(c.decode.graph)
        #expect(throws: InputError.self) {
            _ = try ChipExecution.run(unrecorded, on: c.chip, image: c.image, rope: c.model.rope, tokens: [1], cache: &cache)
        }
    }
}
