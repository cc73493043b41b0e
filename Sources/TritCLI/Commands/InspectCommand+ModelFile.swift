import Foundation
import TritCore
import TritModel
import TritReport
import TritWeights

extension InspectCommand {
    /// `tritsim inspect model.gguf|model.safetensors`: every tensor, totals per type, and the model
    /// the file describes (or why it describes none).
    /// - Throws: `InputError` for a broken file; `--chip`/`--system`, which apply to programs only.
    func inspectModelFile(_ path: String, in context: CommandContext) throws {
        if chip != nil || system != nil {
            throw InputError(source: "command line", location: chip != nil ? "--chip" : "--system",
                             expected: "no chip or system with a model file (they apply to programs)", found: "one given")
        }
        let file = try WeightFile.open(path)
        let rows = file.rows
        let sharded = rows.contains { !$0.shard.isEmpty }
        var out = "\(program): \(file.summary)\n\n"
        var table = TextTable(headers: ["tensor", "type", "shape", "elements", "bytes"] + (sharded ? ["shard"] : []),
                              alignments: [.left, .left, .left, .right, .right] + (sharded ? [.left] : []))
        table.rows = rows.map { [$0.name, $0.type, $0.shape, String($0.elementCount), String($0.byteCount)] + (sharded ? [$0.shard] : []) }
        out += table.plainText() + "\n"

        var perType: [(type: String, tensors: Int, elements: Int64, bytes: Int64)] = []
        for row in rows {
            if let index = perType.firstIndex(where: { $0.type == row.type }) {
                perType[index].tensors += 1
                perType[index].elements = perType[index].elements &+ row.elementCount
                perType[index].bytes = perType[index].bytes &+ row.byteCount
            } else {
                perType.append((row.type, 1, row.elementCount, row.byteCount))
            }
        }
        var totals = TextTable(headers: ["type", "tensors", "elements", "bytes"], alignments: [.left, .right, .right, .right])
        totals.rows = perType.map { [$0.type, String($0.tensors), String($0.elements), "\($0.bytes) (\(Units.bytes($0.bytes)))"] }
        let elements = rows.reduce(Int64(0)) { $0 &+ $1.elementCount }
        let bytes = rows.reduce(Int64(0)) { $0 &+ $1.byteCount }
        totals.rows.append(["total", String(rows.count), String(elements), "\(bytes) (\(Units.bytes(bytes)))"])
        out += totals.plainText() + "\n"

        do {
            let model = try file.modelConfig()
            out += "model: \(Self.describe(model))\n"
            let graph = try Graph.decode(model, batch: 1, context: 1)
            out += "graph: \(graph.parameterCount) parameters, \(graph.ternaryParameterCount) of them ternary\n"
        } catch let error as InputError {
            out += "model: not described (\(error.description))\n"
        }
        context.stdout(out)
    }

    /// One line with every field of a model config.
    static func describe(_ m: ModelConfig) -> String {
        "\(m.name): hidden \(m.hiddenSize), FFN \(m.intermediateSize) (\(m.activation.rawValue)), \(m.layers) layers, "
            + "\(m.attentionHeads) query / \(m.kvHeads) KV heads of \(m.headDim), vocabulary \(m.vocabSize), "
            + "context \(m.maxPositionEmbeddings) tokens, RoPE θ \(JSONWriter.formatNumber(m.ropeTheta)), "
            + "RMSNorm ε \(JSONWriter.formatNumber(m.rmsNormEps)), \(m.tieWordEmbeddings ? "tied" : "separate") LM head, "
            + "\(m.subNorms ? "with" : "without") BitNet sub-norms"
    }
}
