import TritCore
import TritISA
import TritModel

/// Lowers a BitLinear [tokens × in] × [out × in]ᵀ onto the ternary arrays.
///
/// Tiling: the weight matrix is cut into ⌈in / rows⌉ × ⌈out / columns⌉ tiles, listed column block
/// by column block (row blocks inner), and the list is cut into `count` contiguous, equal (±1)
/// runs, one per array: every array gets the same work whatever the layer's shape. An array
/// accumulates int32 partial sums over consecutive tiles of one column block; a column block
/// whose tiles fall on p arrays leaves p partial sums, which the vector unit adds ((p − 1) ×
/// tokens × columns int32 adds) when it dequantises (× γ / s) the block, as soon as the block's
/// last tile is done. Each tile is one DMA from its range of the weight image (`WeightImage`)
/// into the weight ring; step by step, the next tile of every busy array is loaded.
/// How tiles are spread over the arrays: `TileAssignment`.
extension LoweringContext {
    /// Micro-batches (see `MemoryPlan`): the first micro-batch of a chunk loads the weight
    /// chunks; the others run the same tiles on the same arrays from the same slots, which are
    /// released only after the last micro-batch's tiles.
    /// - Parameters:
    ///   - index: the node's index in the graph (keys the resident weights).
    ///   - slice: the positions lowered; `slice.tokens` rows stream through every tile.
    ///   - fusedResidual: when non-nil, the residual add that follows this layer is fused
    ///     into the dequantisation: each column block also reads the residual stream (these tokens)
    ///     and adds it, one more operation per output. Under tensor parallelism o_proj and down_proj
    ///     produce partial sums: they are all-reduced first and the residual is added after
    ///     (`LoweringContext+Links.swift`).
    ///   - gating: when non-nil, this is the gate and up projections lowered as one (see
    ///     `Compiler.fusesGateAndUp`): `outFeatures` is 2 × the FFN width, column block 2k is gate
    ///     block k and 2k + 1 up block k (each packed in its own tensor), and when both are
    ///     complete one vector instruction dequantises them and applies the gating node, writing
    ///     only the gated product.
    mutating func lowerBitLinear(_ node: GraphNode, index: Int, slice: StepSlice, inFeatures: Int, outFeatures: Int,
                                 fusedResidual: [TokenID]? = nil, gating: GraphNode? = nil) -> TokenID? {
        let tag = LoweringContext.tag(node.category)
        let reducedAcrossChips = reducesOutputAcrossChips(node)
        let dequantizeResidual = reducedAcrossChips ? nil : fusedResidual
        let rows = chip.config.ternaryArray.rows
        let columns = chip.config.ternaryArray.columns
        let tokens = slice.tokens
        let resident = slice.microBatch > 0 ? residentWeights[index] : nil
        let key = AssignmentKey(inFeatures: inFeatures, outFeatures: outFeatures, tokens: tokens, paired: gating != nil)
        let layout = ColumnBlocks(outFeatures: outFeatures, columns: columns, paired: gating != nil)
        let assignment = resident?.assignment ?? assignments[key]
            ?? TileAssignment.choose(chip: chip, precision: precision, tokens: tokens, inFeatures: inFeatures, outFeatures: outFeatures,
                                     pairedOutputs: gating != nil)
        if resident == nil { assignments[key] = assignment }
        let arrayOfRun: [Int]
        if let resident {
            arrayOfRun = resident.arrayOfRun
            for (run, array) in arrayOfRun.enumerated() { arrayLoad[array] += Int64(assignment[run].count) * Int64(tokens) }
        } else {
            arrayOfRun = placeRuns(assignment, tokens: tokens)
        }
        var loadedTiles: [[SRAMRange]] = Array(repeating: [], count: assignment.count)
        let busyArrays = assignment.indices.filter { !assignment[$0].isEmpty }
        let steps = assignment.map(\.count).max() ?? 0
        let inputs = inputTokens(node)
        // Fused gate and up: block 2k + t is block k of tensor t (the gate's node, then the up's).
        func source(_ tile: (row: Int, column: Int)) -> DRAMRange {
            let tensor = image.ternaryTensor(ofNode: index + (layout.paired ? tile.column % 2 : 0))
            return tensor?.tile(row: tile.row, column: layout.blockInTensor(tile.column)) ?? DRAMRange(base: image.bytes, bytes: 0)
        }
        func shape(_ tile: (row: Int, column: Int)) -> (rows: Int, columns: Int) {
            (min(rows, inFeatures - tile.row * rows), layout.width(tile.column))
        }
        // Per column block: the tiles that finish it (one per array sharing it), and how many remain.
        var pendingTiles = Array(repeating: 0, count: layout.count)
        for tiles in assignment {
            for (position, tile) in tiles.enumerated() where position + 1 == tiles.count || tiles[position + 1].column != tile.column {
                pendingTiles[tile.column] += 1
            }
        }
        var finishing: [[TokenID]] = Array(repeating: [], count: pendingTiles.count)
        var dequantized: TokenID? = nil
        for step in 0..<steps {
            let busy = busyArrays.filter { step < assignment[$0].count }
            for a in busy {
                let tile = assignment[a][step]
                let (rowsUsed, columnsUsed) = shape(tile)
                // The tile's packed bytes: already in the weight buffer for a later micro-batch,
                // otherwise loaded from the weight image (resident on an SRAM-only chip).
                let weights: (range: SRAMRange, ready: TokenID?)
                if let resident {
                    weights = (resident.tiles[a][step], nil)
                } else {
                    weights = loadWeights(source(tile), stream: .ternaryWeights, tag: tag)
                    loadedTiles[a].append(weights.range)
                    // Later micro-batches reuse the tile in place: pinned from its load on, so a later
                    // tile of this same layer that would overwrite it is caught (`overwrotePinnedChunk`).
                    if slice.microBatch == 0, slice.microBatches > 1 { weightRing.pin(weights.range, true) }
                }
                var waits = weights.ready.map { [$0] } ?? []
                if step == 0 { waits.append(contentsOf: inputs) }
                let accumulate = step > 0 && assignment[a][step - 1].column == tile.column
                let operation = Instruction.Operation.ternaryTile(
                    rows: Int32(rowsUsed), columns: Int32(columnsUsed), tokens: Int32(tokens),
                    weights: weights.range,
                    input: activationRange(bytes: Int64(tokens * rowsUsed) * Int64(precision.quantizedActivationBytes)),
                    accumulator: activationRange(bytes: Int64(tokens * columnsUsed) * 4),
                    accumulate: accumulate)
                let done = emit(operation, on: arrays[arrayOfRun[a]], tag: tag, waits: waits,
                                node: index + (layout.paired ? tile.column % 2 : 0),
                                role: .tile(rowBlock: tile.row, columnBlock: layout.blockInTensor(tile.column))) ?? -1
                releaseWeights(weights.range, after: done)
                let finishesColumn = step + 1 == assignment[a].count || assignment[a][step + 1].column != tile.column
                if finishesColumn {
                    finishing[tile.column].append(done)
                    if let gating, finishing[tile.column].count == pendingTiles[tile.column] {
                        let gate = tile.column - tile.column % 2
                        if finishing[gate].count == pendingTiles[gate], finishing[gate + 1].count == pendingTiles[gate + 1] {
                            // Gate and up block k are complete: dequantise both (adding split-K
                            // partials) and gate them in one pass; only the product is written.
                            let sums = Int64(tokens) * Int64(columnsUsed)
                            let partials = Int64(pendingTiles[gate] + pendingTiles[gate + 1])
                            let share = Int64(columnsUsed), width = Int64(outFeatures / 2)
                            dequantized = emit(
                                .vector(kind: .gating, operations: sums * partials + gating.vectorOps * share / width,
                                        specialOps: gating.specialFunctionOps * share / width,
                                        input: activationRange(bytes: sums * 4 * partials),
                                        output: activationRange(bytes: sums * Int64(precision.linearOutputBytes))),
                                on: vector, tag: tag, waits: finishing[gate] + finishing[gate + 1],
                                node: index, role: .gatedDequantize(columnBlock: gate / 2))
                        }
                    } else if finishing[tile.column].count == pendingTiles[tile.column] {
                        // The column block's sums are complete: add split-K partials and dequantise
                        // (× γ / s) on the vector unit while the arrays go on with other tiles.
                        let sums = Int64(tokens) * Int64(columnsUsed)
                        let partials = Int64(pendingTiles[tile.column])
                        let residual = dequantizeResidual != nil ? Int64(1) : 0
                        dequantized = emit(
                            .vector(kind: .dequantize, operations: sums * (partials + residual), specialOps: 0,
                                    input: activationRange(bytes: sums * (4 * partials + residual * Int64(precision.activationBytes))),
                                    output: activationRange(bytes: sums * Int64(precision.linearOutputBytes))),
                            on: vector, tag: tag, waits: finishing[tile.column] + (dequantizeResidual ?? []),
                            node: index, role: .dequantize(columnBlock: tile.column, residual: dequantizeResidual != nil))
                    }
                }
            }
        }
        if slice.microBatch == 0, slice.microBatches > 1 {
            residentWeights[index] = ResidentWeights(assignment: assignment, arrayOfRun: arrayOfRun, tiles: loadedTiles)
        } else if slice.microBatch > 0, slice.microBatch + 1 == slice.microBatches {
            for range in (resident?.tiles ?? []).joined() { weightRing.pin(range, false) }
            residentWeights[index] = nil
        }
        // The vector unit runs in order, so the last dequantisation implies all earlier ones.
        guard reducedAcrossChips else { return dequantized }
        return allReduceRowParallelOutput(node, tokens: tokens, outFeatures: outFeatures, after: dequantized, residual: fusedResidual)
    }
}
