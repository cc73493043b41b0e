import TritChip
import TritCore
import TritISA
import TritModel

/// Where every weight of a model lies in the chip's off-chip memory: the DRAM image that a host
/// writes once and that every program compiled for the same model and chip reads (prefill and
/// decode, every token count). On an SRAM-only chip the same image lies at the start of the
/// weight buffer, resident.
///
/// Layout, from DRAM address 0, in graph order:
/// 1. every BitLinear's ternary weights, tensor by tensor. A tensor of `out × in` weights is cut
///    into tiles of the chip's array (`rows` inputs × `columns` outputs; edge tiles smaller), listed
///    column block by column block with row blocks inner, each tile packed on its own in the
///    chip's weight format (`TilePacking`: the tile's weights column by column, starting on a byte
///    boundary), one tile right after another;
/// 2. every BitLinear's weight scale γ (one fp32 each, BitNet b1.58's per-tensor absmean scale),
///    in graph order;
/// 3. the full-precision weights (fp16, `Precision.fullPrecisionWeightBytes` each): each RMSNorm's
///    `width` weights, the embedding table `[vocab × hidden]` row-major, and the LM head
///    `[vocab × hidden]` row-major unless it is tied to the embedding (then it reads the
///    embedding's range).
///
/// A tile's DRAM range is what one `dma.load` of the `ternary_weights` stream reads, so a program
/// that loads a tile twice (a later chunk, a re-streamed layer) reads the same bytes.
public struct WeightImage: Equatable, Sendable {
    /// One BitLinear's packed tiles.
    public struct TernaryTensor: Equatable, Sendable {
        /// The node's index in the step graph (the same in every phase's graph).
        public let node: Int
        /// The node's name (`model.layers.0.self_attn.q_proj`).
        public let name: String
        public let inFeatures: Int
        public let outFeatures: Int
        /// Tiles along the inputs (⌈in / rows⌉) and along the outputs (⌈out / columns⌉).
        public let rowBlocks: Int
        public let columnBlocks: Int
        /// DRAM address of each tile in image order (column block × rowBlocks + row block), and
        /// the tensor's end as a last entry: tile k spans `tileStarts[k] ..< tileStarts[k + 1]`.
        public let tileStarts: [Int64]
        /// DRAM address of the tensor's weight scale γ (4 bytes, fp32).
        public let scaleAddress: Int64

        /// The DRAM range of tile (`row` block, `column` block).
        public func tile(row: Int, column: Int) -> DRAMRange {
            let index = column * rowBlocks + row
            return DRAMRange(base: tileStarts[index], bytes: tileStarts[index + 1] - tileStarts[index])
        }

        /// The tensor's whole range.
        public var range: DRAMRange {
            DRAMRange(base: tileStarts.first ?? 0, bytes: (tileStarts.last ?? 0) - (tileStarts.first ?? 0))
        }
    }

    /// A full-precision tensor (norm weights, embedding table, untied LM head).
    public struct FullPrecisionTensor: Equatable, Sendable {
        public let node: Int
        public let name: String
        /// fp16 elements, row-major.
        public let elements: Int64
        public let range: DRAMRange
    }

    /// The BitLinears' tiles, in graph order.
    public let ternary: [TernaryTensor]
    /// The full-precision tensors, in graph order (a tied LM head has no entry of its own).
    public let fullPrecision: [FullPrecisionTensor]
    /// Bytes of the packed ternary part (the image's first bytes).
    public let ternaryBytes: Int64
    /// Bytes of one weight scale γ (fp32).
    public static let weightScaleBytes: Int64 = 4
    /// Bytes of the whole image.
    public let bytes: Int64

    private let ternaryOfNode: [Int: Int]
    private let fullPrecisionOfNode: [Int: Int]

    /// Lays out the weights of `graph`'s nodes for `chip` (its array shape and weight format).
    /// - Throws: `InputError` if the image's size overflows 64 bits.
    /// - Complexity: O(nodes + tiles).
    public init(graph: Graph, chip: ResolvedChip, precision: Precision) throws {
        let rows = chip.config.ternaryArray.rows
        let columns = chip.config.ternaryArray.columns
        let format = chip.config.weightFormat
        var cursor: Int64 = 0
        var ternary: [TernaryTensor] = []
        var ternaryOfNode: [Int: Int] = [:]
        for (index, node) in graph.nodes.enumerated() {
            guard case let .bitLinear(_, inFeatures, outFeatures) = node.operation else { continue }
            let rowBlocks = ceilDiv(inFeatures, rows)
            let columnBlocks = ceilDiv(outFeatures, columns)
            var starts: [Int64] = []
            starts.reserveCapacity(rowBlocks * columnBlocks + 1)
            for column in 0..<columnBlocks {
                let width = min(columns, outFeatures - column * columns)
                for row in 0..<rowBlocks {
                    let height = min(rows, inFeatures - row * rows)
                    starts.append(cursor)
                    cursor = try Checked.add(cursor, format.packedTileBytes(weights: Int64(height) * Int64(width)), "weight image bytes")
                }
            }
            starts.append(cursor)
            ternaryOfNode[index] = ternary.count
            ternary.append(TernaryTensor(node: index, name: node.name, inFeatures: inFeatures, outFeatures: outFeatures,
                                         rowBlocks: rowBlocks, columnBlocks: columnBlocks, tileStarts: starts, scaleAddress: 0))
        }
        let ternaryBytes = cursor
        ternary = ternary.enumerated().map { position, tensor in
            TernaryTensor(node: tensor.node, name: tensor.name, inFeatures: tensor.inFeatures, outFeatures: tensor.outFeatures,
                          rowBlocks: tensor.rowBlocks, columnBlocks: tensor.columnBlocks, tileStarts: tensor.tileStarts,
                          scaleAddress: ternaryBytes + Int64(position) * WeightImage.weightScaleBytes)
        }
        cursor = try Checked.add(cursor, Int64(ternary.count) * WeightImage.weightScaleBytes, "weight image bytes")
        var fullPrecision: [FullPrecisionTensor] = []
        var fullPrecisionOfNode: [Int: Int] = [:]
        var embedding: Int? = nil
        let elementBytes = Int64(precision.fullPrecisionWeightBytes)
        for (index, node) in graph.nodes.enumerated() {
            let elements: Int64
            switch node.operation {
            case let .rmsNorm(_, width): elements = Int64(width)
            case let .embedding(_, vocab, hidden):
                elements = try Checked.multiply(Int64(vocab), Int64(hidden), "embedding elements")
                embedding = index
            case let .denseLinear(_, inFeatures, outFeatures, shared):
                if shared, let embedding, let owner = fullPrecisionOfNode[embedding] {
                    fullPrecisionOfNode[index] = owner
                    continue
                }
                elements = try Checked.multiply(Int64(inFeatures), Int64(outFeatures), "LM head elements")
            default: continue
            }
            let bytes = try Checked.multiply(elements, elementBytes, "weight image bytes")
            fullPrecisionOfNode[index] = fullPrecision.count
            fullPrecision.append(FullPrecisionTensor(node: index, name: node.name, elements: elements,
                                                     range: DRAMRange(base: cursor, bytes: bytes)))
            cursor = try Checked.add(cursor, bytes, "weight image bytes")
        }
        self.ternary = ternary
        self.fullPrecision = fullPrecision
        self.ternaryBytes = ternaryBytes
        self.bytes = cursor
        self.ternaryOfNode = ternaryOfNode
        self.fullPrecisionOfNode = fullPrecisionOfNode
    }

    /// Bytes an `out × in` BitLinear takes in the image on `chip`: its tiles packed one by one, each
    /// from a byte boundary (more than the tensor's nominal bits per weight when tiles are small).
    /// The same sum `init` lays out tile by tile, in closed form over the four tile shapes.
    public static func packedBytes(inFeatures: Int, outFeatures: Int, chip: ResolvedChip) -> Int64 {
        let rows = chip.config.ternaryArray.rows, columns = chip.config.ternaryArray.columns
        let format = chip.config.weightFormat
        let fullRows = Int64(inFeatures / rows), lastRows = inFeatures % rows
        let fullColumns = Int64(outFeatures / columns), lastColumns = outFeatures % columns
        func tiles(_ count: Int64, _ height: Int, _ width: Int) -> Int64 {
            count == 0 || height == 0 || width == 0 ? 0 : count * format.packedTileBytes(weights: Int64(height) * Int64(width))
        }
        return tiles(fullRows * fullColumns, rows, columns) + tiles(fullColumns, lastRows, columns)
            + tiles(fullRows, rows, lastColumns) + tiles(1, lastRows, lastColumns)
    }

    /// The packed tiles of the BitLinear at graph index `node`, if it is one.
    public func ternaryTensor(ofNode node: Int) -> TernaryTensor? {
        ternaryOfNode[node].map { ternary[$0] }
    }

    /// The full-precision weights read by the node at graph index `node` (a tied LM head reads the
    /// embedding's), if it has any.
    public func fullPrecisionTensor(ofNode node: Int) -> FullPrecisionTensor? {
        fullPrecisionOfNode[node].map { fullPrecision[$0] }
    }
}
