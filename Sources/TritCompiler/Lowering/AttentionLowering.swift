import TritCore
import TritISA
import TritModel

/// Lowers QKᵀ → softmax → AV for one layer, blocked over the keys (online softmax).
///
/// A block is a run of key rows (keys and values of all KV heads) together with its score tile
/// (the scores of every query of the block's sequence against those keys, all heads); a block
/// fills at most one of the two KV-buffer slots (`MemoryPlan.attentionRowsPerBlock`). Cached keys
/// and values stream from DRAM into the slots (double buffering); keys and values produced in
/// this step are already on chip and are processed in blocks of the same size without DMA. Per
/// block the attention unit computes the scores, the vector unit the running softmax, the
/// attention unit the weighted values. GQA: each KV head is read once and shared by its query
/// heads, so KV bytes scale with kvHeads, MACs with heads. KV-cache reads count as `attention`
/// (as in the GPU's fused kernel); `kv_cache` is the append of new keys and values.
extension LoweringContext {
    /// - Parameters:
    ///   - shape: the slice's attention; `shape.cachedKeys` keys per sequence precede its queries.
    ///   - index: the scores node's index in the graph (the origin of the attention's instructions).
    ///   - memoryKeys: how many of those are read from the KV cache in DRAM; the rest (earlier
    ///     micro-batches of a prefill chunk) are still on chip and are scored in place.
    ///   - isDecode: whether the slice's rows are sequences of a decode batch (one query each)
    ///     rather than positions of one prompt.
    mutating func lowerAttention(layer: Int, index: Int, scores: GraphNode, softmax: GraphNode, values: GraphNode,
                                 shape a: Operator.Attention, memoryKeys: Int, isDecode: Bool) -> TokenID? {
        let tag = LoweringContext.tag(.attention)
        let queryTokens = inputTokens(scores)
        let valueTokens = inputTokens(values).filter { !queryTokens.contains($0) }
        let kvRowBytes = MemoryPlan.kvRowBytes(kvHeads: a.kvHeads, headDim: a.headDim, precision: precision)
        let queriesPerSequence = Int64(a.queries)
        let scoreBytesPerPair = Int64(a.heads) * Int64(precision.activationBytes)
        let rowsPerBlock = plan.attentionRowsPerBlock(kvRowBytes: kvRowBytes, queriesPerSequence: queriesPerSequence,
                                                      heads: a.heads, precision: precision)
        let headWork = Int64(a.heads) * Int64(a.headDim)
        var slotFree: [[TokenID]] = [[], []]
        var previous: TokenID? = nil
        var first = true
        var blockIndex: Int64 = 0
        let outputBytes = Int64(a.sequences) * queriesPerSequence * headWork * Int64(precision.activationBytes)
        /// The weighted-values product of the last block, emitted one block late.
        var pendingValues: (slot: Int, input: SRAMRange, macs: Int64, softmax: TokenID, first: Bool, block: InstructionOrigin.AttentionBlock)? = nil
        // A decode slice's rows are the step's sequences `rows`; a prefill's are positions of sequence 0.
        let firstSequence = isDecode ? rows.lowerBound : 0

        /// Emits the pending values product: it waits for its block's softmax (and, for the
        /// first block, the value rows of this step); its slot is free once it has run.
        func flushValues(_ context: inout LoweringContext, last: Bool) {
            guard let pending = pendingValues else { return }
            pendingValues = nil
            let waits = [pending.softmax] + (pending.first ? valueTokens : [])
            previous = context.emit(.matrix(kind: .values, macs: pending.macs, input: pending.input,
                                            output: context.activationRange(bytes: outputBytes)),
                                    on: context.attention, tag: tag, waits: waits,
                                    node: index, role: .values(layer: layer, block: pending.block, last: last))
            slotFree[pending.slot] = previous.map { [$0] } ?? []
        }

        /// One block: `rows` key rows, `pairs` (query, key) pairs, optionally waiting for its DMA.
        /// Software-pipelined: the attention unit runs this block's scores before the previous
        /// block's values, so it computes while the vector unit runs the previous softmax. The
        /// other slot's score tile is not overwritten early: the attention unit runs in order,
        /// and this block's scores follow the values of the block two back that read its slot.
        func emitBlock(_ context: inout LoweringContext, rows: Int64, pairs: Int64, slot: Int, ready: TokenID?,
                       block: InstructionOrigin.AttentionBlock) {
            let slotBase = context.plan.kvBufferBase + Int64(slot) * context.plan.kvBlockBytes
            let keys = SRAMRange(base: slotBase, bytes: rows * kvRowBytes / 2)
            let valuesRange = SRAMRange(base: slotBase + rows * kvRowBytes / 2, bytes: rows * kvRowBytes / 2)
            let scoreTile = SRAMRange(base: slotBase + rows * kvRowBytes, bytes: pairs * scoreBytesPerPair)
            var waits = ready.map { [$0] } ?? []
            if first { waits.append(contentsOf: queryTokens) }
            let macs = pairs * headWork
            let s = context.emit(.matrix(kind: .scores, macs: macs, input: keys, output: scoreTile),
                                 on: context.attention, tag: tag, waits: waits,
                                 node: index, role: .scores(layer: layer, block: block)) ?? -1
            let p = context.emit(.vector(kind: .softmax, operations: 4 * pairs * Int64(a.heads), specialOps: pairs * Int64(a.heads),
                                         input: scoreTile, output: scoreTile),
                                 on: context.vector, tag: tag, waits: [s],
                                 node: index, role: .softmax(layer: layer, block: block)) ?? -1
            flushValues(&context, last: false)
            pendingValues = (slot, SRAMRange(base: valuesRange.base, bytes: valuesRange.bytes + scoreTile.bytes), macs, p, first, block)
            first = false
        }

        // Cached keys read from the KV cache in memory: streamed from DRAM, sequence by sequence
        // (a block never spans two sequences), or read in place on an SRAM-only chip.
        let memoryKeysPerSequence = Int64(min(memoryKeys, a.cachedKeys))
        for sequence in 0..<a.sequences {
            var key: Int64 = 0
            while key < memoryKeysPerSequence {
                let rows = min(rowsPerBlock, memoryKeysPerSequence - key)
                let block = InstructionOrigin.AttentionBlock(sequences: firstSequence + sequence ..< firstSequence + sequence + 1,
                                                             keys: Int(key) ..< Int(key + rows), fromMemory: true)
                key += rows
                let slot = Int(blockIndex % 2)
                blockIndex += 1
                var waits = slotFree[slot]
                if let stored = kvStored[layer] { waits.append(stored) }
                let bytes = rows * kvRowBytes
                // SRAM-only chip: the cache is resident and its blocks are read in place.
                let ready = !chip.config.hasOffChipMemory ? kvStored[layer]
                    : emit(.dmaLoad(stream: .kvCache, dram: DRAMRange(base: 0, bytes: bytes),
                                    sram: SRAMRange(base: plan.kvBufferBase + Int64(slot) * plan.kvBlockBytes, bytes: bytes)),
                           on: kvDMA, tag: tag, waits: waits, node: index, role: .kvLoad(layer: layer, block: block))
                emitBlock(&self, rows: rows, pairs: queriesPerSequence * rows, slot: slot, ready: ready, block: block)
            }
        }
        // Earlier keys of a prefill chunk still on chip (earlier micro-batches): every query scores
        // every one of them.
        var key = memoryKeysPerSequence
        let cachedKeys = Int64(a.cachedKeys)
        while !isDecode, key < cachedKeys {
            let rows = min(rowsPerBlock, cachedKeys - key)
            let block = InstructionOrigin.AttentionBlock(sequences: firstSequence ..< firstSequence + 1,
                                                         keys: Int(key) ..< Int(key + rows), fromMemory: false)
            key += rows
            let slot = Int(blockIndex % 2)
            blockIndex += 1
            emitBlock(&self, rows: rows, pairs: queriesPerSequence * rows, slot: slot, ready: nil, block: block)
        }
        // Keys of this slice: already on chip; causal pairs shared out over blocks by key rows
        // (a prefill: the slice's positions; a decode batch: one new key per sequence).
        let cachedRows = Int64(a.sequences) * cachedKeys
        let newRows = Int64(a.sequences) * queriesPerSequence
        let newPairs = a.scoredPairs - queriesPerSequence * cachedRows
        var pairsLeft = newPairs
        var row: Int64 = 0
        while row < newRows, pairsLeft > 0 {
            let rows = min(rowsPerBlock, newRows - row)
            let block = isDecode
                ? InstructionOrigin.AttentionBlock(sequences: firstSequence + Int(row) ..< firstSequence + Int(row + rows),
                                                   keys: a.cachedKeys ..< a.cachedKeys + 1, fromMemory: false)
                : InstructionOrigin.AttentionBlock(sequences: firstSequence ..< firstSequence + 1,
                                                   keys: a.cachedKeys + Int(row) ..< a.cachedKeys + Int(row + rows), fromMemory: false)
            row += rows
            let pairs = row == newRows ? pairsLeft : min(pairsLeft, newPairs * rows / newRows)
            pairsLeft -= pairs
            let slot = Int(blockIndex % 2)
            blockIndex += 1
            emitBlock(&self, rows: rows, pairs: pairs, slot: slot, ready: nil, block: block)
        }
        flushValues(&self, last: true)
        return previous
    }
}
