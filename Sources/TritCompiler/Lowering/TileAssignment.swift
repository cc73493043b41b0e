import TritChip
import TritCore
import TritModel

/// How a BitLinear's tiles are spread over the ternary arrays.
///
/// The ⌈in / rows⌉ × ⌈out / columns⌉ tiles are listed column block by column block (row blocks
/// inner) and cut into k contiguous, equal (±1) runs, one per array used. Spreading a layer over
/// more arrays shortens the array time but leaves more partial sums for the vector unit to add,
/// so k = count, count/2, count/4, … are tried and the k whose estimated time
/// max(busiest array, vector reduction + dequantisation) is lowest is kept (ties go to more
/// arrays). A chip with twice the arrays has every choice of the smaller chip and more, so it is
/// never planned slower.
enum TileAssignment {
    /// The tiles each of the chip's arrays computes for a [tokens × in] × [out × in]ᵀ BitLinear,
    /// over the best number of arrays (see the type comment); unused arrays get no tiles.
    /// - Parameter pairedOutputs: when true, `outFeatures` is two tensors of `outFeatures / 2`
    ///   outputs side by side with their column blocks interleaved (block 2k + t is block k of
    ///   tensor t: fused gate and up); each tensor's last block may be narrower.
    static func choose(chip: ResolvedChip, precision: Precision, tokens: Int, inFeatures: Int, outFeatures: Int,
                       pairedOutputs: Bool = false) -> [[(row: Int, column: Int)]] {
        let count = chip.config.ternaryArray.count
        let rowBlocks = ceilDiv(inFeatures, chip.config.ternaryArray.rows)
        let rows = chip.config.ternaryArray.rows
        let columns = chip.config.ternaryArray.columns
        let layout = ColumnBlocks(outFeatures: outFeatures, columns: columns, paired: pairedOutputs)
        let columnBlocks = layout.count
        let loadBytesPerCycle = Int64(chip.config.ternaryArray.weightLoadBytesPerCycle)
        let lanes = Int64(chip.config.vectorUnit.lanes)
        let sramBytesPerCycle = Int64(chip.config.sram.bytesPerCycle)
        let bits = chip.config.weightFormat.bitsPerWeight
        var best: (cycles: Int64, tiles: [[(row: Int, column: Int)]])? = nil
        var used = count
        while used >= 1 {
            let tiles = TileAssignment.tiles(rowBlocks: rowBlocks, columnBlocks: columnBlocks, arrays: used)
            var arrayCycles: Int64 = 0
            var partials = Array(repeating: Int64(0), count: columnBlocks)
            for list in tiles {
                var cycles: Int64 = 0
                for (position, tile) in list.enumerated() {
                    let r = min(rows, inFeatures - tile.row * rows)
                    let c = layout.width(tile.column)
                    let bytes = bits.bytes(forWeights: Int64(r * c))
                    cycles += ceilDiv(bytes, loadBytesPerCycle) + Int64(tokens) + chip.arrayPipelineDepthCycles
                    if position + 1 == list.count || list[position + 1].column != tile.column { partials[tile.column] += 1 }
                }
                arrayCycles = max(arrayCycles, cycles)
            }
            var vectorCycles: Int64 = 0
            for column in 0..<columnBlocks {
                let sums = Int64(tokens) * Int64(layout.width(column))
                vectorCycles += max(ceilDiv(partials[column] * sums, lanes),
                                    ceilDiv((4 * partials[column] + Int64(precision.linearOutputBytes)) * sums, sramBytesPerCycle))
            }
            let estimate = max(arrayCycles, vectorCycles)
            if best == nil || estimate < (best?.cycles ?? 0) {
                best = (estimate, tiles + Array(repeating: [], count: count - used))
            }
            used /= 2
        }
        return best?.tiles ?? TileAssignment.tiles(rowBlocks: rowBlocks, columnBlocks: columnBlocks, arrays: count)
    }

    /// The tiles (row block, column block) each array computes, in order.
    static func tiles(rowBlocks: Int, columnBlocks: Int, arrays count: Int) -> [[(row: Int, column: Int)]] {
        let total = rowBlocks * columnBlocks
        var tiles = Array(repeating: [(row: Int, column: Int)](), count: count)
        for index in 0..<total {
            tiles[index * count / total].append((row: index % rowBlocks, column: index / rowBlocks))
        }
        return tiles
    }

}

/// The column blocks of a BitLinear's outputs: ⌈out / columns⌉ blocks, the last one narrower;
/// or, for two tensors of out / 2 outputs each lowered together (fused gate and up), their
/// blocks interleaved — block 2k + t is block k of tensor t.
struct ColumnBlocks {
    let outFeatures: Int
    let columns: Int
    let paired: Bool

    /// Number of blocks.
    var count: Int { paired ? 2 * ceilDiv(outFeatures / 2, columns) : ceilDiv(outFeatures, columns) }

    /// Outputs of block `block`.
    func width(_ block: Int) -> Int {
        paired ? min(columns, outFeatures / 2 - (block / 2) * columns) : min(columns, outFeatures - block * columns)
    }

    /// The block's index within its own tensor.
    func blockInTensor(_ block: Int) -> Int { paired ? block / 2 : block }
}
