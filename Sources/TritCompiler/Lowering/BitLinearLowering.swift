import TritCore
import TritISA
import TritModel

/// Lowers a BitLinear [tokens × in] × [out × in]ᵀ onto the ternary arrays.
///
/// Tiling: the weight matrix is cut into ⌈in / rows⌉ × ⌈out / columns⌉ tiles. Column blocks are
/// dealt to arrays round-robin (block c on array c mod count), so each array accumulates its own
/// outputs. Tiles stream in chunks of one tile per array: for each group of `count` column
/// blocks, for each row block, one DMA chunk feeds every array at once. Each array accumulates
/// over row blocks in int32; the vector unit then dequantises (× γ / s) the [tokens × out] sums.
extension LoweringContext {
    mutating func lowerBitLinear(_ node: GraphNode, tokens: Int, inFeatures: Int, outFeatures: Int) -> TokenID? {
        let tag = LoweringContext.tag(node.category)
        let rows = chip.config.ternaryArray.rows
        let columns = chip.config.ternaryArray.columns
        let count = arrays.count
        let rowBlocks = ceilDiv(inFeatures, rows)
        let columnBlocks = ceilDiv(outFeatures, columns)
        let groups = ceilDiv(columnBlocks, count)
        let inputs = inputTokens(node)
        var lastTile: [TokenID?] = Array(repeating: nil, count: count)
        let bits = chip.config.weightFormat.bitsPerWeight
        for group in 0..<groups {
            let firstBlock = group * count
            let blocksInGroup = min(count, columnBlocks - firstBlock)
            for rowBlock in 0..<rowBlocks {
                let rowsUsed = min(rows, inFeatures - rowBlock * rows)
                var tileBytes: [Int64] = []
                tileBytes.reserveCapacity(blocksInGroup)
                for a in 0..<blocksInGroup {
                    let columnsUsed = min(columns, outFeatures - (firstBlock + a) * columns)
                    tileBytes.append(Int64((Double(rowsUsed * columnsUsed) * bits / 8).rounded(.up)))
                }
                let chunk = loadWeightChunk(bytes: tileBytes.reduce(0, +), stream: .ternaryWeights, tag: tag)
                var offset: Int64 = 0
                for a in 0..<blocksInGroup {
                    let columnsUsed = min(columns, outFeatures - (firstBlock + a) * columns)
                    var waits = [chunk.ready]
                    if lastTile[a] == nil { waits.append(contentsOf: inputs) }
                    let operation = Instruction.Operation.ternaryTile(
                        rows: Int32(rowsUsed), columns: Int32(columnsUsed), tokens: Int32(tokens),
                        weights: SRAMRange(base: chunk.range.base + offset, bytes: tileBytes[a]),
                        input: activationRange(bytes: Int64(tokens * rowsUsed) * Int64(precision.quantizedActivationBytes)),
                        accumulator: activationRange(bytes: Int64(tokens * columnsUsed) * 4),
                        accumulate: rowBlock > 0)
                    offset += tileBytes[a]
                    let done = builder.emit(operation, on: arrays[a], tag: tag, waits: waits) ?? -1
                    release(slotOf: chunk.range, after: done)
                    lastTile[a] = done
                }
            }
        }
        let sums = Int64(tokens) * Int64(outFeatures)
        return builder.emit(.vector(kind: .dequantize, operations: node.vectorOps, specialOps: 0,
                                    input: activationRange(bytes: sums * 4),
                                    output: activationRange(bytes: sums * Int64(precision.linearOutputBytes))),
                            on: vector, tag: tag, waits: lastTile.compactMap { $0 })
    }
}
