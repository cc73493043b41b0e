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
/// last tile is done. Tiles stream in chunks holding the next tile of every array, so one DMA
/// feeds all arrays at once.
///
/// Spreading a layer over more arrays shortens the array time but leaves more partial sums for
/// the vector unit to add, so the compiler tries k = count, count/2, count/4, … arrays and keeps
/// the k whose estimated time max(busiest array, vector reduction + dequantisation) is lowest
/// (ties go to more arrays). A chip with twice the arrays has every choice of the smaller chip
/// and more, so it is never planned slower.
extension LoweringContext {
    /// The tile assignment over the best number of arrays for this layer (see the type comment).
    func chooseAssignment(rowBlocks: Int, columnBlocks: Int, tokens: Int, inFeatures: Int, outFeatures: Int)
        -> [[(row: Int, column: Int)]] {
        let count = arrays.count
        let rows = chip.config.ternaryArray.rows
        let columns = chip.config.ternaryArray.columns
        let loadBytesPerCycle = Int64(chip.config.ternaryArray.weightLoadBytesPerCycle)
        let lanes = Int64(chip.config.vectorUnit.lanes)
        let sramBytesPerCycle = Int64(chip.config.sram.bytesPerCycle)
        let bits = chip.config.weightFormat.bitsPerWeight
        var best: (cycles: Int64, tiles: [[(row: Int, column: Int)]])? = nil
        var used = count
        while used >= 1 {
            let tiles = LoweringContext.tileAssignment(rowBlocks: rowBlocks, columnBlocks: columnBlocks, arrays: used)
            var arrayCycles: Int64 = 0
            var partials = Array(repeating: Int64(0), count: columnBlocks)
            for list in tiles {
                var cycles: Int64 = 0
                for (position, tile) in list.enumerated() {
                    let r = min(rows, inFeatures - tile.row * rows)
                    let c = min(columns, outFeatures - tile.column * columns)
                    let bytes = Int64((Double(r * c) * bits / 8).rounded(.up))
                    cycles += ceilDiv(bytes, loadBytesPerCycle) + Int64(tokens) + chip.arrayPipelineDepthCycles
                    if position + 1 == list.count || list[position + 1].column != tile.column { partials[tile.column] += 1 }
                }
                arrayCycles = max(arrayCycles, cycles)
            }
            var vectorCycles: Int64 = 0
            for column in 0..<columnBlocks {
                let sums = Int64(tokens) * Int64(min(columns, outFeatures - column * columns))
                vectorCycles += max(ceilDiv(partials[column] * sums, lanes),
                                    ceilDiv((4 * partials[column] + Int64(precision.linearOutputBytes)) * sums, sramBytesPerCycle))
            }
            let estimate = max(arrayCycles, vectorCycles)
            if best == nil || estimate < (best?.cycles ?? 0) {
                best = (estimate, tiles + Array(repeating: [], count: count - used))
            }
            used /= 2
        }
        return best?.tiles ?? LoweringContext.tileAssignment(rowBlocks: rowBlocks, columnBlocks: columnBlocks, arrays: count)
    }

    /// The tiles (row block, column block) each array computes, in order.
    static func tileAssignment(rowBlocks: Int, columnBlocks: Int, arrays count: Int) -> [[(row: Int, column: Int)]] {
        let total = rowBlocks * columnBlocks
        var tiles = Array(repeating: [(row: Int, column: Int)](), count: count)
        for index in 0..<total {
            tiles[index * count / total].append((row: index % rowBlocks, column: index / rowBlocks))
        }
        return tiles
    }

    mutating func lowerBitLinear(_ node: GraphNode, tokens: Int, inFeatures: Int, outFeatures: Int) -> TokenID? {
        let tag = LoweringContext.tag(node.category)
        let rows = chip.config.ternaryArray.rows
        let columns = chip.config.ternaryArray.columns
        let count = arrays.count
        let key = AssignmentKey(inFeatures: inFeatures, outFeatures: outFeatures, tokens: tokens)
        let assignment = assignments[key] ?? chooseAssignment(
            rowBlocks: ceilDiv(inFeatures, rows), columnBlocks: ceilDiv(outFeatures, columns),
            tokens: tokens, inFeatures: inFeatures, outFeatures: outFeatures)
        assignments[key] = assignment
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
                        let partials = Int64(pendingTiles[tile.column])
                        dequantized = builder.emit(
                            .vector(kind: .dequantize, operations: sums * partials, specialOps: 0,
                                    input: activationRange(bytes: sums * 4 * partials),
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
