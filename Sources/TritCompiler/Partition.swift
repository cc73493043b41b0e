import TritChip
import TritCore
import TritISA
import TritModel

/// What one chip of a multi-chip system does: which pipeline stage it runs, and how many chips
/// share that stage's layers (tensor parallelism).
///
/// A lone chip has the role `.single`: no link unit, no link instructions, and a program
/// identical to one compiled without a role.
public struct ChipRole: Equatable, Hashable, Sendable {
    /// Chips that share every layer of the stage; each all-reduce spans them. 1 = no tensor parallelism.
    public var tensorParallel: Int
    /// The pipeline stage, 0 ..< `stages`.
    public var stage: Int
    /// Pipeline stages of the system. 1 = no pipeline parallelism.
    public var stages: Int

    /// A role in stage `stage` of `stages`, sharing it with `tensorParallel` chips.
    public init(tensorParallel: Int, stage: Int, stages: Int) {
        self.tensorParallel = tensorParallel
        self.stage = stage
        self.stages = stages
    }

    /// A lone chip.
    public static let single = ChipRole(tensorParallel: 1, stage: 0, stages: 1)

    /// Whether the program talks to other chips (it then has a `link` unit and a `link` tag).
    public var usesLinks: Bool { tensorParallel > 1 || stages > 1 }
    /// Whether the stage's input activations arrive from the previous stage's chip.
    public var receivesActivations: Bool { stage > 0 }
    /// Whether the stage sends its output activations to the next stage's chip.
    public var sendsActivations: Bool { stage < stages - 1 }
}

/// How a model is split over the chips of a system (DESIGN.md §3 "Multi-chip").
///
/// - Tensor parallelism (degree T): every chip of a stage holds the Megatron-style slice of each
///   layer (`ModelConfig.tensorParallelShard`); the chips all-reduce the hidden-size fp16 outputs
///   of o_proj and down_proj before each residual add, the gathered embedding rows
///   (vocab-parallel embedding), and — for BitNet's sub-layer norms, whose rows are split — each
///   token's fp32 sum of squares. The LM head is split over the vocabulary; its logits stay
///   distributed (the reduction that picks the next token is not modelled). Activation
///   quantisation (absmax) uses one scale per token per chip slice.
/// - Pipeline parallelism (P stages): stage s holds a contiguous range of layers
///   (`ModelConfig.pipelineStageLayers`); the first stage also holds the embedding, the last the
///   final norm and LM head. Every stage but the last ends each token chunk with a send of its
///   hidden-size fp16 activations; every stage but the first starts with the matching receive.
/// - Chip c runs stage c / T as tensor rank c mod T. Stages with the same layer count and the
///   same ends compile to the same program, and all chips of a stage run the same program.
public struct SystemPartition: Sendable {
    /// The whole model.
    public let model: ModelConfig
    /// Chips per stage (T).
    public let tensorParallel: Int
    /// The stages in order.
    public let stages: [Stage]

    /// One pipeline stage and the chips that run it.
    public struct Stage: Sendable {
        /// Stage index s.
        public let index: Int
        /// The model layers it holds.
        public let layers: Range<Int>
        /// The role of each of its chips.
        public let role: ChipRole
        /// The tensor-parallel slice of the model with `layers.count` layers: what one of its chips compiles.
        public let model: ModelConfig
        /// The chips that run it: s × T ..< (s + 1) × T.
        public let chips: Range<Int>
        /// Whether it holds the embedding (the first stage).
        public var hasEmbedding: Bool { index == 0 }
        /// Whether it holds the final norm and the LM head (the last stage).
        public var hasHead: Bool { !role.sendsActivations }

        /// Stages with equal keys compile to the same program.
        public var programKey: [Int] { [layers.count, hasEmbedding ? 1 : 0, hasHead ? 1 : 0, role.tensorParallel, role.stages] }
    }

    /// Splits `model` over `system`.
    /// - Throws: `InputError` naming the model file and field when the tensor-parallel degree does
    ///   not divide the heads, KV heads or FFN width, or when there are more stages than layers.
    public init(model: ModelConfig, system: ResolvedSystem) throws {
        let t = system.tensorParallel
        let context = "system \(system.config.name)"
        let shard = try model.tensorParallelShard(degree: t, context: context)
        let ranges = try model.pipelineStageLayers(stages: system.pipelineStages, context: context)
        self.model = model
        tensorParallel = t
        stages = ranges.enumerated().map { index, layers in
            var stageModel = shard
            stageModel.layers = layers.count
            return Stage(index: index, layers: layers, role: ChipRole(tensorParallel: t, stage: index, stages: ranges.count),
                         model: stageModel, chips: (index * t) ..< ((index + 1) * t))
        }
    }

    /// The graph one chip of `stage` runs for a step of `phase`.
    /// - Throws: `InputError` from `Graph.prefill` / `Graph.decode` for a step the model does not allow.
    public func graph(_ stage: Stage, phase: Phase) throws -> Graph {
        let whole: Graph
        switch phase {
        case .prefill(let tokens): whole = try Graph.prefill(stage.model, tokens: tokens)
        case .decode(let batch, let context): whole = try Graph.decode(stage.model, batch: batch, context: context)
        }
        return whole.pipelineStage(firstLayer: stage.layers.lowerBound, embedding: stage.hasEmbedding, head: stage.hasHead)
    }

    /// The distinct programs of the system: groups of stage indices that compile to the same
    /// program, in stage order of their first member.
    public var programGroups: [[Int]] {
        var groups: [[Int]] = []
        var keyIndex: [[Int]: Int] = [:]
        for stage in stages {
            if let group = keyIndex[stage.programKey] {
                groups[group].append(stage.index)
            } else {
                keyIndex[stage.programKey] = groups.count
                groups.append([stage.index])
            }
        }
        return groups
    }
}

extension Compiler {
    /// The units of every program for `chip` in `role`, in `UnitID` order: `units(for:)`, then one
    /// `link` unit when the role talks to other chips.
    public static func units(for chip: ResolvedChip, role: ChipRole) -> [UnitDescriptor] {
        units(for: chip) + (role.usesLinks ? [UnitDescriptor(kind: .link, name: "link")] : [])
    }

    /// The statistics tag of link instructions (appended after the layer categories in programs
    /// of a chip that uses links).
    public static let linkTag = "link"
}
