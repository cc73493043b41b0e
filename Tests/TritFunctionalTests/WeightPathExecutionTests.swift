import Testing
import TritChip
import TritCompiler
import TritCore
import TritISA
import TritModel
import TritReference
import TritTestSupport
@testable import TritFunctional

/// Issue 4: the chip's ternary path, run on real packed bytes, gives every BitLinear's int32 sums
/// exactly — on every preset, in every weight format, for prefill and decode programs.
@Suite struct WeightPathExecutionTests {
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
            $0.prefillMicroBatches = 2
        }
    }

    /// The reference's int8 input and int32 sums of each BitLinear node of `graph`, by node index.
    static func reference(_ trace: ForwardTrace, graph: Graph) -> (inputs: [Int: Matrix<Int8>], sums: [Int: Matrix<Int32>]) {
        let references = Verification.references(trace, graph: graph)
        return (references.mapValues(\.input), references.mapValues(\.sums))
    }

    /// Compiles `graph` for `chip`, writes `model`'s image and runs the tile path.
    static func run(_ model: ReferenceModel, _ graph: Graph, on chip: ResolvedChip, trace given: ForwardTrace? = nil,
                    edit: (inout Program) -> Void = { _ in }) throws -> (compiled: CompiledProgram, output: WeightPathExecution.Output) {
        var compiled = try Compiler(chip: chip).compile(graph)
        edit(&compiled.program)
        let image = try WeightImageWriter.memory(holding: model, image: compiled.image, graph: graph, chip: chip)
        let trace = try given ?? traceFor(model, graph, prompt: promptTokens(graph))
        let output = try WeightPathExecution.run(compiled, on: chip, image: image, inputs: reference(trace, graph: graph).inputs,
                                                 headInput: trace.finalNorm)
        return (compiled, output)
    }

    static func promptTokens(_ graph: Graph) -> [Int] {
        let count: Int
        switch graph.phase {
        case .prefill(let tokens): count = tokens
        case .decode(_, let context): count = context
        }
        var random = SplitMix64(seed: 42)
        return (0..<count + 1).map { _ in Int(random.next() % UInt64(graph.model.vocabSize)) }
    }

    /// The reference trace of the step `graph` describes: the prompt's prefill, or one decode
    /// token after a prefill of `context` tokens.
    static func traceFor(_ model: ReferenceModel, _ graph: Graph, prompt: [Int]) throws -> ForwardTrace {
        switch graph.phase {
        case .prefill(let tokens):
            return try model.prefill(tokens: Array(prompt.prefix(tokens))).trace
        case .decode(_, let context):
            var cache = try model.prefill(tokens: Array(prompt.prefix(context))).cache
            return try model.decode(token: prompt[context], cache: &cache)
        }
    }

    static func expectExact(_ model: ReferenceModel, _ graph: Graph, on chip: ResolvedChip, _ label: String) throws {
        let trace = try traceFor(model, graph, prompt: promptTokens(graph))
        let (_, output) = try run(model, graph, on: chip, trace: trace)
        let sums = output.sums
        let expected = reference(trace, graph: graph).sums
        // The LM head on the chip's bytes, in the reference's order: the same logits, bit for bit.
        let logits = try #require(output.logits)
        #expect(logits.elements == trace.logits.elements, "\(label): logits differ from the reference")
        #expect(sums.count == 7 * graph.model.layers, "\(label): BitLinears computed")
        for (node, want) in expected {
            let got = sums[node]?.elements ?? []
            let differing = got.count == want.elements.count ? zip(got, want.elements).filter { $0 != $1 }.count : want.elements.count
            #expect(differing == 0, "\(label): \(differing) of \(want.elements.count) sums of \(graph.nodes[node].name) differ from the reference")
        }
    }

    @Test(arguments: ["edge-lpddr5x", "datacenter-hbm3e", "sram-only-220mib"], WeightFormat.allCases)
    func everyPresetAndFormatGivesTheReferenceSums(chipName: String, format: WeightFormat) throws {
        let chip = try Self.chips.load(chipName).with { $0.weightFormat = format }
        for config in [Self.small2B4T, Self.smallSiLUMHA] {
            let model = try ReferenceModel.random(config: config, seed: 7)
            for graph in [try Graph.prefill(config, tokens: 13), try Graph.decode(config, batch: 1, context: 9)] {
                try Self.expectExact(model, graph, on: chip, "\(chipName) \(format) \(config.name) \(graph.phase)")
            }
        }
    }

    /// Split-K partial sums, ragged tiles, several chunks and micro-batches: still exact.
    @Test(arguments: WeightFormat.allCases)
    func smallTilesChunksAndMicroBatchesGiveTheReferenceSums(format: WeightFormat) throws {
        let chip = try Self.smallTileChip().with { $0.weightFormat = format }
        let model = try ReferenceModel.random(config: Self.small2B4T, seed: 11)
        let prefill = try Graph.prefill(Self.small2B4T, tokens: 45)
        let plan = try Compiler(chip: chip).compile(prefill).plan
        #expect(plan.chunks > 1 && plan.microBatches == 2, "the case exercises chunks and micro-batches")
        try Self.expectExact(model, prefill, on: chip, "small tiles \(format) prefill")
        try Self.expectExact(model, try Graph.decode(Self.small2B4T, batch: 1, context: 9), on: chip, "small tiles \(format) decode")
    }

    /// A compiler that drops a tile, or starts a column block's sums over mid-way, is caught.
    @Test func aDroppedTileOrAWrongAccumulateFlagIsCaught() throws {
        let chip = try Self.smallTileChip()
        let model = try ReferenceModel.random(config: Self.small2B4T, seed: 3)
        let graph = try Graph.decode(Self.small2B4T, batch: 1, context: 5)
        let expected = Self.reference(try Self.traceFor(model, graph, prompt: Self.promptTokens(graph)), graph: graph).sums
        let program = try Compiler(chip: chip).compile(graph).program
        let tiles = program.instructions.indices.filter {
            if case .ternaryTile = program.instructions[$0].operation { return true }
            return false
        }
        // Drop one tile (in the middle of the step): the sums differ or the run refuses.
        let dropped = tiles[tiles.count / 2]
        switch Result(catching: { try Self.run(model, graph, on: chip) { $0.instructions.remove(at: dropped) }.output.sums }) {
        case let .success(sums): #expect(sums != expected, "dropping tile \(dropped) went unnoticed")
        case let .failure(error): #expect(error is InputError || error is FunctionalError, "\(error)")
        }
        // Drop an LM-head chunk: its vocabulary rows are never computed.
        let dense = try #require(program.instructions.indices.last {
            if case .matrix(.dense, _, _, _, _) = program.instructions[$0].operation { return true }
            return false
        })
        let headless = try Self.run(model, graph, on: chip) { $0.instructions.remove(at: dense) }.output
        #expect(try #require(headless.logits).elements.contains { $0.isNaN }, "dropping LM-head chunk \(dense) went unnoticed")
        // Flip the accumulate flag of a tile that continues a column block: refused by name.
        let continuing = try #require(tiles.first {
            if case let .ternaryTile(_, _, _, _, _, _, accumulate) = program.instructions[$0].operation { return accumulate }
            return false
        })
        #expect(throws: InputError.self) {
            _ = try Self.run(model, graph, on: chip) { edited in
                if case let .ternaryTile(r, c, t, w, i, a, _) = edited.instructions[continuing].operation {
                    edited.instructions[continuing].operation = .ternaryTile(rows: r, columns: c, tokens: t, weights: w, input: i,
                                                                              accumulator: a, accumulate: false)
                }
            }
        }
    }

    /// Inputs of the wrong shape are refused with the node named, not a trap.
    @Test func aWronglyShapedInputIsRefused() throws {
        let chip = try Self.chips.load("edge-lpddr5x")
        let model = try ReferenceModel.random(config: Self.small2B4T, seed: 5)
        let graph = try Graph.decode(Self.small2B4T, batch: 1, context: 3)
        let compiled = try Compiler(chip: chip).compile(graph)
        let image = try WeightImageWriter.memory(holding: model, image: compiled.image, graph: graph, chip: chip)
        let inputs = compiled.image.ternary.reduce(into: [Int: Matrix<Int8>]()) { $0[$1.node] = Matrix(rows: 1, columns: 7, repeating: 0) }
        #expect {
            _ = try WeightPathExecution.run(compiled, on: chip, image: image, inputs: inputs)
        } throws: { error in
            "\(error)".contains("a 1×256 int8 input for model.layers.0.self_attn.q_proj")
        }
    }
}
