import TritCore
import TritISA
import TritModel

/// Lowers a BitLinear [tokens × in] × [out × in]ᵀ onto the ternary arrays.
///
/// Tiling: the weight matrix is cut into ⌈in / rows⌉ × ⌈out / columns⌉ tiles. When there are at
/// least as many column blocks as arrays, column blocks are dealt to arrays round-robin (block c
/// on array c mod count) and each array accumulates its outputs over all row blocks. With fewer
/// column blocks than arrays, p = ⌊count / column blocks⌋ arrays share each column block and
/// split its row blocks (split-K); the vector unit then adds the p partial sums, (p − 1) × tokens
/// × out int32 adds. Tiles stream in chunks holding the next tile of every busy array, so one DMA
/// feeds all arrays at once. Finally the vector unit dequantises (× γ / s) the [tokens × out] sums.
extension LoweringContext {
    /// The tiles (row block, column block) each array computes, in order, and the split-K factor.
    static func tileAssignment(rowBlocks: Int, columnBlocks: Int, arrays count: Int) -> (tiles: [[(row: Int, column: Int)]], split: Int) {
        var tiles = Array(repeating: [(row: Int, column: Int)](), count: count)
        if columnBlocks >= count {
            for column in 0..<columnBlocks {
                for row in 0..<rowBlocks { tiles[column % count].append((row, column)) }
            }
            return (tiles, 1)
        }
        let split = max(1, min(count / columnBlocks, rowBlocks))
        for column in 0..<columnBlocks {
            for row in 0..<rowBlocks { tiles[column * split + row % split].append((row, column)) }
        }
        return (tiles, split)
    }

    mutating func lowerBitLinear(_ node: GraphNode, tokens: Int, inFeatures: Int, outFeatures: Int) -> TokenID? {
        let tag = LoweringContext.tag(node.category)
        let rows = chip.config.ternaryArray.rows
        let columns = chip.config.ternaryArray.columns
        let count = arrays.count
        let (assignment, split) = LoweringContext.tileAssignment(rowBlocks: ceilDiv(inFeatures, rows),
                                                                 columnBlocks: ceilDiv(outFeatures, columns), arrays: count)
        let steps = assignment.map(\.count).max() ?? 0
        let inputs = inputTokens(node)
        let bits = chip.config.weightFormat.bitsPerWeight
        func shape(_ tile: (row: Int, column: Int)) -> (rows: Int, columns: Int, bytes: Int64) {
            let r = min(rows, inFeatures - tile.row * rows)
            let c = min(columns, outFeatures - tile.column * columns)
            return (r, c, Int64((Double(r * c) * bits / 8).rounded(.up)))
        }
        // Per column block: the tiles that finish it (one per array sharing it), and how many remain.
        var pendingTiles = Array(repeating: 0, count: ceilDiv(outFeatures, columns))
        for tiles in assignment {
            for (position, tile) in tiles.enumerated() where position + 1 == tiles.count || tiles[position + 1].column != tile.column {
                pendingTiles[tile.column] += 1
            }
        }
        var finishing: [[TokenID]] = Array(repeating: [], count: pendingTiles.count)
        var dequantized: TokenID? = nil
        for step in 0..<steps {
            let busy = (0..<count).filter { step < assignment[$0].count }
            let chunkBytes = busy.reduce(Int64(0)) { $0 + shape(assignment[$1][step]).bytes }
            let chunk = loadWeightChunk(bytes: chunkBytes, stream: .ternaryWeights, tag: tag)
            var offset: Int64 = 0
            for a in busy {
                let tile = assignment[a][step]
                let (rowsUsed, columnsUsed, bytes) = shape(tile)
                var waits = [chunk.ready]
                if step == 0 { waits.append(contentsOf: inputs) }
                let accumulate = step > 0 && assignment[a][step - 1].column == tile.column
                let operation = Instruction.Operation.ternaryTile(
                    rows: Int32(rowsUsed), columns: Int32(columnsUsed), tokens: Int32(tokens),
                    weights: SRAMRange(base: chunk.range.base + offset, bytes: bytes),
                    input: activationRange(bytes: Int64(tokens * rowsUsed) * Int64(precision.quantizedActivationBytes)),
                    accumulator: activationRange(bytes: Int64(tokens * columnsUsed) * 4),
                    accumulate: accumulate)
                offset += bytes
                let done = builder.emit(operation, on: arrays[a], tag: tag, waits: waits) ?? -1
                release(slotOf: chunk.range, after: done)
                let finishesColumn = step + 1 == assignment[a].count || assignment[a][step + 1].column != tile.column
                if finishesColumn {
                    finishing[tile.column].append(done)
                    if finishing[tile.column].count == pendingTiles[tile.column] {
                        // The column block's sums are complete: add split-K partials and dequantise
                        // (× γ / s) on the vector unit while the arrays go on with other tiles.
                        let sums = Int64(tokens) * Int64(columnsUsed)
                        dequantized = builder.emit(
                            .vector(kind: .dequantize, operations: sums * Int64(split), specialOps: 0,
                                    input: activationRange(bytes: sums * 4 * Int64(split)),
                                    output: activationRange(bytes: sums * Int64(precision.linearOutputBytes))),
                            on: vector, tag: tag, waits: finishing[tile.column])
                    }
                }
            }
        }
        // The vector unit runs in order, so the last dequantisation implies all earlier ones.
        return dequantized
    }
}
