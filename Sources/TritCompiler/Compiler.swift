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

    /// A compiler for `chip` playing `role` in its system.
    public init(chip: ResolvedChip, role: ChipRole = .single) {
        self.chip = chip
        self.role = role
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
        return ProgramCheck.Limits(sramBytes: c.sram.weightBufferBytes + c.sram.activationBufferBytes + c.sram.kvBufferBytes,
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
    /// - Throws: `InputError` from `MemoryPlan.plan` when the model does not fit the chip, or when
    ///   the step would exceed `maximumInstructionsPerStep`.
    /// - Complexity: O(tiles + KV blocks + nodes) instructions per chunk.
    public func compile(_ graph: Graph) throws -> CompiledProgram {
        let precision = Compiler.precision(for: chip)
        let plan = try self.plan(graph)
        var context = LoweringContext(chip: chip, plan: plan, precision: precision, graph: graph, role: role)
        let total = graph.phase.tokensPerStep
        var previousChunkEnd: TokenID? = nil
        for chunk in 0..<plan.chunks {
            let start = chunk * plan.chunkTokens
            let tokens = min(plan.chunkTokens, total - start)
            let isLast = chunk == plan.chunks - 1
            context.nodeDone = Array(repeating: nil, count: graph.nodes.count)
            previousChunkEnd = lowerChunk(graph, start: start, tokens: tokens, isLast: isLast,
                                          after: previousChunkEnd, context: &context)
            previousChunkEnd = context.finishChunk(tokens: tokens, after: previousChunkEnd)  // pipeline send (LoweringContext+Links)
        }
        return CompiledProgram(program: context.builder.build(), plan: plan, precision: precision, graph: graph)
    }

    /// Plans one step without lowering it: cheap, so a run can check every step fits before
    /// simulating any.
    /// - Throws: `InputError` from `MemoryPlan.plan` when the model does not fit the chip, or when
    ///   the step would exceed `maximumInstructionsPerStep`.
    public func plan(_ graph: Graph) throws -> MemoryPlan {
        let plan = try MemoryPlan.plan(graph, on: chip, precision: Compiler.precision(for: chip))
        guard plan.estimatedInstructions <= Compiler.maximumInstructionsPerStep else {
            let c = chip.config
            throw InputError(source: c.errorSource, location: "ternaryArray",
                             expected: "a \(graph.phase.name) step of at most \(Compiler.maximumInstructionsPerStep) instructions (larger arrays, a larger sram.activationBufferBytes, or fewer tokens)",
                             found: "about \(plan.estimatedInstructions) instructions (\(c.ternaryArray.count) arrays of \(c.ternaryArray.rows)×\(c.ternaryArray.columns), \(plan.chunks) chunks of \(plan.chunkTokens) tokens)")
        }
        return plan
    }

    /// Lowers every node for one chunk of `tokens` positions starting at `start`; returns the
    /// token of the chunk's last residual (the next chunk reuses the activation buffer after it).
    private func lowerChunk(_ graph: Graph, start: Int, tokens: Int, isLast: Bool, after previous: TokenID?,
                            context: inout LoweringContext) -> TokenID? {
        let isPrefill: Bool
        if case .prefill = graph.phase { isPrefill = true } else { isPrefill = false }
        var lastResidual: TokenID? = nil
        var index = 0
        let nodes = graph.nodes
        while index < nodes.count {
            let node = nodes[index]
            var done: TokenID? = nil
            switch node.operation {
            case .embedding:
                done = context.lowerEmbedding(chunkNode(node, tokens: tokens), after: previous)
            case .rmsNorm:
                if node.category == .norm, node.layer == nil, isPrefill && !isLast {
                    index += 1
                    continue  // the final norm and LM head run once, for the last prompt position
                }
                let normTokens = node.layer == nil && isPrefill ? 1 : tokens
                if index + 1 < nodes.count, case .activationQuant = nodes[index + 1].operation, nodes[index + 1].inputs == [index] {
                    // Fusion: RMSNorm and int8 quantisation in one pass over the row; the fp16
                    // normalised row is never written back.
                    done = context.lowerRMSNorm(chunkNode(node, tokens: normTokens), fusedQuantize: chunkNode(nodes[index + 1], tokens: normTokens))
                    context.nodeDone[index] = done
                    context.nodeDone[index + 1] = done
                    index += 2
                    continue
                }
                done = context.lowerRMSNorm(chunkNode(node, tokens: normTokens))
            case .activationQuant:
                done = context.lowerVector(chunkNode(node, tokens: tokens), kind: .quantize)
            case let .bitLinear(_, inFeatures, outFeatures):
                if index + 1 < nodes.count, case .residualAdd = nodes[index + 1].operation, nodes[index + 1].inputs.contains(index) {
                    // Fusion: the residual add rides on the dequantisation of each column block.
                    let stream = nodes[index + 1].inputs.filter { $0 != index }.compactMap { context.nodeDone[$0] }
                    done = context.lowerBitLinear(chunkNode(node, tokens: tokens), tokens: tokens, inFeatures: inFeatures,
                                                  outFeatures: outFeatures, fusedResidual: stream)
                    context.nodeDone[index] = done
                    context.nodeDone[index + 1] = done
                    lastResidual = done
                    index += 2
                    continue
                }
                done = context.lowerBitLinear(chunkNode(node, tokens: tokens), tokens: tokens, inFeatures: inFeatures, outFeatures: outFeatures)
            case .rope:
                done = context.lowerVector(chunkNode(node, tokens: tokens), kind: .rope)
            case .kvAppend:
                done = context.lowerKVAppend(chunkNode(node, tokens: tokens), layer: node.layer ?? 0)
            case let .attentionScores(shape):
                // scores, softmax and values are lowered together (blocked online softmax).
                let chunkShape = attentionShape(shape, phase: graph.phase, start: start, tokens: tokens)
                let end = context.lowerAttention(layer: node.layer ?? 0, scores: node, softmax: nodes[index + 1],
                                                 values: nodes[index + 2], shape: chunkShape)
                context.nodeDone[index] = end
                context.nodeDone[index + 1] = end
                context.nodeDone[index + 2] = end
                index += 3
                continue
            case .softmax, .attentionValues:
                break  // handled with attentionScores
            case .gatedActivation:
                done = context.lowerVector(chunkNode(node, tokens: tokens), kind: .gating)
            case .residualAdd:
                done = context.lowerVector(chunkNode(node, tokens: tokens), kind: .residualAdd)
                lastResidual = done
            case let .denseLinear(_, inFeatures, outFeatures, _):
                if isPrefill && !isLast { index += 1; continue }
                let rows = isPrefill ? 1 : tokens
                done = context.lowerDense(chunkNode(node, tokens: rows), tokens: rows, inFeatures: inFeatures, outFeatures: outFeatures)
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

    /// The attention shape of one chunk: prefill chunks attend to the earlier chunks' keys
    /// (read back from the KV cache) plus their own, causally; decode chunks are batch groups.
    private func attentionShape(_ shape: Operator.Attention, phase: Phase, start: Int, tokens: Int) -> Operator.Attention {
        switch phase {
        case .prefill:
            return Operator.Attention(sequences: 1, queries: tokens, cachedKeys: start, heads: shape.heads,
                                       kvHeads: shape.kvHeads, headDim: shape.headDim)
        case .decode:
            return Operator.Attention(sequences: tokens, queries: 1, cachedKeys: shape.cachedKeys, heads: shape.heads,
                                       kvHeads: shape.kvHeads, headDim: shape.headDim)
        }
    }
}
