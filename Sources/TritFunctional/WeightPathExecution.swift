import TritChip
import TritCompiler
import TritCore
import TritISA
import TritModel
import TritReference

/// Runs the weight path of a compiled program on real bytes — everything a weight touches, from
/// the weight image in DRAM to the arithmetic:
/// - every `dma.load` of weights copies its range of the image into SRAM;
/// - every `tile` decodes the bytes its `weights` range holds and multiplies a block of int8
///   activations by them into its array's int32 partial sums (accumulate flags as the ISA defines),
///   and the partial sums of each column block are added up (the split-K reduction of the
///   dequantisation), giving each BitLinear's `[tokens × out]` int32 sums for the step;
/// - every `matrix.dense` (the LM head) reads the fp16-slot weight rows at its input range and
///   multiplies the final norm's output by them, giving the step's logits.
///
/// What is real and what is injected: weight bytes, their DMA from the image, the SRAM ranges
/// tiles and the LM head read them from, each tile's shape and token count, the accumulate flags
/// and which partial sums add up are all the program's. The int8 activations entering each
/// BitLinear and the final norm's output are the reference's (`inputs`, `headInput`), because the
/// compiler does not yet give activations exact SRAM addresses (`docs/functional.md`); a tile's
/// activations are the rows of its token slice (chunk and micro-batch, in program order) and the
/// columns of its row block. Single-chip programs only.
public enum WeightPathExecution {
    /// - Parameters:
    ///   - compiled: a program compiled for `chip` (no tensor or pipeline parallelism).
    ///   - image: memory holding the weight image (`WeightImageWriter`): DRAM, or on an SRAM-only
    ///     chip the weight buffer.
    ///   - inputs: per BitLinear node index, its `[step tokens × in]` int8 input.
    ///   - headInput: the final norm's `[rows × hidden]` output the LM head multiplies (rows: 1
    ///     for a prefill, the batch for a decode); nil skips the LM head.
    /// - Returns: per BitLinear node index, the `[step tokens × out]` int32 sums; and the
    ///   `[rows × vocab]` logits (NaN where no instruction computed one), when `headInput` is given.
    /// - Throws: `InputError` naming the instruction when a tile reads weights no DMA brought from a
    ///   tile of the image, its shape or token count disagrees with that tile and slice, it
    ///   accumulates into another column block's sums, or an input is missing;
    ///   `FunctionalError` (with the instruction) when it reads SRAM bytes never written or its
    ///   weight codes are invalid.
    public static func run(_ compiled: CompiledProgram, on chip: ResolvedChip, image: FunctionalMemory,
                           inputs: [Int: Matrix<Int8>], headInput: Matrix<Float>? = nil) throws -> Output {
        let config = chip.config
        let rows = config.ternaryArray.rows, columns = config.ternaryArray.columns
        let format = config.weightFormat
        let program = compiled.program
        var sram = config.hasOffChipMemory ? FunctionalMemory(name: "SRAM", capacity: config.sram.totalBytes) : image
        // Which image tile each DRAM address starts, and how many tiles each node has.
        var tileAt: [Int64: (node: Int, row: Int, column: Int)] = [:]
        var tilesOfNode: [Int: Int] = [:]
        for tensor in compiled.image.ternary {
            tilesOfNode[tensor.node] = tensor.rowBlocks * tensor.columnBlocks
            for column in 0..<tensor.columnBlocks {
                for row in 0..<tensor.rowBlocks { tileAt[tensor.tile(row: row, column: column).base] = (tensor.node, row, column) }
            }
        }
        let slices = tokenSlices(compiled)
        let stepTokens = compiled.graph.phase.tokensPerStep
        var sums: [Int: [Int32]] = [:]
        var tilesSeen: [Int: Int] = [:]
        /// DRAM address of the tile each SRAM address last received.
        var loadedFrom: [Int64: Int64] = [:]
        /// Per array: the partial sums it is building.
        var partial: [UnitID: Partial] = [:]
        // The LM head: its weight rows in the image, and the logits computed so far.
        let headNode = compiled.graph.nodes.firstIndex { if case .denseLinear = $0.operation { return true }; return false }
        let head = headNode.flatMap { compiled.image.fullPrecisionTensor(ofNode: $0) }
        let hidden = compiled.graph.model.hiddenSize
        let vocab = compiled.graph.model.vocabSize
        var logits = [Float](repeating: .nan, count: (headInput?.rows ?? 0) * vocab)

        func flush(_ p: Partial) {
            guard case let .bitLinear(_, _, outFeatures) = compiled.graph.nodes[p.node].operation else { return }
            var output = sums[p.node] ?? [Int32](repeating: 0, count: stepTokens * outFeatures)
            let width = p.values.count / max(p.tokens, 1)
            for t in 0..<p.tokens {
                for c in 0..<width {
                    let index = (p.firstToken + t) * outFeatures + p.columnBlock * columns + c
                    output[index] &+= p.values[t * width + c]
                }
            }
            sums[p.node] = output
        }

        for (index, instruction) in program.instructions.enumerated() {
            let location = "instruction \(index) (on \(program.units[Int(instruction.unit)].name))"
            func refuse(_ expected: String, _ found: String) -> InputError {
                InputError(source: "functional run", location: location, expected: expected, found: found)
            }
            do {
                switch instruction.operation {
                case let .dmaLoad(.ternaryWeights, dram, sramRange):
                    try sram.copy(bytes: dram.bytes, from: image, at: dram.base, to: sramRange.base)
                    loadedFrom[sramRange.base] = dram.base
                case let .dmaLoad(.fullPrecisionWeights, dram, sramRange)
                    where compiled.image.fullPrecision.contains { $0.range.base <= dram.base && dram.base + dram.bytes <= $0.range.base + $0.range.bytes }:
                    // Norm weights and LM-head rows (the embedding gather's DRAM range is not exact yet).
                    try sram.copy(bytes: dram.bytes, from: image, at: dram.base, to: sramRange.base)
                    loadedFrom[sramRange.base] = dram.base
                case let .matrix(.dense, macs, input, _, _):
                    guard let headInput, let head else { break }
                    let dramBase = config.hasOffChipMemory ? loadedFrom[input.base] : input.base
                    let rowBytes = Int64(hidden) * 2
                    guard let dramBase, dramBase >= head.range.base, (dramBase - head.range.base) % rowBytes == 0,
                          dramBase < head.range.base + head.range.bytes, headInput.columns == hidden else {
                        throw refuse("LM-head rows a DMA brought from the weight image, and a final-norm output \(hidden) wide",
                                     "SRAM \(input.base)+\(input.bytes), a final-norm output \(headInput.columns) wide")
                    }
                    let firstRow = Int((dramBase - head.range.base) / rowBytes)
                    let rows = Int(macs / Int64(max(headInput.rows * hidden, 1)))
                    guard rows >= 1, Int64(rows) * Int64(headInput.rows) * Int64(hidden) == macs, firstRow + rows <= vocab else {
                        throw refuse("\(headInput.rows) token(s) × whole LM-head rows of \(hidden) MACs", "\(macs) MACs")
                    }
                    let weights = try sram.readFloats(count: rows * hidden, at: input.base, slotBytes: 2)
                    // In the reference's order: Σ_i n[t, i] × H[v, i] in fp32, i ascending.
                    for t in 0..<headInput.rows {
                        let x = headInput.row(t)
                        for r in 0..<rows {
                            var sum: Float = 0
                            for i in 0..<hidden { sum += x[i] * weights[r * hidden + i] }
                            logits[t * vocab + firstRow + r] = sum
                        }
                    }
                case let .ternaryTile(tileRows, tileColumns, tokens, weights, _, _, accumulate):
                    let dramBase = config.hasOffChipMemory ? loadedFrom[weights.base] : weights.base
                    guard let dramBase, let tile = tileAt[dramBase] else {
                        throw refuse("weights a DMA brought from a tile of the weight image", "SRAM \(weights.base)+\(weights.bytes)")
                    }
                    guard case let .bitLinear(_, inFeatures, outFeatures) = compiled.graph.nodes[tile.node].operation,
                          let input = inputs[tile.node] else {
                        throw refuse("an int8 input for \(compiled.graph.nodes[tile.node].name)", "none")
                    }
                    guard input.rows == stepTokens, input.columns == inFeatures else {
                        throw refuse("a \(stepTokens)×\(inFeatures) int8 input for \(compiled.graph.nodes[tile.node].name)",
                                     "\(input.rows)×\(input.columns)")
                    }
                    let height = min(rows, inFeatures - tile.row * rows), width = min(columns, outFeatures - tile.column * columns)
                    guard Int(tileRows) == height, Int(tileColumns) == width else {
                        throw refuse("a \(height)×\(width) tile (\(compiled.graph.nodes[tile.node].name) tile (\(tile.row), \(tile.column)))",
                                     "\(tileRows)×\(tileColumns)")
                    }
                    let seen = tilesSeen[tile.node, default: 0]
                    tilesSeen[tile.node] = seen + 1
                    let slice = seen / max(tilesOfNode[tile.node] ?? 1, 1)
                    guard slice < slices.count, slices[slice].tokens == Int(tokens) else {
                        throw refuse("a tile of token slice \(slice) (\(slice < slices.count ? "\(slices[slice].tokens) tokens" : "past the step's \(slices.count) slices"))",
                                     "\(tokens) tokens")
                    }
                    let bytes = try sram.readBytes(count: Int(weights.bytes), at: weights.base)
                    let trits = try TilePacking.unpack(bytes, count: height * width, format: format, source: "SRAM \(weights.base)+\(weights.bytes)")
                    let first = slices[slice].first
                    var activations = [Int8](repeating: 0, count: Int(tokens) * height)
                    for t in 0..<Int(tokens) {
                        for r in 0..<height { activations[t * height + r] = input[first + t, tile.row * rows + r] }
                    }
                    var current = partial[instruction.unit]
                    if accumulate {
                        guard let open = current, open.node == tile.node, open.slice == slice, open.columnBlock == tile.column else {
                            throw refuse("to accumulate into the sums of \(compiled.graph.nodes[tile.node].name) column block \(tile.column), slice \(slice)",
                                         current.map { "the array holds \(compiled.graph.nodes[$0.node].name) column block \($0.columnBlock), slice \($0.slice)" }
                                            ?? "the array holds no partial sums")
                        }
                    } else {
                        if let open = current, open.node == tile.node, open.slice == slice, open.columnBlock == tile.column {
                            throw refuse("a tile that adds to the partial sums of \(compiled.graph.nodes[tile.node].name) column block \(tile.column) (accumulate=true)",
                                         "accumulate=false, which would overwrite them before they are reduced")
                        }
                        if let open = current { flush(open) }
                        current = Partial(node: tile.node, slice: slice, columnBlock: tile.column, firstToken: first, tokens: Int(tokens),
                                          values: [Int32](repeating: 0, count: Int(tokens) * width))
                    }
                    if var open = current {
                        try TileKernel.run(trits: trits, rows: height, columns: width, input: activations, tokens: Int(tokens),
                                           accumulator: &open.values, accumulate: true)
                        partial[instruction.unit] = open
                    }
                default:
                    break
                }
            } catch let error as FunctionalError {
                throw error.with(instruction: index)
            }
        }
        for unit in partial.keys.sorted() {
            if let open = partial[unit] { flush(open) }
        }
        var result: [Int: Matrix<Int32>] = [:]
        for (node, values) in sums {
            guard case let .bitLinear(_, _, outFeatures) = compiled.graph.nodes[node].operation else { continue }
            result[node] = try Matrix(rows: stepTokens, columns: outFeatures, elements: values)
        }
        let headLogits = try headInput.map { try Matrix(rows: $0.rows, columns: vocab, elements: logits) }
        return Output(sums: result, logits: headLogits)
    }

    /// What the weight path computed.
    public struct Output: Sendable {
        /// Per BitLinear node index, the `[step tokens × out]` int32 sums.
        public let sums: [Int: Matrix<Int32>]
        /// The LM head's `[rows × vocab]` logits, when a final-norm output was given.
        public let logits: Matrix<Float>?
    }

    /// The token slices the compiler lowers, in program order (`MemoryPlan.tokenSlices`); each
    /// node's tiles appear once per slice, in this order.
    static func tokenSlices(_ compiled: CompiledProgram) -> [(first: Int, tokens: Int)] {
        compiled.plan.tokenSlices(stepTokens: compiled.graph.phase.tokensPerStep).joined().map { ($0.first, $0.tokens) }
    }

    /// The int32 sums an array is building: one column block of one node for one token slice.
    private struct Partial {
        let node: Int
        let slice: Int
        let columnBlock: Int
        let firstToken: Int
        let tokens: Int
        var values: [Int32]
    }
}
