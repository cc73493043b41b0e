import TritCore
import TritISA
import TritModel

/// Chip-to-chip transfers of a multi-chip system (`ChipRole`, `SystemPartition`), emitted on the
/// link unit with the `link` tag. A lone chip (`ChipRole.single`) emits none of them.
///
/// Tensor parallelism over T chips (ring all-reduces of T chips):
/// - o_proj and down_proj: each chip's dequantised output is a partial sum over its slice of the
///   input features; the tokens × hidden fp16 outputs are all-reduced, then the residual is added
///   (instead of riding on the dequantisation, as on one chip);
/// - the embedding: each chip gathers the rows of its vocabulary slice; the tokens × hidden fp16
///   rows are all-reduced (Megatron's vocab-parallel embedding);
/// - BitNet's sub-layer norms (`attn_sub_norm`, `ffn_sub_norm`) normalise rows split over the
///   chips: each token's fp32 sum of squares is all-reduced (tokens × 4 bytes) before the norm.
///
/// Pipeline parallelism: a stage other than the first receives the tokens × hidden fp16
/// activations before its first layer's input norm; a stage other than the last sends them
/// after each token chunk's last residual add.
extension LoweringContext {
    /// Whether `node`'s output is a partial sum of this chip's slice that the tensor-parallel group
    /// must all-reduce (o_proj and down_proj, the row-parallel layers).
    func reducesOutputAcrossChips(_ node: GraphNode) -> Bool {
        role.tensorParallel > 1 && node.isRowParallelLinear
    }

    /// One all-reduce of `bytes` over the tensor-parallel group, after `waits`.
    mutating func allReduce(bytes: Int64, after waits: [TokenID]) -> TokenID? {
        guard let link, role.tensorParallel > 1 else { return nil }
        return emit(.link(kind: .allReduce, chips: Int32(role.tensorParallel), data: activationRange(bytes: bytes)),
                            on: link, tag: linkTag, waits: waits)
    }

    /// Row-parallel output (o_proj, down_proj under tensor parallelism): all-reduce the tokens ×
    /// `outFeatures` dequantised partial sums, then add the residual stream if the add was fused
    /// (`residual` holds its producers' tokens).
    mutating func allReduceRowParallelOutput(_ node: GraphNode, tokens: Int, outFeatures: Int, after dequantized: TokenID?,
                                             residual: [TokenID]?) -> TokenID? {
        let elements = Int64(tokens) * Int64(outFeatures)
        let reduced = allReduce(bytes: elements * Int64(precision.linearOutputBytes), after: dequantized.map { [$0] } ?? [])
        guard let residual else { return reduced }
        let act = Int64(precision.activationBytes)
        return emit(.vector(kind: .residualAdd, operations: elements, specialOps: 0,
                                    input: activationRange(bytes: 2 * elements * act), output: activationRange(bytes: elements * act)),
                            on: vector, tag: LoweringContext.tag(.residual), waits: (reduced.map { [$0] } ?? []) + residual)
    }

    /// Vocab-parallel embedding: all-reduce the gathered rows (tokens × hidden fp16) after `gathered`.
    mutating func allReduceEmbedding(_ node: GraphNode, after gathered: TokenID?) -> TokenID? {
        guard role.tensorParallel > 1 else { return gathered }
        return allReduce(bytes: node.activationWriteBytes(precision), after: gathered.map { [$0] } ?? [])
    }

    /// What an RMSNorm waits for besides its input: its weights (a DMA when `loadWeights`, unless
    /// resident), the activations from the previous pipeline stage (first norm of a later stage),
    /// and the all-reduced sums of squares (sub-layer norm under tensor parallelism).
    mutating func normPrerequisites(_ node: GraphNode, index: Int, weightBytes bytes: Int64, loadWeights: Bool) -> [TokenID] {
        var ready: [TokenID] = []
        let dram = image.fullPrecisionTensor(ofNode: index)?.range ?? DRAMRange(base: image.bytes, bytes: bytes)
        if chip.config.hasOffChipMemory, loadWeights,
           let weights = emit(.dmaLoad(stream: .fullPrecisionWeights, dram: dram,
                                               sram: activationRange(bytes: bytes)),
                                      on: dataDMA, tag: LoweringContext.tag(node.category), waits: []) {
            ready.append(weights)
        }
        if let link, role.receivesActivations, node.inputs.isEmpty, node.layer != nil,
           let received = emit(.link(kind: .receive, chips: 2, data: activationRange(bytes: node.activationReadBytes(precision))),
                                       on: link, tag: linkTag, waits: []) {
            ready.append(received)
        }
        if role.tensorParallel > 1, node.isSubLayerNorm, case let .rmsNorm(tokens, _) = node.operation,
           let sums = allReduce(bytes: Int64(tokens) * GraphNode.normStatisticBytes, after: inputTokens(node)) {
            ready.append(sums)
        }
        return ready
    }

    /// Ends a token chunk: a stage that feeds the next one sends its tokens × hidden fp16
    /// activations after the chunk's last residual (`after`); returns what the next chunk must
    /// wait for.
    mutating func finishChunk(tokens: Int, after lastResidual: TokenID?) -> TokenID? {
        guard let link, role.sendsActivations else { return lastResidual }
        let bytes = Int64(tokens) * Int64(hiddenSize) * Int64(precision.activationBytes)
        return emit(.link(kind: .send, chips: 2, data: activationRange(bytes: bytes)),
                            on: link, tag: linkTag, waits: lastResidual.map { [$0] } ?? [])
    }
}
