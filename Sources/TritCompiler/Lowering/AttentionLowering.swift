import TritCore
import TritISA
import TritModel

/// Lowers QKᵀ → softmax → AV for one layer, blocked over the KV cache (online softmax).
///
/// Cached keys and values stream from DRAM in blocks that fill one of the two KV-buffer slots
/// (double buffering): per block, the attention unit computes the scores, the vector unit the
/// running softmax, the attention unit the weighted values. Keys and values produced in this
/// step are already on chip and form a final block with no DMA. GQA: each KV head is read once
/// and shared by its query heads, so KV bytes scale with kvHeads, MACs with heads. KV-cache reads
/// count as `attention` (as in the GPU's fused kernel); `kv_cache` is the append of new keys and values.
extension LoweringContext {
    mutating func lowerAttention(layer: Int, scores: GraphNode, softmax: GraphNode, values: GraphNode,
                                 shape a: Operator.Attention) -> TokenID? {
        let tag = LoweringContext.tag(.attention)
        let queryTokens = inputTokens(scores)
        let valueTokens = inputTokens(values).filter { !queryTokens.contains($0) }
        let kvRowBytes = 2 * precision.kvBytes(Int64(a.kvHeads) * Int64(a.headDim))
        let cachedRows = Int64(a.sequences) * Int64(a.cachedKeys)
        let rowsPerBlock = max(1, plan.kvBlockBytes / kvRowBytes)
        let blocks = ceilDiv(cachedRows, rowsPerBlock)
        let headWork = Int64(a.heads) * Int64(a.headDim)
        let queriesPerSequence = Int64(a.queries)
        var slotFree: [[TokenID]] = [[], []]
        var previous: TokenID? = nil
        var first = true
        func emitBlock(_ context: inout LoweringContext, pairs: Int64, blockBytes: Int64, ready: TokenID?) -> TokenID? {
            var waits = ready.map { [$0] } ?? []
            if first { waits.append(contentsOf: queryTokens) }
            if let previous { waits.append(previous) }
            let macs = pairs * headWork
            let scoreBytes = pairs * Int64(a.heads) * Int64(context.precision.activationBytes)
            let s = context.builder.emit(.matrix(kind: .scores, macs: macs, input: SRAMRange(base: context.plan.kvBufferBase, bytes: blockBytes / 2),
                                                 output: context.activationRange(bytes: scoreBytes)),
                                         on: context.attention, tag: tag, waits: waits) ?? -1
            let p = context.builder.emit(.vector(kind: .softmax, operations: 4 * pairs * Int64(a.heads), specialOps: pairs * Int64(a.heads),
                                                 input: context.activationRange(bytes: scoreBytes), output: context.activationRange(bytes: scoreBytes)),
                                         on: context.vector, tag: tag, waits: [s]) ?? -1
            var valueWaits = [p]
            if first { valueWaits.append(contentsOf: valueTokens) }
            first = false
            return context.builder.emit(.matrix(kind: .values, macs: macs, input: SRAMRange(base: context.plan.kvBufferBase, bytes: blockBytes / 2 + scoreBytes),
                                                output: context.activationRange(bytes: Int64(a.sequences) * queriesPerSequence * headWork * Int64(context.precision.activationBytes))),
                                        on: context.attention, tag: tag, waits: valueWaits)
        }
        for block in 0..<blocks {
            let rows = min(rowsPerBlock, cachedRows - block * rowsPerBlock)
            let bytes = rows * kvRowBytes
            let slot = Int(block % 2)
            var waits = slotFree[slot]
            if let stored = kvStored[layer] { waits.append(stored) }
            let range = SRAMRange(base: plan.kvBufferBase + Int64(slot) * plan.kvBlockBytes, bytes: bytes)
            let ready = builder.emit(.dmaLoad(stream: .kvCache, dram: DRAMRange(base: 0, bytes: bytes), sram: range),
                                     on: kvDMA, tag: tag, waits: waits)
            previous = emitBlock(&self, pairs: queriesPerSequence * rows, blockBytes: bytes, ready: ready)
            slotFree[slot] = previous.map { [$0] } ?? []
        }
        let newPairs = a.scoredPairs - queriesPerSequence * cachedRows
        if newPairs > 0 {
            let onChipBytes = Int64(a.sequences) * queriesPerSequence * kvRowBytes
            previous = emitBlock(&self, pairs: newPairs, blockBytes: onChipBytes, ready: nil)
        }
        return previous
    }
}
