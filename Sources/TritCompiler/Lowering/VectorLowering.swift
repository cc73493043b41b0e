import TritISA
import TritModel

/// Lowers elementwise operators onto the vector unit, and the data movement around them
/// (embedding gather, norm weights, KV append).
extension LoweringContext {
    /// One vector instruction for `node`, reading and writing the node's activation bytes.
    /// - Parameters:
    ///   - index: the node's index in the graph (its origin).
    ///   - rows: the step's token rows it processes, when not the slice's.
    mutating func lowerVector(_ node: GraphNode, index: Int, kind: VectorKind, extraWaits: [TokenID] = [],
                              rows: Range<Int>? = nil) -> TokenID? {
        let role: InstructionOrigin.Role
        switch kind {
        case .rmsNorm: role = .rmsNorm(fusedQuantize: false)
        case .quantize: role = .quantize
        case .rope: role = .rope
        case .gating: role = .gating
        case .residualAdd: role = .residualAdd
        default: role = .unannotated
        }
        return emit(.vector(kind: kind, operations: node.vectorOps, specialOps: node.specialFunctionOps,
                            input: activationRange(bytes: node.activationReadBytes(precision)),
                            output: activationRange(bytes: node.activationWriteBytes(precision))),
                    on: vector, tag: LoweringContext.tag(node.category), waits: inputTokens(node) + extraWaits,
                    node: index, role: role, rows: rows)
    }

    /// RMSNorm: its learned weights come from DRAM on the data DMA engine (resident on an
    /// SRAM-only chip), then the vector unit; in a multi-chip system it may also wait for link
    /// transfers (`normPrerequisites`). With `fusedQuantize`, the same pass also quantises the
    /// normalised row to int8 (absmax): one instruction reading the fp16 input and writing only
    /// the int8 row and its scale.
    /// - Parameter loadWeights: false for a chunk's later micro-batches, which reuse the weights
    ///   the first one loaded (the vector unit runs in order, so they are already there).
    /// - Parameter rows: the step's token rows it normalises, when not the slice's (the final norm
    ///   of a prefill: the last position).
    mutating func lowerRMSNorm(_ node: GraphNode, index: Int, fusedQuantize quantize: GraphNode? = nil, loadWeights: Bool = true,
                               rows: Range<Int>? = nil) -> TokenID? {
        let bytes = node.weightBytes(precision)
        let ready = normPrerequisites(node, index: index, weightBytes: bytes, loadWeights: loadWeights)
        guard let quantize else { return lowerVector(node, index: index, kind: .rmsNorm, extraWaits: ready, rows: rows) }
        return emit(.vector(kind: .rmsNorm, operations: node.vectorOps + quantize.vectorOps,
                                    specialOps: node.specialFunctionOps + quantize.specialFunctionOps,
                                    input: activationRange(bytes: node.activationReadBytes(precision) + bytes),
                                    output: activationRange(bytes: quantize.activationWriteBytes(precision))),
                    on: vector, tag: LoweringContext.tag(node.category),
                    waits: inputTokens(node) + ready, node: index, role: .rmsNorm(fusedQuantize: true), rows: rows)
    }

    /// Embedding gather: one DMA of the token rows of the full-precision table (read in place on
    /// an SRAM-only chip); under tensor parallelism the rows of each chip's vocabulary slice are
    /// then all-reduced.
    mutating func lowerEmbedding(_ node: GraphNode, index: Int, after previousChunk: TokenID?) -> TokenID? {
        let bytes = node.weightBytes(precision)
        guard chip.config.hasOffChipMemory else { return allReduceEmbedding(node, after: previousChunk) }
        let gathered = emit(.dmaLoad(stream: .fullPrecisionWeights, dram: DRAMRange(base: 0, bytes: bytes),
                                     sram: activationRange(bytes: bytes)),
                            on: dataDMA, tag: LoweringContext.tag(node.category), waits: previousChunk.map { [$0] } ?? [],
                            node: index, role: .embedding)
        return allReduceEmbedding(node, after: gathered)
    }

    /// KV append: store the step's new keys and values to the KV cache in DRAM. On an SRAM-only
    /// chip RoPE and the V projection write them into the resident cache: nothing to emit.
    mutating func lowerKVAppend(_ node: GraphNode, index: Int, layer: Int) -> TokenID? {
        guard chip.config.hasOffChipMemory else { return nil }
        let bytes = node.kvCacheWriteBytes(precision)
        let stored = emit(.dmaStore(stream: .kvCache, sram: activationRange(bytes: bytes), dram: DRAMRange(base: 0, bytes: bytes)),
                          on: dataDMA, tag: LoweringContext.tag(node.category), waits: inputTokens(node),
                          node: index, role: .kvStore(layer: layer))
        kvStored[layer] = stored
        return stored
    }

    /// A full-precision linear layer (LM head): its fp16 `[out × in]` weights (the image's range of
    /// `index`, the embedding's when tied) stream through the weight ring in chunks of whole rows,
    /// and the attention unit's MAC array computes [tokens × in] × [chunk rows × in]ᵀ per chunk.
    /// - Parameter rows: the step's token rows it computes logits for.
    mutating func lowerDense(_ node: GraphNode, index: Int, tokens: Int, inFeatures: Int, outFeatures: Int, rows: Range<Int>) -> TokenID? {
        let tag = LoweringContext.tag(node.category)
        let elementBytes = Int64(precision.fullPrecisionWeightBytes)
        let rowBytes = Int64(inFeatures) * elementBytes
        let weights = image.fullPrecisionTensor(ofNode: index)?.range
            ?? DRAMRange(base: image.bytes, bytes: Int64(outFeatures) * rowBytes)
        // Whole rows per chunk (one row when a row is larger than a chunk).
        let chunkBytes = max(1, plan.weightChunkBytes / rowBytes) * rowBytes
        var offset: Int64 = 0
        var last: TokenID? = nil
        while offset < weights.bytes {
            let bytes = min(chunkBytes, weights.bytes - offset)
            let chunk = loadWeights(DRAMRange(base: weights.base + offset, bytes: bytes), stream: .fullPrecisionWeights, tag: tag)
            var waits = chunk.ready.map { [$0] } ?? []
            if offset == 0 { waits.append(contentsOf: inputTokens(node)) }
            offset += bytes
            let macs = Int64(tokens) * (bytes / elementBytes)
            let outputBytes = Int64(tokens) * (bytes / rowBytes) * Int64(precision.activationBytes)
            // The weight rows in the ring, and the tokens' normalised rows (a second operand).
            let done = emit(.matrix(kind: .dense, macs: macs, input: chunk.range,
                                    output: activationRange(bytes: outputBytes),
                                    input2: activationRange(bytes: Int64(tokens * inFeatures) * Int64(precision.activationBytes))),
                            on: attention, tag: tag, waits: waits,
                            node: index, role: .dense(firstRow: Int((offset - bytes) / rowBytes), rows: Int(bytes / rowBytes)), rows: rows) ?? -1
            releaseWeights(chunk.range, after: done)
            last = done
        }
        return last
    }
}
