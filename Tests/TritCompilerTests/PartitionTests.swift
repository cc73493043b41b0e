import Foundation
import Testing
import TritChip
@testable import TritCompiler
import TritCore
import TritISA
import TritModel
import TritTestSupport

/// Multi-chip partitioning (DESIGN.md §3): tensor-parallel shards, pipeline stages, link
/// instructions, SRAM-only chips.
@Suite struct PartitionTests {
    let chips = ChipCatalog(folder: RepositoryPaths.chips, technologyFolder: RepositoryPaths.technology)
    let models = ModelCatalog(folder: RepositoryPaths.models)
    var systems: SystemCatalog { SystemCatalog(folder: RepositoryPaths.configs.appendingPathComponent("systems"), chips: chips) }

    /// A system of `tensor` × `pipeline` copies of a chip preset with the edge systems' link.
    func system(_ chip: String, tensor: Int, pipeline: Int) throws -> ResolvedSystem {
        let link = ChipLink(bandwidthBytesPerSecond: 64e9, latencyNanoseconds: 20, energyPicojoulesPerBit: 0.6)
        return ResolvedSystem(config: SystemConfig(name: "test-\(tensor)x\(pipeline)", chip: chip, chips: tensor * pipeline,
                                                   partitioning: .init(tensorParallel: tensor, pipelineStages: pipeline), link: link),
                              chip: try chips.load(chip))
    }

    /// Programs of every distinct stage of a step.
    func programs(_ model: ModelConfig, on system: ResolvedSystem, _ phase: Phase) throws -> [(stages: [Int], program: Program)] {
        let partition = try SystemPartition(model: model, system: system)
        return try partition.programGroups.map { group in
            let stage = partition.stages[group[0]]
            return (group, try Compiler(chip: system.chip, role: stage.role).compile(try partition.graph(stage, phase: phase)).program)
        }
    }

    func dmaBytes(_ program: Program, stream: DMAStream) -> Int64 {
        program.instructions.reduce(Int64(0)) { total, instruction in
            if case let .dmaLoad(s, dram, _) = instruction.operation, s == stream { return total + dram.bytes }
            return total
        }
    }

    @Test func aOneChipSystemCompilesTheSingleChipProgram() throws {
        let model = try models.load("2b4t")
        let one = try system("edge-lpddr5x", tensor: 1, pipeline: 1)
        for phase in [Phase.prefill(tokens: 40), .decode(batch: 2, context: 30)] {
            let graph: Graph
            switch phase {
            case .prefill(let tokens): graph = try Graph.prefill(model, tokens: tokens)
            case .decode(let batch, let context): graph = try Graph.decode(model, batch: batch, context: context)
            }
            let single = try Compiler(chip: try chips.load("edge")).compile(graph).program
            let fromSystem = try programs(model, on: one, phase)
            #expect(fromSystem.count == 1)
            #expect(fromSystem.first?.program == single, "\(phase)")
            #expect(!single.units.contains { $0.kind == .link })
        }
    }

    /// Tensor parallelism of 2 halves every chip's ternary weights and LM head exactly.
    @Test func tensorParallelTwoHalvesEachChipsWeightBytes() throws {
        let model = try models.load("llama3")
        let phase = Phase.decode(batch: 1, context: 16)
        let whole = try Compiler(chip: try chips.load("edge")).compile(try Graph.decode(model, batch: 1, context: 16)).program
        let halves = try programs(model, on: try system("edge-lpddr5x", tensor: 2, pipeline: 1), phase)
        #expect(halves.count == 1)
        let half = try #require(halves.first?.program)
        #expect(dmaBytes(half, stream: .ternaryWeights) * 2 == dmaBytes(whole, stream: .ternaryWeights))
        // fp weights: the untied LM head (vocab 128256, even) halves; the embedding row and the
        // hidden-size norms stay whole on every chip.
        let lmHead = Int64(model.vocabSize) * Int64(model.hiddenSize) * 2
        let replicated = dmaBytes(whole, stream: .fullPrecisionWeights) - lmHead
        #expect(dmaBytes(half, stream: .fullPrecisionWeights) == replicated + lmHead / 2)
        #expect(dmaBytes(half, stream: .ternaryWeights) == Int64(model.layers) * (Int64(model.hiddenSize) * Int64(model.queryWidth + 2 * model.kvWidth + model.queryWidth + 3 * model.intermediateSize) / 2) / 4)
    }

    /// Every all-reduce moves the ring formula's bytes; their number and sizes follow the layers.
    @Test func allReducesAreTheOnesTensorParallelismNeeds() throws {
        for (name, subNorms) in [("bitnet_b1_58-3B", true), ("llama3", false)] {
            let model = try models.load(name)
            let tokens = 3
            let compiled = try programs(model, on: try system("edge-lpddr5x", tensor: 8, pipeline: 1), .decode(batch: tokens, context: 9))
            let program = try #require(compiled.first?.program)
            var reduces: [Int64] = []
            var sent: Int64 = 0
            for instruction in program.instructions {
                guard case let .link(kind, chips, data) = instruction.operation else { continue }
                #expect(kind == .allReduce && chips == 8)
                reduces.append(data.bytes)
                sent += kind.linkBytes(chips: 8, bytes: data.bytes).sent
            }
            let hiddenRows = Int64(tokens * model.hiddenSize * 2)
            let normSums = Int64(tokens * 4)
            let perLayer: [Int64] = subNorms ? [normSums, hiddenRows, normSums, hiddenRows] : [hiddenRows, hiddenRows]
            let expected = [hiddenRows] + Array(repeating: perLayer, count: model.layers).flatMap { $0 }
            #expect(reduces == expected, "\(name)")
            func ring(_ b: Int64) -> Int64 { (2 * 7 * b + 7) / 8 }
            #expect(sent == expected.reduce(0) { $0 + ring($1) }, "\(name)")
        }
    }

    @Test func pipelineStagesCoverEveryLayerOnce() throws {
        let model = try models.load("70B")
        let partition = try SystemPartition(model: model, system: try systems.load("sram-only-tp8-pp16"))
        #expect(partition.stages.count == 16)
        #expect(partition.stages.map(\.layers.count).reduce(0, +) == model.layers)
        for (index, stage) in partition.stages.enumerated() {
            #expect(stage.layers.lowerBound == (index == 0 ? 0 : partition.stages[index - 1].layers.upperBound))
            #expect(stage.chips == (index * 8) ..< (index * 8 + 8))
        }
        #expect(partition.programGroups.map(\.count) == [1, 14, 1])

        // 2B4T over 4 stages: the stage graphs hold every ternary weight exactly once, the
        // embedding on the first, the head on the last; sends and receives between stages.
        let small = try models.load("2b4t")
        let pp4 = try system("edge-lpddr5x", tensor: 1, pipeline: 4)
        let split = try SystemPartition(model: small, system: pp4)
        let phase = Phase.decode(batch: 1, context: 8)
        let graphs = try split.stages.map { try split.graph($0, phase: phase) }
        #expect(graphs.map(\.model.layers) == [7, 8, 7, 8])
        #expect(graphs.reduce(0) { $0 + $1.ternaryParameterCount } == (try Graph.decode(small, batch: 1, context: 8)).ternaryParameterCount)
        #expect(graphs.map { $0.nodes.first?.name ?? "" } == ["model.embed_tokens", "model.layers.7.input_layernorm",
                                                               "model.layers.15.input_layernorm", "model.layers.22.input_layernorm"])
        #expect(graphs.map { $0.nodes.last?.name ?? "" } == ["model.layers.6.mlp_residual", "model.layers.14.mlp_residual",
                                                              "model.layers.21.mlp_residual", "lm_head"])
        for (index, stage) in split.stages.enumerated() {
            let program = try Compiler(chip: pp4.chip, role: stage.role).compile(graphs[index]).program
            let kinds = program.instructions.compactMap { instruction -> LinkKind? in
                if case let .link(kind, _, _) = instruction.operation { return kind }
                return nil
            }
            #expect(kinds == (index == 0 ? [.send] : index == 3 ? [.receive] : [.receive, .send]), "stage \(index)")
            try ProgramCheck.check(program, limits: Compiler.checkLimits(for: pp4.chip), source: "stage \(index)")
        }
    }

    @Test func modelsTheSystemCannotSplitAreRefusedNamingTheField() throws {
        let cases: [(String, ResolvedSystem, String)] = [
            ("2b4t", try system("edge-lpddr5x", tensor: 8, pipeline: 1), "num_attention_heads"),   // 20 heads
            ("2b4t", try system("edge-lpddr5x", tensor: 5, pipeline: 1), "intermediate_size"),     // 6912
            ("llama3", try system("edge-lpddr5x", tensor: 16, pipeline: 1), "num_key_value_heads"), // 8 KV heads
            ("bitnet_b1_58-large", try system("edge-lpddr5x", tensor: 1, pipeline: 25), "num_hidden_layers"),
        ]
        for (name, system, field) in cases {
            do {
                _ = try SystemPartition(model: try models.load(name), system: system)
                Issue.record("\(name) split over \(system.config.name)")
            } catch let error as InputError {
                #expect(error.location == field, "\(error)")
                #expect(error.source.hasSuffix(".json"))
                #expect(error.expected.contains(system.config.name))
            }
        }
    }

    /// SRAM-only chips: no DMA at all; what does not fit the SRAM is refused naming the buffer.
    @Test func sramOnlyChipsKeepEverythingResident() throws {
        let model = try models.load("70B")
        let sramSystem = try systems.load("sram-only-tp8-pp16")
        for phase in [Phase.decode(batch: 1, context: 32), .prefill(tokens: 20)] {
            for (stages, program) in try programs(model, on: sramSystem, phase) {
                #expect(!program.instructions.contains { ProgramCheck.requiredKind(of: $0.operation) == .dma }, "stages \(stages)")
                try ProgramCheck.check(program, limits: Compiler.checkLimits(for: sramSystem.chip), source: "stages \(stages)")
            }
        }
        let cases: [(String, ResolvedSystem, Phase, String)] = [
            ("70B", try system("sram-only-220mib", tensor: 8, pipeline: 2), .decode(batch: 1, context: 8), "sram.weightBufferBytes"),
            ("llama3", try system("sram-only-220mib", tensor: 8, pipeline: 16), .decode(batch: 64, context: 1000), "sram.kvBufferBytes"),
        ]
        for (name, system, phase, field) in cases {
            let partition = try SystemPartition(model: try models.load(name), system: system)
            do {
                _ = try Compiler(chip: system.chip, role: partition.stages[0].role).plan(try partition.graph(partition.stages[0], phase: phase))
                Issue.record("\(name) fit \(system.config.name)")
            } catch let error as InputError {
                #expect(error.location == field, "\(error)")
                #expect(error.source.hasSuffix("sram-only-220mib.json"))
            }
        }
    }
}
