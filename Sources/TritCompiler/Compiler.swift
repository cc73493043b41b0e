import TritChip
import TritCore
import TritISA
import TritModel

/// A program together with the decisions that produced it.
public struct CompiledProgram: Sendable {
    /// The program for the chip's units.
    public var program: Program
    /// The SRAM and DRAM plan.
    public var plan: MemoryPlan
    /// The precision of each tensor kind on this chip.
    public var precision: Precision
    /// The graph that was lowered.
    public var graph: Graph
    /// Where the program expects every weight in DRAM (and, SRAM-only, in the weight buffer).
    public var image: WeightImage
    /// What each instruction computes (one per instruction, in program order) when the compiler
    /// `recordsOrigins`; empty otherwise.
    public var origins: [InstructionOrigin] = []
}

/// Lowers a step graph onto a chip.
///
/// Units: three DMA engines (`dma.weights` streams weight tiles and the LM head through the
/// weight-buffer slots; `dma.kv` streams KV-cache blocks; `dma.data` moves embeddings, norm
/// weights and KV appends), `count` ternary arrays, the vector unit and the attention unit. All
/// DMA engines share the off-chip bandwidth; separate queues let each run ahead of compute.
/// Program order is the graph's topological order, chunk by chunk (see `MemoryPlan`).
public struct Compiler: Sendable {
    /// Most instructions one step may lower to: under 1 GB of host memory and a few seconds of
    /// compiling and simulating in release mode (a run holds one program at a time). Steps
    /// beyond it (tiny arrays, a tiny activation buffer, very long prompts) are refused before
    /// any work is done.
    public static let maximumInstructionsPerStep: Int64 = 8_000_000

    /// The target chip.
    public let chip: ResolvedChip
    /// The chip's part in a multi-chip system (`Partition.swift`); `.single` for a lone chip.
    public let role: ChipRole

    /// Whether compiled programs carry what each instruction computes (`CompiledProgram.origins`),
    /// which the functional executor needs; off by default (it costs memory per instruction).
    public let recordsOrigins: Bool

    /// A compiler for `chip` playing `role` in its system; `recordsOrigins` see above.
    public init(chip: ResolvedChip, role: ChipRole = .single, recordsOrigins: Bool = false) {
        self.chip = chip
        self.role = role
        self.recordsOrigins = recordsOrigins
    }

    /// The precision of each tensor kind on `chip`: packed ternary weights in the chip's format,
    /// int8 BitLinear inputs, fp16 activations and full-precision weights, KV at `kvCacheBits`.
    public static func precision(for chip: ResolvedChip) -> Precision {
        Precision(ternaryWeightBits: chip.config.weightFormat.bitsPerWeight, fullPrecisionWeightBytes: 2, activationBytes: 2,
                  quantizedActivationBytes: 1, linearOutputBytes: 2, kvCacheBits: chip.config.kvCacheBits)
    }

    /// What `chip` offers, for the static checks of a program run on it.
    public static func checkLimits(for chip: ResolvedChip) -> ProgramCheck.Limits {
        let c = chip.config
        return ProgramCheck.Limits(sramBytes: c.sram.totalBytes,
                                   dramBytes: c.offChipMemory.capacityBytes, arrays: c.ternaryArray.count,
                                   arrayRows: c.ternaryArray.rows, arrayColumns: c.ternaryArray.columns,
                                   bitsPerWeight: c.weightFormat.bitsPerWeight, linkUnits: chip.link == nil ? 0 : 1)
    }

    /// The units of every program for `chip`, in `UnitID` order.
    public static func units(for chip: ResolvedChip) -> [UnitDescriptor] {
        [UnitDescriptor(kind: .dma, name: "dma.weights"), UnitDescriptor(kind: .dma, name: "dma.kv"),
         UnitDescriptor(kind: .dma, name: "dma.data")]
            + (0..<chip.config.ternaryArray.count).map { UnitDescriptor(kind: .ternaryArray, name: "array.\($0)") }
            + [UnitDescriptor(kind: .vector, name: "vector"), UnitDescriptor(kind: .attention, name: "attention")]
    }

    /// Compiles one step.
    ///
    /// Program order: chunk by chunk (see `MemoryPlan`). Within a chunk the graph is cut into
    /// stages, each starting at a BitLinear (stage 0 holds the nodes before the first one), and
    /// the chunk's micro-batches flow through them as a wavefront: round r lowers stage s for
    /// micro-batch r − s, for every stage where that micro-batch exists. Every unit's queue then
    /// holds work of different micro-batches in the order the data becomes ready, so the arrays
    /// run stage s for micro-batch i while the vector and attention units finish stage s − 1 for
    /// micro-batch i + 1. With one micro-batch this is plain graph order.
    /// - Throws: `InputError` from `MemoryPlan.plan` when the model does not fit the chip, or when
    ///   the step would exceed `maximumInstructionsPerStep`.
    /// - Complexity: O(tiles × micro-batches + KV blocks + nodes) instructions per chunk.
    public func compile(_ graph: Graph) throws -> CompiledProgram {
        let precision = Compiler.precision(for: chip)
        let plan = try self.plan(graph)
        let image = try WeightImage(graph: graph, chip: chip, precision: precision)
        guard chip.config.hasOffChipMemory || image.bytes <= chip.config.sram.weightBufferBytes else {
            throw InputError(source: chip.config.errorSource, location: "sram.weightBufferBytes",
                             expected: "at least \(image.bytes) bytes to hold the weight image of \(graph.model.name) resident (an SRAM-only chip; tiles packed one by one)",
                             found: "\(chip.config.sram.weightBufferBytes) bytes")
        }
        var context = LoweringContext(chip: chip, plan: plan, precision: precision, graph: graph, image: image, role: role,
                                      recordsOrigins: recordsOrigins)
        let stages = Compiler.stages(of: graph, fusingGateAndUp: plan.fusesGateAndUp)
        let total = graph.phase.tokensPerStep
        var previousChunkEnd: TokenID? = nil
        for (chunk, chunkSlices) in plan.tokenSlices(stepTokens: total).enumerated() {
            let tokens = chunkSlices.reduce(0) { $0 + $1.tokens }
            let slices = chunkSlices.map {
                StepSlice(start: $0.first, tokens: $0.tokens, chunkStart: $0.chunkStart, microBatch: $0.microBatch, microBatches: $0.microBatches,
                          endsStep: chunk == plan.chunks - 1 && $0.microBatch == $0.microBatches - 1)
            }
            var doneByBatch = Array(repeating: [TokenID?](repeating: nil, count: graph.nodes.count), count: slices.count)
            var chunkEnd: TokenID? = nil
            for round in 0..<(stages.count + slices.count - 1) {
                for stage in max(0, round - slices.count + 1)...min(round, stages.count - 1) {
                    let batch = round - stage
                    swap(&context.nodeDone, &doneByBatch[batch])
                    if let residual = lowerNodes(graph, stages[stage], slice: slices[batch], after: previousChunkEnd, context: &context) {
                        chunkEnd = residual
                    }
                    swap(&context.nodeDone, &doneByBatch[batch])
                }
            }
            context.residentWeights = [:]
            previousChunkEnd = context.finishChunk(tokens: tokens, after: chunkEnd)  // pipeline send (LoweringContext+Links)
        }
        guard !context.weightRing.overwrotePinnedChunk else {
            throw InputError(source: chip.config.errorSource, location: "compiler.prefillMicroBatches",
                             expected: "micro-batches whose resident weights fit the weight buffer",
                             found: "\(plan.microBatches) micro-batches overwrite weights a later micro-batch still needs (a planning error; set compiler.prefillMicroBatches to 1)")
        }
        return CompiledProgram(program: context.builder.build(), plan: plan, precision: precision, graph: graph, image: image,
                               origins: context.origins)
    }

    /// Whether the gate projection at `index` is lowered together with the up projection after it
    /// and the gating that reads both (fusion: the arrays interleave gate and up column blocks, and
    /// one vector pass per block pair dequantises both and gates them, so the fp16 gate and up
    /// outputs are never stored — half the FFN's activation footprint). Needs both projections of
    /// the same shape, read by the gating alone.
    static func fusesGateAndUp(_ graph: Graph, at index: Int) -> Bool {
        let nodes = graph.nodes
        guard index >= 0, index + 2 < nodes.count,
              case let .bitLinear(_, gateIn, gateOut) = nodes[index].operation,
              case let .bitLinear(_, upIn, upOut) = nodes[index + 1].operation,
              case .gatedActivation = nodes[index + 2].operation,
              nodes[index + 2].inputs == [index, index + 1] else { return false }
        return gateIn == upIn && gateOut == upOut
    }

    /// The node ranges of the wavefront's stages: one starting at each BitLinear and at each
    /// attention (so a micro-batch's attention overlaps the arrays' work on other micro-batches
    /// instead of sitting between two projections of the same stage), and the nodes before the
    /// first BitLinear.
    /// With `fusingGateAndUp`, fused gate and up projections (`fusesGateAndUp`) form one stage.
    static func stages(of graph: Graph, fusingGateAndUp: Bool) -> [Range<Int>] {
        var starts = [0]
        for (index, node) in graph.nodes.enumerated() where index > 0 {
            switch node.operation {
            case .bitLinear where !(fusingGateAndUp && fusesGateAndUp(graph, at: index - 1)),
                 .attentionScores:
                starts.append(index)
            default: break
            }
        }
        return starts.indices.map { starts[$0]..<($0 + 1 < starts.count ? starts[$0 + 1] : graph.nodes.count) }
    }

    /// Plans one step without lowering it: cheap, so a run can check every step fits before
    /// simulating any.
    /// - Throws: `InputError` from `MemoryPlan.plan` when the model does not fit the chip, or when
    ///   the step would exceed `maximumInstructionsPerStep`.
    public func plan(_ graph: Graph) throws -> MemoryPlan {
        let plan = try MemoryPlan.plan(graph, on: chip, precision: Compiler.precision(for: chip),
                                       pipelineByDefault: role.tensorParallel == 1)
        guard plan.estimatedInstructions <= Compiler.maximumInstructionsPerStep else {
            let c = chip.config
            throw InputError(source: c.errorSource, location: "ternaryArray",
                             expected: "a \(graph.phase.name) step of at most \(Compiler.maximumInstructionsPerStep) instructions (larger arrays, a larger sram.activationBufferBytes, or fewer tokens)",
                             found: "about \(plan.estimatedInstructions) instructions (\(c.ternaryArray.count) arrays of \(c.ternaryArray.rows)×\(c.ternaryArray.columns), \(plan.chunks) chunks of \(plan.chunkTokens) tokens)")
        }
        return plan
    }

    /// Lowers the nodes of `range` for the token positions of `slice`; returns the token of the
    /// last residual add lowered (the next chunk reuses the activation buffer after it).
    private func lowerNodes(_ graph: Graph, _ range: Range<Int>, slice: StepSlice, after previous: TokenID?,
                            context: inout LoweringContext) -> TokenID? {
        let isPrefill: Bool
        if case .prefill = graph.phase { isPrefill = true } else { isPrefill = false }
        let tokens = slice.tokens
        context.rows = slice.start ..< slice.start + tokens
        var lastResidual: TokenID? = nil
        var index = range.lowerBound
        let nodes = graph.nodes
        while index < range.upperBound {
            let node = nodes[index]
            var done: TokenID? = nil
            switch node.operation {
            case .embedding:
                done = context.lowerEmbedding(chunkNode(node, tokens: tokens), index: index, after: previous)
            case .rmsNorm:
                if node.category == .norm, node.layer == nil, isPrefill && !slice.endsStep {
                    index += 1
                    continue  // the final norm and LM head run once, for the last prompt position
                }
                // The final norm of a prefill runs once, for the last position (in the last slice).
                let runsOnce = node.layer == nil && isPrefill
                let normTokens = runsOnce ? 1 : tokens
                let normRows = runsOnce ? context.rows.upperBound - 1 ..< context.rows.upperBound : context.rows
                if index + 1 < nodes.count, case .activationQuant = nodes[index + 1].operation, nodes[index + 1].inputs == [index] {
                    // Fusion: RMSNorm and int8 quantisation in one pass over the row; the fp16
                    // normalised row is never written back.
                    done = context.lowerRMSNorm(chunkNode(node, tokens: normTokens), index: index, fusedQuantize: chunkNode(nodes[index + 1], tokens: normTokens),
                                                loadWeights: slice.microBatch == 0 || runsOnce, rows: normRows)
                    context.nodeDone[index] = done
                    context.nodeDone[index + 1] = done
                    index += 2
                    continue
                }
                done = context.lowerRMSNorm(chunkNode(node, tokens: normTokens), index: index, loadWeights: slice.microBatch == 0 || runsOnce,
                                            rows: normRows)
            case .activationQuant:
                done = context.lowerVector(chunkNode(node, tokens: tokens), index: index, kind: .quantize)
            case let .bitLinear(_, inFeatures, outFeatures):
                if context.plan.fusesGateAndUp, Compiler.fusesGateAndUp(graph, at: index) {
                    done = context.lowerBitLinear(chunkNode(node, tokens: tokens), index: index, slice: slice, inFeatures: inFeatures,
                                                  outFeatures: 2 * outFeatures, gating: chunkNode(nodes[index + 2], tokens: tokens))
                    context.nodeDone[index] = done
                    context.nodeDone[index + 1] = done
                    context.nodeDone[index + 2] = done
                    index += 3
                    continue
                }
                if index + 1 < nodes.count, case .residualAdd = nodes[index + 1].operation, nodes[index + 1].inputs.contains(index) {
                    // Fusion: the residual add rides on the dequantisation of each column block.
                    let stream = nodes[index + 1].inputs.filter { $0 != index }.compactMap { context.nodeDone[$0] }
                    done = context.lowerBitLinear(chunkNode(node, tokens: tokens), index: index, slice: slice, inFeatures: inFeatures,
                                                  outFeatures: outFeatures, fusedResidual: stream)
                    context.nodeDone[index] = done
                    context.nodeDone[index + 1] = done
                    lastResidual = done
                    index += 2
                    continue
                }
                done = context.lowerBitLinear(chunkNode(node, tokens: tokens), index: index, slice: slice, inFeatures: inFeatures,
                                              outFeatures: outFeatures)
            case .rope:
                done = context.lowerVector(chunkNode(node, tokens: tokens), index: index, kind: .rope)
            case .kvAppend:
                done = context.lowerKVAppend(chunkNode(node, tokens: tokens), index: index, layer: node.layer ?? 0)
            case let .attentionScores(shape):
                // scores, softmax and values are lowered together (blocked online softmax).
                let sliceShape = attentionShape(shape, phase: graph.phase, slice: slice)
                let end = context.lowerAttention(layer: node.layer ?? 0, index: index, scores: node, softmax: nodes[index + 1],
                                                 values: nodes[index + 2], shape: sliceShape,
                                                 memoryKeys: isPrefill ? slice.chunkStart : shape.cachedKeys, isDecode: !isPrefill)
                context.nodeDone[index] = end
                context.nodeDone[index + 1] = end
                context.nodeDone[index + 2] = end
                index += 3
                continue
            case .softmax, .attentionValues:
                break  // handled with attentionScores
            case .gatedActivation:
                done = context.lowerVector(chunkNode(node, tokens: tokens), index: index, kind: .gating)
            case .residualAdd:
                done = context.lowerVector(chunkNode(node, tokens: tokens), index: index, kind: .residualAdd)
                lastResidual = done
            case let .denseLinear(_, inFeatures, outFeatures, _):
                if isPrefill && !slice.endsStep { index += 1; continue }
                let rows = isPrefill ? 1 : tokens
                done = context.lowerDense(chunkNode(node, tokens: rows), index: index, tokens: rows, inFeatures: inFeatures, outFeatures: outFeatures,
                                          rows: isPrefill ? context.rows.upperBound - 1 ..< context.rows.upperBound : context.rows)
            }
            context.nodeDone[index] = done
            index += 1
        }
        return lastResidual
    }

    /// The node with its token count replaced by the chunk's.
    private func chunkNode(_ node: GraphNode, tokens t: Int) -> GraphNode {
        var copy = node
        switch node.operation {
        case let .embedding(_, vocab, hidden): copy.operation = .embedding(tokens: t, vocab: vocab, hidden: hidden)
        case let .rmsNorm(_, width): copy.operation = .rmsNorm(tokens: t, width: width)
        case let .activationQuant(_, width): copy.operation = .activationQuant(tokens: t, width: width)
        case let .bitLinear(_, i, o): copy.operation = .bitLinear(tokens: t, inFeatures: i, outFeatures: o)
        case let .rope(_, h, kv, d): copy.operation = .rope(tokens: t, heads: h, kvHeads: kv, headDim: d)
        case let .kvAppend(_, kv, d): copy.operation = .kvAppend(tokens: t, kvHeads: kv, headDim: d)
        case let .gatedActivation(_, w, act): copy.operation = .gatedActivation(tokens: t, width: w, activation: act)
        case let .residualAdd(_, w): copy.operation = .residualAdd(tokens: t, width: w)
        case let .denseLinear(_, i, o, shared): copy.operation = .denseLinear(tokens: t, inFeatures: i, outFeatures: o, sharedWeights: shared)
        case .attentionScores, .softmax, .attentionValues: break
        }
        return copy
    }

    /// The attention shape of one slice: a prefill slice's queries attend causally to every
    /// earlier position (earlier chunks from the KV cache, earlier micro-batches of its chunk
    /// on chip) and to themselves; decode slices are batch groups.
    private func attentionShape(_ shape: Operator.Attention, phase: Phase, slice: StepSlice) -> Operator.Attention {
        switch phase {
        case .prefill:
            return Operator.Attention(sequences: 1, queries: slice.tokens, cachedKeys: slice.start, heads: shape.heads,
                                       kvHeads: shape.kvHeads, headDim: shape.headDim)
        case .decode:
            return Operator.Attention(sequences: slice.tokens, queries: 1, cachedKeys: shape.cachedKeys, heads: shape.heads,
                                       kvHeads: shape.kvHeads, headDim: shape.headDim)
        }
    }
}

/// The token positions one pass over a stage lowers: one micro-batch of one chunk.
struct StepSlice {
    /// First position (prefill) or sequence (decode) of the slice within the step.
    let start: Int
    /// Positions or sequences in the slice.
    let tokens: Int
    /// First position of the slice's chunk.
    let chunkStart: Int
    /// Index of the micro-batch within its chunk, and the chunk's micro-batch count.
    let microBatch: Int
    let microBatches: Int
    /// Whether this is the step's last slice (prefill runs the final norm and LM head for it).
    let endsStep: Bool
}
