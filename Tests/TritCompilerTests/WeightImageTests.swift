import Testing
import TritChip
@testable import TritCompiler
import TritCore
import TritISA
import TritModel
import TritTestSupport

/// The weight image (`WeightImage`) and the DRAM ranges compiled programs read from it.
@Suite struct WeightImageTests {
    let chips = ChipCatalog(folder: RepositoryPaths.chips, technologyFolder: RepositoryPaths.technology)
    let models = ModelCatalog(folder: RepositoryPaths.models)

    /// Tiles lie back to back from address 0, each the size its packing gives, tensor after
    /// tensor in graph order; then the BitLinears' γ; then the fp16 tensors; a tied LM head owns no bytes.
    @Test(arguments: WeightFormat.allCases)
    func tilesAndTensorsLieBackToBack(format: WeightFormat) throws {
        let chip = try chips.load("edge-lpddr5x").with { $0.weightFormat = format }
        let model = try models.load("bitnet-b1.58-2B-4T")
        let graph = try Graph.decode(model, batch: 1, context: 0)
        let image = try WeightImage(graph: graph, chip: chip, precision: Compiler.precision(for: chip))
        let rows = chip.config.ternaryArray.rows, columns = chip.config.ternaryArray.columns
        var cursor: Int64 = 0
        for tensor in image.ternary {
            for column in 0..<tensor.columnBlocks {
                for row in 0..<tensor.rowBlocks {
                    let weights = Int64(min(rows, tensor.inFeatures - row * rows)) * Int64(min(columns, tensor.outFeatures - column * columns))
                    let tile = tensor.tile(row: row, column: column)
                    #expect(tile.base == cursor && tile.bytes == format.packedTileBytes(weights: weights), "\(tensor.name) (\(row), \(column))")
                    cursor = tile.base + tile.bytes
                }
            }
        }
        #expect(image.ternary.count == 7 * model.layers)
        // The planner's closed form for a tensor's packed bytes is the sum the image lays out.
        for tensor in image.ternary {
            #expect(WeightImage.packedBytes(inFeatures: tensor.inFeatures, outFeatures: tensor.outFeatures, chip: chip) == tensor.range.bytes,
                    "\(tensor.name)")
        }
        #expect(cursor == image.ternaryBytes)
        // Within a byte per tile of the tensor-level packed size.
        let tiles = image.ternary.reduce(0) { $0 + $1.rowBlocks * $1.columnBlocks }
        #expect(abs(image.ternaryBytes - graph.nodes.reduce(Int64(0)) { total, node in
            if case .bitLinear = node.operation { return total + node.weightBytes(Compiler.precision(for: chip)) }
            return total
        }) <= Int64(tiles))
        // Then one fp32 γ per BitLinear, in graph order.
        for (position, tensor) in image.ternary.enumerated() {
            #expect(tensor.scaleAddress == cursor + Int64(position) * WeightImage.weightScaleBytes, "\(tensor.name) γ")
        }
        cursor += Int64(image.ternary.count) * WeightImage.weightScaleBytes
        for tensor in image.fullPrecision {
            #expect(tensor.range.base == cursor && tensor.range.bytes == 2 * tensor.elements, "\(tensor.name)")
            cursor += tensor.range.bytes
        }
        #expect(cursor == image.bytes)
        // 2B4T ties its LM head to the embedding: one fp table, read by both.
        let embedding = try #require(graph.nodes.firstIndex { $0.category == .embedding })
        let head = try #require(graph.nodes.firstIndex { $0.category == .lmHead })
        #expect(image.fullPrecisionTensor(ofNode: head) == image.fullPrecisionTensor(ofNode: embedding))
        #expect(image.fullPrecision.count == 4 * model.layers + 2)  // 4 norms per layer, the final norm, the embedding
    }

    /// Every `ternary_weights` load of a compiled program reads exactly one tile of the image, into
    /// as many bytes as the tile instruction then reads; each tile is loaded once per chunk (twice
    /// when a 700-token prompt runs in two chunks), so a dropped or repeated tile is caught.
    @Test(arguments: ["edge-lpddr5x", "datacenter-hbm3e"])
    func programsLoadEveryTileOncePerChunk(chipName: String) throws {
        let chip = try chips.load(chipName)
        let model = try models.load("bitnet-b1.58-2B-4T")
        for graph in [try Graph.decode(model, batch: 3, context: 40), try Graph.prefill(model, tokens: 700)] {
            let compiled = try Compiler(chip: chip).compile(graph)
            var tileOfAddress: [Int64: DRAMRange] = [:]
            for tensor in compiled.image.ternary {
                for column in 0..<tensor.columnBlocks {
                    for row in 0..<tensor.rowBlocks {
                        let tile = tensor.tile(row: row, column: column)
                        tileOfAddress[tile.base] = tile
                    }
                }
            }
            var loads: [Int64: Int] = [:]
            var loadedBytes: [Int64: Int64] = [:]  // SRAM base → bytes the DMA wrote
            var tileReads = 0
            for instruction in compiled.program.instructions {
                switch instruction.operation {
                case let .dmaLoad(.ternaryWeights, dram, sram):
                    #expect(tileOfAddress[dram.base] == dram, "\(graph.phase): load of \(dram) is not one tile of the image")
                    loads[dram.base, default: 0] += 1
                    loadedBytes[sram.base] = sram.bytes
                case let .ternaryTile(_, _, _, weights, _, _, _):
                    #expect(loadedBytes[weights.base] == weights.bytes, "\(graph.phase): tile reads \(weights), not a loaded tile")
                    tileReads += 1
                default: break
                }
            }
            let chunks = compiled.plan.chunks
            let neverLoaded = tileOfAddress.keys.filter { loads[$0] == nil }.count
            let loadedOtherThanOncePerChunk = loads.values.filter { $0 != chunks }.count
            #expect(neverLoaded == 0, "\(graph.phase): \(neverLoaded) of \(tileOfAddress.count) tiles never loaded")
            #expect(loadedOtherThanOncePerChunk == 0, "\(graph.phase): \(loadedOtherThanOncePerChunk) tiles loaded other than \(chunks) times")
            #expect(tileReads == tileOfAddress.count * chunks * compiled.plan.microBatches)
        }
    }

    /// Norm weights and LM-head rows come from their own image ranges; the LM head's chunks cover
    /// its rows exactly once per run, whole rows each.
    @Test func fullPrecisionLoadsReadTheirImageRanges() throws {
        let chip = try chips.load("edge-lpddr5x")
        let graph = try Graph.decode(try models.load("bitnet-b1.58-2B-4T"), batch: 2, context: 9)
        let compiled = try Compiler(chip: chip).compile(graph)
        let image = compiled.image
        let head = try #require(graph.nodes.firstIndex { $0.category == .lmHead })
        let headRange = try #require(image.fullPrecisionTensor(ofNode: head)?.range)
        let norms = Set(graph.nodes.indices.filter { if case .rmsNorm = graph.nodes[$0].operation { return true }; return false }
                        .compactMap { image.fullPrecisionTensor(ofNode: $0)?.range.base })
        var headCursor = headRange.base
        var normLoads = 0
        let rowBytes = Int64(graph.model.hiddenSize) * 2
        for instruction in compiled.program.instructions {
            guard case let .dmaLoad(.fullPrecisionWeights, dram, _) = instruction.operation else { continue }
            if norms.contains(dram.base) {
                normLoads += 1
            } else if dram.base >= headRange.base, dram.base < headRange.base + headRange.bytes {
                #expect(dram.base == headCursor && dram.bytes % rowBytes == 0)
                headCursor += dram.bytes
            }
        }
        #expect(headCursor == headRange.base + headRange.bytes)
        #expect(normLoads == 4 * graph.model.layers + 1)
    }
}
