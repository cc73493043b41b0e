import TritChip
import TritCompiler
import TritCore
import TritISA
import TritReference

/// The instructions weights touch, executed by address: tiles and the LM head.
extension Executor {
    /// One `tile`: decodes the packed tile at `weights` (which must be a tile of the image some DMA
    /// brought there) and multiplies the int8 input rows of its slice by it into its array's
    /// partial sums, as its `accumulate` flag says (ISA: false starts new sums, true adds).
    mutating func tile(instruction: Instruction, origin: InstructionOrigin, rows: Int, columns: Int, tokens tileTokens: Int,
                       weights: SRAMRange, accumulate: Bool) throws {
        func refuse(_ expected: String, _ found: String) -> FunctionalError {
            FunctionalError(problem: "tile on \(compiled.program.units[Int(instruction.unit)].name): expected \(expected), found \(found)")
        }
        guard let dramBase = imageAddress(ofSRAM: weights.base), let tile = tileAt[dramBase] else {
            throw refuse("weights a DMA brought from a tile of the weight image", "SRAM \(weights.base)+\(weights.bytes)")
        }
        guard case let .bitLinear(_, inFeatures, outFeatures) = graph.nodes[tile.node].operation else {
            throw refuse("a BitLinear's tile", "\(name(tile.node))")
        }
        let height = min(arrayRows, inFeatures - tile.row * arrayRows), width = min(arrayColumns, outFeatures - tile.column * arrayColumns)
        guard rows == height, columns == width else {
            throw refuse("a \(height)×\(width) tile (\(name(tile.node)) tile (\(tile.row), \(tile.column)))", "\(rows)×\(columns)")
        }
        let slice = origin.tokens
        guard slice.count == tileTokens, slice.upperBound <= tensors.rows else {
            throw refuse("\(slice.count) token rows (its slice)", "\(tileTokens) tokens")
        }
        let bytes = try sram.readBytes(count: Int(weights.bytes), at: weights.base)
        let trits = try TilePacking.unpack(bytes, count: height * width, format: format, source: "SRAM \(weights.base)+\(weights.bytes)")
        let inputNode = graph.nodes[tile.node].inputs.first ?? -1
        let input = try tensors.readQuantized(node: inputNode, rows: slice,
                                              columns: tile.row * arrayRows ..< tile.row * arrayRows + height,
                                              what: "the int8 input of \(name(tile.node)) (\(name(inputNode)))").values
        let key = PartialKey(node: tile.node, firstRow: slice.lowerBound, columnBlock: tile.column)
        var current = openPartials[instruction.unit]
        if accumulate {
            guard let open = current, open.key == key else {
                throw refuse("to accumulate into the sums of \(name(tile.node)) column block \(tile.column), rows from \(slice.lowerBound)",
                             current.map { "the array holds \(name($0.key.node)) column block \($0.key.columnBlock), rows from \($0.key.firstRow)" }
                                ?? "the array holds no partial sums")
            }
        } else {
            if let open = current, open.key == key {
                throw refuse("a tile that adds to the partial sums of \(name(tile.node)) column block \(tile.column) (accumulate=true)",
                             "accumulate=false, which would overwrite them before they are reduced")
            }
            if let open = current { finishedPartials[open.key, default: []].append(open) }
            current = PartialSums(key: key, rows: slice, width: width, rowBlocks: [],
                                  values: [Int32](repeating: 0, count: slice.count * width))
        }
        guard var open = current else { return }
        try TileKernel.run(trits: trits, rows: height, columns: width, input: input, tokens: slice.count,
                           accumulator: &open.values, accumulate: true)
        open.rowBlocks.append(tile.row)
        openPartials[instruction.unit] = open
    }

    /// The int32 sums of `node`'s column block `columnBlock` for `rows`: every array's partial sums
    /// of it added up (the split-K reduction); the arrays' sums are consumed.
    /// - Throws: `FunctionalError` unless the partial sums cover every row block exactly once.
    mutating func reducedSums(node: Int, rows: Range<Int>, columnBlock: Int) throws -> (sums: [Int32], width: Int) {
        let key = PartialKey(node: node, firstRow: rows.lowerBound, columnBlock: columnBlock)
        var parts = finishedPartials.removeValue(forKey: key) ?? []
        for unit in openPartials.keys.sorted() where openPartials[unit]?.key == key {
            if let open = openPartials.removeValue(forKey: unit) { parts.append(open) }
        }
        guard let tensor = compiled.image.ternaryTensor(ofNode: node) else {
            throw FunctionalError(problem: "dequantises \(name(node)), which has no ternary weights")
        }
        let covered = parts.flatMap(\.rowBlocks).sorted()
        guard covered == Array(0 ..< tensor.rowBlocks), let width = parts.first?.width,
              parts.allSatisfy({ $0.rows == rows && $0.width == width }) else {
            let missing = (0 ..< tensor.rowBlocks).filter { !covered.contains($0) }
            throw FunctionalError(problem: "dequantises \(name(node)) column block \(columnBlock) (rows \(rows.lowerBound)..<\(rows.upperBound)) from partial sums of row blocks \(covered) of 0..<\(tensor.rowBlocks)\(missing.isEmpty ? "" : ": row blocks \(missing) were never computed")")
        }
        var total = [Int32](repeating: 0, count: rows.count * width)
        for part in parts {
            for i in total.indices { total[i] &+= part.values[i] }
        }
        return (total, width)
    }

    /// One `matrix.dense` chunk of the LM head: the fp16-slot weight rows at `weights` (LM-head rows
    /// some DMA brought from the image) times the final norm's output rows, in the reference's
    /// order (Σ_i n[t, i] × H[v, i] in fp32, i ascending).
    mutating func dense(origin: InstructionOrigin, macs: Int64, weights: SRAMRange) throws {
        guard case let .dense(firstRow, headRows) = origin.role else { return }
        let hidden = model.hiddenSize, vocab = model.vocabSize
        let rowBytes = Int64(hidden) * 2
        guard let head = compiled.image.fullPrecisionTensor(ofNode: origin.node),
              let dramBase = imageAddress(ofSRAM: weights.base),
              dramBase == head.range.base + Int64(firstRow) * rowBytes, weights.bytes == Int64(headRows) * rowBytes,
              firstRow >= 0, headRows >= 1, firstRow + headRows <= vocab,
              macs == Int64(origin.tokens.count) * Int64(headRows) * Int64(hidden) else {
            throw FunctionalError(problem: "LM head (\(name(origin.node))): expected LM-head rows \(firstRow)..<\(firstRow + headRows) that a DMA brought from the weight image, \(origin.tokens.count) token(s) × \(hidden) MACs per row, found SRAM \(weights.base)+\(weights.bytes), \(macs) MACs")
        }
        let inputNode = graph.nodes[origin.node].inputs.first ?? -1
        let normed = try tensors.read(node: inputNode, rows: origin.tokens, what: "the final norm's output (\(name(inputNode)))")
        let weightRows = try sram.readFloats(count: headRows * hidden, at: weights.base, slotBytes: 2)
        for (t, row) in origin.tokens.enumerated() {
            let x = normed.row(t)
            for r in 0 ..< headRows {
                var sum: Float = 0
                for i in 0 ..< hidden { sum += x[i] * weightRows[r * hidden + i] }
                logits[row * vocab + firstRow + r] = sum
            }
        }
    }
}
