import TritChip
import TritCore
import TritModel

/// How a graph's data is laid out in the chip's SRAM buffers, decided before lowering.
///
/// - Weight buffer: a ring of `weightSlots` × `weightChunkBytes` bytes (`WeightRing`); a chunk is
///   at most one tile per array (`count` tiles of rows × columns ternary weights), so DMA fills the
///   next chunk while the arrays compute on the last (double buffering when 2 chunks fit; deeper
///   prefetch with more).
/// - Activation buffer: holds the working set of `chunkTokens` token positions: the residual
///   stream (fp16; with a normalised fp16 copy only if some norm is not fused with the
///   quantisation after it), the widest layer output (q, k, v and attention output,
///   or gate and up — only their gated product when the two are fused — fp16) and the widest int8
///   BitLinear input. The int32 partial sums live in
///   each array's own accumulators, not in this buffer. A step with
///   more positions than fit runs in chunks, each re-streaming the weights (chunked prefill;
///   for decode, batch groups). More SRAM means larger chunks and fewer weight re-reads.
/// - KV buffer: two slots of `kvBlockBytes` for KV-cache blocks streamed from DRAM.
/// - Prefill micro-batches: a chunk is split into `microBatches` runs of `microBatchTokens`
///   positions that flow through the layers as a wavefront (see `Compiler`): micro-batch i is at
///   BitLinear stage s while micro-batch i + 1 is at stage s − 1, so the arrays, the vector unit
///   and the attention unit work on different micro-batches at once. Each stage's weights are
///   loaded from DRAM once and stay in the weight buffer until the chunk's last micro-batch has
///   used them, so the weights of `microBatches` consecutive stages must fit it with room to
///   spare for prefetch; every tile is reloaded from the weight buffer
///   (not DRAM) once per micro-batch, which the arrays hide only with shadow weight registers.
///   The compiler therefore pipelines only when the arrays have them (or when
///   `compiler.prefillMicroBatches` asks for it), choosing the most micro-batches in
///   `candidateMicroBatches` that fit; decode steps are never split.
public struct MemoryPlan: Equatable, Sendable {
    /// Bytes of one weight chunk (count full tiles in the chip's weight format).
    public var weightChunkBytes: Int64
    /// Weight chunks in use (the weight buffer holds at least 2; `weightPrefetchDepth` may use fewer).
    public var weightSlots: Int
    /// Activation-buffer bytes needed per token position.
    public var activationBytesPerToken: Int64
    /// Token positions processed per chunk.
    public var chunkTokens: Int
    /// Number of chunks the step is split into.
    public var chunks: Int
    /// Micro-batches each chunk is split into (1 = no pipelining).
    public var microBatches: Int = 1
    /// Whether gate and up projections are lowered together with their gating
    /// (`Compiler.fusesGateAndUp`): only when not pipelining, where the activation buffer, not
    /// the resident weights, bounds the step.
    public var fusesGateAndUp = false
    /// Bytes per KV-cache block (one of two KV-buffer slots).
    public var kvBlockBytes: Int64
    /// Off-chip bytes the model's weights occupy (packed ternary + full precision).
    public var dramWeightBytes: Int64
    /// Off-chip bytes the KV cache occupies at the end of the step.
    public var dramKVCacheBytes: Int64

    /// Instructions the lowered step will have, estimated from tile, chunk and block counts
    /// before any is emitted (see `Compiler.maximumInstructionsPerStep`).
    public var estimatedInstructions: Int64 = 0

    /// SRAM base addresses of the three buffers: weights at 0, then activations, then KV.
    public var activationBufferBase: Int64 = 0
    /// Base of the KV buffer.
    public var kvBufferBase: Int64 = 0

    /// Micro-batch counts the compiler tries for a prefill chunk, most first.
    public static let candidateMicroBatches = [4, 2]

    /// Token positions of each micro-batch of a chunk of `tokens` positions: `microBatches`
    /// near-equal runs (the first ones one longer), none empty.
    public func microBatchTokens(ofChunk tokens: Int) -> [Int] {
        let count = max(1, min(microBatches, tokens))
        return (0..<count).map { tokens / count + ($0 < tokens % count ? 1 : 0) }
    }

    /// One micro-batch of one chunk of a step: the token positions one pass over the graph's
    /// stages lowers.
    public struct TokenSlice: Equatable, Sendable {
        /// First position (prefill) or sequence (decode) of the slice within the step, and how many.
        public let first: Int
        public let tokens: Int
        /// First position of the slice's chunk.
        public let chunkStart: Int
        /// Index of the micro-batch within its chunk, and the chunk's micro-batch count.
        public let microBatch: Int
        public let microBatches: Int
    }

    /// The slices of a step of `stepTokens` positions, chunk by chunk (outer array), micro-batch by
    /// micro-batch: the order in which the compiler lowers them for any one stage.
    public func tokenSlices(stepTokens: Int) -> [[TokenSlice]] {
        (0..<chunks).map { chunk in
            let chunkStart = chunk * chunkTokens
            let counts = microBatchTokens(ofChunk: min(chunkTokens, stepTokens - chunkStart))
            var first = chunkStart
            return counts.enumerated().map { batch, tokens in
                defer { first += tokens }
                return TokenSlice(first: first, tokens: tokens, chunkStart: chunkStart, microBatch: batch, microBatches: counts.count)
            }
        }
    }

    /// Bytes of one key row and one value row of every KV head.
    public static func kvRowBytes(kvHeads: Int, headDim: Int, precision: Precision) -> Int64 {
        2 * precision.kvBytes(Int64(kvHeads) * Int64(headDim))
    }

    /// Key rows per attention block: as many as fit one KV slot together with their score tile
    /// (`queriesPerSequence` × `heads` scores per key row); at least one.
    public func attentionRowsPerBlock(kvRowBytes: Int64, queriesPerSequence: Int64, heads: Int, precision: Precision) -> Int64 {
        max(1, kvBlockBytes / (kvRowBytes + queriesPerSequence * Int64(heads) * Int64(precision.activationBytes)))
    }

    /// Plans `graph` on `chip`.
    /// - Throws: `InputError` naming the chip and the SRAM or memory field when a weight chunk,
    ///   one token's activations, or one KV row does not fit, or when weights plus KV cache exceed
    ///   the off-chip memory capacity (on an SRAM-only chip: the weight or KV buffer).
    /// - Parameter pipelineByDefault: whether the compiler may choose micro-batches itself (false
    ///   for a tensor-parallel chip: every micro-batch adds its own latency-bound all-reduces);
    ///   a configured `compiler.prefillMicroBatches` applies either way.
    public static func plan(_ graph: Graph, on chip: ResolvedChip, precision: Precision, pipelineByDefault: Bool = true) throws -> MemoryPlan {
        let c = chip.config
        let m = graph.model
        let source = c.errorSource
        let chunkBytes = try Checked.multiply(chip.tileBytes, Int64(c.ternaryArray.count), "weight chunk bytes")
        let slots = c.sram.weightBufferBytes / max(chunkBytes, 1)
        guard slots >= 2 else {
            let b = c.weightFormat.bitsPerWeight
            let bits = b.denominator == 1 ? "\(b.numerator)" : "\(b.numerator)/\(b.denominator)"
            throw InputError(source: source, location: "sram.weightBufferBytes",
                             expected: "room for 2 weight chunks of \(chunkBytes) bytes (\(c.ternaryArray.count) tiles of \(c.ternaryArray.rows)×\(c.ternaryArray.columns) in \(c.weightFormat.rawValue), \(bits) bits per weight) for double buffering",
                             found: "\(c.sram.weightBufferBytes) bytes")
        }
        let act = Int64(precision.activationBytes)
        let widestInput = Int64(max(m.hiddenSize, m.queryWidth, m.intermediateSize))
        let attentionOutputs = Int64(m.queryWidth + 2 * m.kvWidth + m.queryWidth) * act
        // Fused gate and up (`Compiler.fusesGateAndUp`) store only the gated product; a norm fused
        // with the quantisation after it stores no fp16 normalised copy (the final norm's single
        // position aside).
        let fusable = graph.nodes.indices.contains { Compiler.fusesGateAndUp(graph, at: $0) }
        let nodes = graph.nodes
        let storesNormalisedCopy = nodes.indices.contains { index in
            guard case .rmsNorm = nodes[index].operation, nodes[index].layer != nil else { return false }
            guard index + 1 < nodes.count, case .activationQuant = nodes[index + 1].operation else { return true }
            return nodes[index + 1].inputs != [index]
        }
        func workingSet(fusingGateAndUp fused: Bool) -> Int64 {
            let ffnOutputs = Int64((fused ? 1 : 2) * m.intermediateSize) * Int64(precision.linearOutputBytes)
            return Int64(storesNormalisedCopy ? 2 : 1) * Int64(m.hiddenSize) * act + max(attentionOutputs, ffnOutputs)
                + widestInput * Int64(precision.quantizedActivationBytes)
        }
        let perToken = workingSet(fusingGateAndUp: fusable)
        guard c.sram.activationBufferBytes / perToken >= 1 else {
            throw InputError(source: source, location: "sram.activationBufferBytes",
                             expected: "at least \(perToken) bytes (one token's working set for \(m.name))",
                             found: "\(c.sram.activationBufferBytes) bytes")
        }
        let tokens = graph.phase.tokensPerStep
        let kvRowBytes = kvRowBytes(kvHeads: m.kvHeads, headDim: m.headDim, precision: precision)
        let kvBlock = c.sram.kvBufferBytes / 2
        // A KV slot holds a block of key rows and its score tile (every query of the block's
        // sequence × heads): in prefill the queries are the chunk's tokens, so the slot also
        // bounds the chunk.
        let scoreBytesPerQuery = Int64(m.attentionHeads) * Int64(precision.activationBytes)
        let queriesFitting: Int64
        if case .prefill = graph.phase {
            queriesFitting = (kvBlock - kvRowBytes) / scoreBytesPerQuery
        } else {
            queriesFitting = kvBlock >= kvRowBytes + scoreBytesPerQuery ? Int64(tokens) : 0
        }
        guard queriesFitting >= 1 else {
            throw InputError(source: source, location: "sram.kvBufferBytes",
                             expected: "at least \(2 * (kvRowBytes + scoreBytesPerQuery)) bytes (two slots of one key+value row of \(m.name) and its scores)",
                             found: "\(c.sram.kvBufferBytes) bytes")
        }
        // Slots in use: as many as fit, or fewer when the config limits how far DMA runs ahead.
        let slotsUsed = Int(min(slots, Int64(c.weightPrefetchDepth ?? Int(1 << 20))))
        // The LM head streams whole fp rows through the weight ring.
        let lmHeadRowBytes = Int64(m.hiddenSize) * Int64(precision.fullPrecisionWeightBytes)
        guard lmHeadRowBytes <= Int64(slotsUsed) * chunkBytes else {
            throw InputError(source: source, location: "sram.weightBufferBytes",
                             expected: "room in the weight chunks in use for one LM-head row of \(lmHeadRowBytes) bytes (\(m.hiddenSize) fp16 weights)",
                             found: "\(slotsUsed) chunks of \(chunkBytes) bytes")
        }
        var perTokenUsed = perToken
        var microBatches = 1
        var fusesGateAndUp = fusable
        if case .prefill = graph.phase {
            // Pipelined micro-batches keep a second layer's keys and values per position, and do
            // not fuse gate and up: the fused stage's weights would crowd the resident window.
            let pipelinedPerToken = workingSet(fusingGateAndUp: false) + 2 * Int64(m.kvWidth) * act
            let pipelinedChunk = Int(min(Int64(tokens), c.sram.activationBufferBytes / pipelinedPerToken, queriesFitting))
            if pipelinedChunk >= 1,
               pipelineByDefault || c.prefillMicroBatches != nil,
               let chosen = try chooseMicroBatches(graph, chip: chip, precision: precision, chunkTokens: pipelinedChunk,
                                                   slots: slotsUsed, chunkBytes: chunkBytes) {
                microBatches = chosen
                if chosen > 1 {
                    perTokenUsed = pipelinedPerToken
                    fusesGateAndUp = false
                }
            }
        }
        let fitting = c.sram.activationBufferBytes / perTokenUsed
        let chunkTokens = Int(min(Int64(tokens), fitting, queriesFitting))
        var weightBytes: Int64 = 0
        var seenFullPrecision = false
        for node in graph.nodes {
            switch node.operation {
            case .bitLinear: weightBytes += node.weightBytes(precision)
            case let .embedding(_, vocab, hidden):
                weightBytes += Int64(vocab) * Int64(hidden) * Int64(precision.fullPrecisionWeightBytes)
                seenFullPrecision = true
            case .denseLinear(_, _, _, let shared):
                if !(shared && seenFullPrecision) { weightBytes += node.weightBytes(precision) }
            case .rmsNorm(_, let width): weightBytes += Int64(width) * Int64(precision.fullPrecisionWeightBytes)
            default: break
            }
        }
        let positions: Int64
        switch graph.phase {
        case .prefill(let t): positions = Int64(t)
        case .decode(let batch, let context): positions = Int64(batch) * Int64(context + 1)
        }
        let kvBytes = try Checked.multiply(Int64(m.layers) * kvRowBytes, positions, "KV cache bytes")
        // Off-chip capacity, or SRAM capacity on an SRAM-only chip (MemoryPlan+Capacity.swift).
        try checkCapacity(weightBytes: weightBytes, kvBytes: kvBytes, modelName: m.name, on: chip)
        var plan = MemoryPlan(weightChunkBytes: chunkBytes, weightSlots: slotsUsed, activationBytesPerToken: perTokenUsed,
                              chunkTokens: chunkTokens, chunks: ceilDiv(tokens, chunkTokens), kvBlockBytes: kvBlock,
                              dramWeightBytes: weightBytes, dramKVCacheBytes: kvBytes)
        plan.microBatches = microBatches
        plan.fusesGateAndUp = fusesGateAndUp
        plan.estimatedInstructions = try estimateInstructions(graph, chip: chip, plan: plan, kvRowBytes: kvRowBytes,
                                                              precision: precision)
        plan.activationBufferBase = c.sram.weightBufferBytes
        plan.kvBufferBase = c.sram.weightBufferBytes + c.sram.activationBufferBytes
        return plan
    }

    /// The micro-batch count for a prefill chunk of `chunkTokens` positions: the configured
    /// `compiler.prefillMicroBatches`, or, when the arrays have shadow weight registers, the
    /// first of `candidateMicroBatches` whose micro-batches stream at least a tile's load time
    /// in tokens and whose resident weights fit; nil = do not pipeline.
    /// Fitting means: for every run of `microBatches` consecutive stages (`Compiler.stages`, in
    /// graph order, across layers), their packed weights fit the weight ring
    /// (`slots` × `chunkBytes`) less two chunks: one for the unused tail when the ring wraps and
    /// one so that DMA can prefetch the next stage.
    /// A configured count larger than the chunk's positions is lowered to one micro-batch per
    /// position.
    /// - Throws: `InputError` naming `compiler.prefillMicroBatches` when the configured count
    ///   does not fit.
    static func chooseMicroBatches(_ graph: Graph, chip: ResolvedChip, precision: Precision, chunkTokens: Int,
                                   slots: Int, chunkBytes: Int64) throws -> Int? {
        let c = chip.config
        let candidates: [Int]
        if let configured = c.prefillMicroBatches {
            // At most one micro-batch per position: a short prompt gets fewer.
            candidates = [min(configured, chunkTokens)]
        } else if c.ternaryArray.shadowWeightRegisters {
            candidates = candidateMicroBatches
        } else {
            return nil
        }
        // The bytes the tiles really take in the ring: each packed on its own (`WeightImage`).
        let stageBytes = Compiler.stages(of: graph, fusingGateAndUp: false).map { stage in
            graph.nodes[stage].reduce(Int64(0)) { total, node in
                if case let .bitLinear(_, inFeatures, outFeatures) = node.operation {
                    return total + WeightImage.packedBytes(inFeatures: inFeatures, outFeatures: outFeatures, chip: chip)
                }
                return total
            }
        }
        let room = Int64(slots) * chunkBytes - 2 * chunkBytes
        // A micro-batch streams at least as many tokens as a tile takes to load, so the shadow
        // registers hide every reload (the configured count is taken as given).
        let tileLoadCycles = chip.tileLoadCycles
        for count in candidates {
            if count == 1 { return 1 }
            guard count <= chunkTokens else { continue }
            if c.prefillMicroBatches == nil, Int64(ceilDiv(chunkTokens, count)) < tileLoadCycles { continue }
            var window: Int64 = 0
            var widest: Int64 = 0
            for (index, bytes) in stageBytes.enumerated() {
                window += bytes
                if index >= count { window -= stageBytes[index - count] }
                widest = max(widest, window)
            }
            if widest <= room { return count }
            if c.prefillMicroBatches != nil {
                throw InputError(source: c.errorSource, location: "compiler.prefillMicroBatches",
                                 expected: "a count whose \(count) consecutive pipeline stages' weights fit the weight buffer less two chunks (at most \(max(room, 0)) bytes)",
                                 found: "\(c.prefillMicroBatches ?? count)\(count != c.prefillMicroBatches ? " (\(count) for a chunk of \(chunkTokens) positions)" : "") (needs \(widest) bytes)")
            }
        }
        return nil
    }

    /// Instructions of the lowered step: per chunk, every BitLinear's tiles, weight DMAs and
    /// dequantisations, a handful per other node; the LM head's weight chunks; the KV-cache blocks.
    private static func estimateInstructions(_ graph: Graph, chip: ResolvedChip, plan: MemoryPlan, kvRowBytes: Int64,
                                             precision: Precision) throws -> Int64 {
        let a = chip.config.ternaryArray
        // A cheap lower bound first (one instruction per tile): a step far over the cap is refused
        // without working out its tile assignment, which costs time in the number of tiles.
        var tiles: Int64 = 0
        for node in graph.nodes {
            if case let .bitLinear(_, inFeatures, outFeatures) = node.operation {
                tiles += Int64(ceilDiv(inFeatures, a.rows)) * Int64(ceilDiv(outFeatures, a.columns))
            }
        }
        let tilesPerStep = try Checked.multiply(tiles, Int64(plan.chunks), "instructions")
        if tilesPerStep > Compiler.maximumInstructionsPerStep { return tilesPerStep }
        var perChunk: Int64 = 0
        var lmHead: Int64 = 0
        let microBatches = Int64(plan.microBatches)
        let microTokens = ceilDiv(plan.chunkTokens, plan.microBatches)
        // Per BitLinear shape (every block repeats them): tiles, one weight DMA per step of the
        // busiest array, one dequantisation per column block.
        var perShape: [Int64: Int64] = [:]
        for node in graph.nodes {
            switch node.operation {
            case let .bitLinear(_, inFeatures, outFeatures):
                let key = Int64(inFeatures) << 32 | Int64(outFeatures)
                if perShape[key] == nil {
                    let tiles = TileAssignment.choose(chip: chip, precision: Compiler.precision(for: chip), tokens: microTokens,
                                                      inFeatures: inFeatures, outFeatures: outFeatures)
                    let count = Int64(tiles.reduce(0) { $0 + $1.count })
                    // Per micro-batch its tiles and dequantisations; one DMA per tile, once per chunk.
                    perShape[key] = (count + Int64(ceilDiv(outFeatures, a.columns))) * microBatches + count
                }
                perChunk += perShape[key] ?? 0
            case let .denseLinear(_, inFeatures, outFeatures, _):
                let rowsPerChunk = max(1, plan.weightChunkBytes / (Int64(inFeatures) * 2))
                lmHead += 2 * ceilDiv(Int64(outFeatures), rowsPerChunk)
            default:
                perChunk += 4 * microBatches
            }
        }
        // Attention blocks per layer: cached rows (each with a DMA) and this step's rows.
        let heads = graph.model.attentionHeads
        var kvBlocks: Int64 = 0
        var attentionBlocks: Int64 = 0
        switch graph.phase {
        case .prefill:
            for chunk in 0..<Int64(plan.chunks) {
                let chunkStart = chunk * Int64(plan.chunkTokens)
                let queries = min(Int64(plan.chunkTokens), Int64(graph.phase.tokensPerStep) - chunkStart)
                var batchStart: Int64 = 0
                for batchTokens in plan.microBatchTokens(ofChunk: Int(queries)).map(Int64.init) {
                    let rowsPerBlock = plan.attentionRowsPerBlock(kvRowBytes: kvRowBytes, queriesPerSequence: batchTokens, heads: heads, precision: precision)
                    let cached = ceilDiv(chunkStart, rowsPerBlock)
                    kvBlocks += cached
                    attentionBlocks += cached + ceilDiv(batchStart, rowsPerBlock) + ceilDiv(batchTokens, rowsPerBlock)
                    batchStart += batchTokens
                }
            }
        case .decode(let batch, let context):
            let rowsPerBlock = plan.attentionRowsPerBlock(kvRowBytes: kvRowBytes, queriesPerSequence: 1, heads: heads, precision: precision)
            kvBlocks = ceilDiv(Int64(batch) * Int64(context), rowsPerBlock)
            attentionBlocks = kvBlocks + ceilDiv(Int64(batch), rowsPerBlock)
        }
        let attentionInstructions = kvBlocks + 3 * attentionBlocks
        let chunks = Int64(plan.chunks)
        let lmHeadRuns: Int64 = graph.phase.name == "prefill" ? 1 : chunks
        let total = try Checked.add(try Checked.multiply(perChunk, chunks, "instructions"),
                                    try Checked.add(try Checked.multiply(lmHead, lmHeadRuns, "instructions"),
                                                    try Checked.multiply(attentionInstructions, Int64(graph.model.layers), "instructions"),
                                                    "instructions"),
                                    "instructions")
        return total
    }
}
