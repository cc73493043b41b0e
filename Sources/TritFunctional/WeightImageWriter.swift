import TritChip
import TritCompiler
import TritCore
import TritModel
import TritReference

/// Writes a model's weights into memory at the addresses of a `WeightImage`: what a host does once
/// before the chip runs (DRAM, or the weight buffer of an SRAM-only chip).
public enum WeightImageWriter {
    /// Packs and writes every tensor of `image`.
    ///
    /// Ternary tensors: tile (row block r, column block c) holds W̃[c·C + j, r·R + i] as weight
    /// j·rows + i (column by column), packed by `TilePacking` in `format`; its γ is an fp32 slot.
    /// Full-precision tensors
    /// (norm weights, embedding table, untied LM head) are written as fp16 slots holding fp32 values.
    /// - Parameters:
    ///   - model: the weights; its layers must match the graph the image was laid out for.
    ///   - graph: the step graph the image was laid out for (node names say which tensor is which).
    ///   - chip: the chip the image was laid out for (its array shape is the tile size, its weight
    ///     format the packing).
    /// - Throws: `InputError` when a node of the image has no tensor of the right shape in `model`;
    ///   `FunctionalError` when the image does not fit `memory`.
    public static func write(_ model: ReferenceModel, image: WeightImage, graph: Graph, chip: ResolvedChip,
                             into memory: inout FunctionalMemory) throws {
        let rows = chip.config.ternaryArray.rows, columns = chip.config.ternaryArray.columns
        let format = chip.config.weightFormat
        for tensor in image.ternary {
            let weights = try ternaryWeights(of: graph.nodes[tensor.node], in: model)
            guard weights.outFeatures == tensor.outFeatures, weights.inFeatures == tensor.inFeatures else {
                throw InputError(source: "weight image", location: tensor.name,
                                 expected: "\(tensor.outFeatures)×\(tensor.inFeatures) ternary weights",
                                 found: "\(weights.outFeatures)×\(weights.inFeatures) in the model")
            }
            for column in 0..<tensor.columnBlocks {
                for row in 0..<tensor.rowBlocks {
                    let trits = tile(weights.trits, rowBlock: row, columnBlock: column, rows: rows, columns: columns)
                    let bytes = try TilePacking.pack(trits, format: format, source: "\(tensor.name) tile (\(row), \(column))")
                    try memory.writeBytes(bytes, at: tensor.tile(row: row, column: column).base)
                }
            }
            try memory.writeFloats([weights.scale], at: tensor.scaleAddress, slotBytes: Int(WeightImage.weightScaleBytes))
        }
        for tensor in image.fullPrecision {
            let values = try fullPrecisionWeights(of: graph.nodes[tensor.node], in: model)
            guard Int64(values.count) == tensor.elements else {
                throw InputError(source: "weight image", location: tensor.name, expected: "\(tensor.elements) weights",
                                 found: "\(values.count) in the model")
            }
            try memory.writeFloats(values, at: tensor.range.base, slotBytes: Int(tensor.range.bytes / max(tensor.elements, 1)))
        }
    }

    /// The memory the image lives in on `chip` — DRAM, or the SRAM of an SRAM-only chip (whose
    /// weight buffer holds it from address 0) — with `model` written into it.
    /// - Throws: as `write`.
    public static func memory(holding model: ReferenceModel, image: WeightImage, graph: Graph, chip: ResolvedChip) throws -> FunctionalMemory {
        let c = chip.config
        var memory = c.hasOffChipMemory ? FunctionalMemory(name: "DRAM", capacity: c.offChipMemory.capacityBytes)
            : FunctionalMemory(name: "SRAM", capacity: c.sram.totalBytes)
        try write(model, image: image, graph: graph, chip: chip, into: &memory)
        return memory
    }

    /// The trits of tile (`rowBlock`, `columnBlock`) of `trits` (`[out × in]`), column by column.
    public static func tile(_ trits: Matrix<Int8>, rowBlock: Int, columnBlock: Int, rows: Int, columns: Int) -> [Int8] {
        let firstInput = rowBlock * rows, firstOutput = columnBlock * columns
        let height = min(rows, trits.columns - firstInput), width = min(columns, trits.rows - firstOutput)
        var result: [Int8] = []
        result.reserveCapacity(max(0, height * width))
        for j in 0..<max(0, width) {
            for i in 0..<max(0, height) { result.append(trits[firstOutput + j, firstInput + i]) }
        }
        return result
    }

    /// The reference tensor a BitLinear node of the graph computes with, by the node's name.
    public static func ternaryWeights(of node: GraphNode, in model: ReferenceModel) throws -> TernaryMatrix {
        let layer = try layerWeights(of: node, in: model)
        switch node.nameInLayer {
        case "self_attn.q_proj": return layer.qProj
        case "self_attn.k_proj": return layer.kProj
        case "self_attn.v_proj": return layer.vProj
        case "self_attn.o_proj": return layer.oProj
        case "mlp.gate_proj": return layer.gateProj
        case "mlp.up_proj": return layer.upProj
        case "mlp.down_proj": return layer.downProj
        default:
            throw InputError(source: "weight image", location: node.name, expected: "a BitLinear of a decoder layer", found: "no such tensor")
        }
    }

    /// The fp32 weights of a norm, the embedding or the LM head node, row-major.
    static func fullPrecisionWeights(of node: GraphNode, in model: ReferenceModel) throws -> [Float] {
        switch node.operation {
        case .embedding: return model.embedding.elements
        case .denseLinear: return model.lmHead.elements
        case .rmsNorm:
            guard node.layer != nil else { return model.finalNorm }
            let layer = try layerWeights(of: node, in: model)
            let weights: [Float]?
            switch node.name.split(separator: ".").last.map(String.init) ?? "" {
            case "input_layernorm": weights = layer.inputNorm
            case "attn_sub_norm": weights = layer.attnSubNorm
            case "post_attention_layernorm": weights = layer.postAttentionNorm
            case "ffn_sub_norm": weights = layer.ffnSubNorm
            default: weights = nil
            }
            guard let weights else {
                throw InputError(source: "weight image", location: node.name, expected: "a norm of the model", found: "no such weights")
            }
            return weights
        default:
            throw InputError(source: "weight image", location: node.name, expected: "a node with full-precision weights", found: "\(node.operation)")
        }
    }

    private static func layerWeights(of node: GraphNode, in model: ReferenceModel) throws -> LayerWeights {
        guard let index = node.layer, model.layers.indices.contains(index) else {
            throw InputError(source: "weight image", location: node.name, expected: "a layer of the model (0..<\(model.layers.count))",
                             found: "\(node.layer.map(String.init) ?? "none")")
        }
        return model.layers[index]
    }
}
