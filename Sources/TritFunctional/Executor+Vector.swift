import TritCompiler
import TritCore
import TritISA
import TritModel
import TritReference

/// The vector unit's instructions and the data movement around them, executed by meaning with the
/// reference's routines on the step's tensors.
extension Executor {
    /// The embedding gather: the token rows of the fp16 table, read from the image.
    mutating func embed(node: Int, rows: Range<Int>) throws {
        guard let table = compiled.image.fullPrecisionTensor(ofNode: node) else {
            throw FunctionalError(problem: "gathers embedding rows, but the image has no embedding table")
        }
        let hidden = model.hiddenSize
        var values: [Float] = []
        values.reserveCapacity(rows.count * hidden)
        for row in rows {
            let address = table.range.base + Int64(tokens[row]) * Int64(hidden) * 2
            values += try image.readFloats(count: hidden, at: address, slotBytes: 2)
        }
        tensors.write(node: node, width: hidden, rows: rows, columns: 0 ..< hidden, values)
    }

    /// γ of BitLinear `node`, from the image.
    func weightScale(of node: Int) throws -> Float {
        guard let tensor = compiled.image.ternaryTensor(ofNode: node) else {
            throw FunctionalError(problem: "dequantises \(name(node)), which has no weight scale in the image")
        }
        return try image.readFloats(count: 1, at: tensor.scaleAddress, slotBytes: Int(WeightImage.weightScaleBytes))[0]
    }

    /// Column block `columnBlock` of `node`'s outputs for `rows`: the reduced sums dequantised,
    /// y = Float(acc) × (γ / s) as `BitLinear.apply` computes it. Records the sums.
    mutating func dequantizedBlock(node: Int, rows: Range<Int>, columnBlock: Int) throws -> (values: [Float], columns: Range<Int>) {
        guard case let .bitLinear(_, _, outFeatures) = graph.nodes[node].operation else {
            throw FunctionalError(problem: "dequantises \(name(node)), which is not a BitLinear")
        }
        let (block, width) = try reducedSums(node: node, rows: rows, columnBlock: columnBlock)
        let columns = columnBlock * arrayColumns ..< columnBlock * arrayColumns + width
        guard columns.upperBound <= outFeatures else {
            throw FunctionalError(problem: "dequantises \(name(node)) column block \(columnBlock), past its \(outFeatures) outputs")
        }
        let inputNode = graph.nodes[node].inputs.first ?? -1
        let scales = try tensors.readQuantized(node: inputNode, rows: rows, columns: 0 ..< 0,
                                               what: "the activation scales of \(name(node))'s input (\(name(inputNode)))").scales
        let gamma = try weightScale(of: node)
        var all = sums[node] ?? [Int32](repeating: 0, count: tensors.rows * outFeatures)
        var values = [Float](repeating: 0, count: rows.count * width)
        for (t, row) in rows.enumerated() {
            let factor = BitLinear.dequantizationFactor(weightScale: gamma, activationScale: scales[t])
            for c in 0 ..< width {
                let sum = block[t * width + c]
                all[row * outFeatures + columns.lowerBound + c] = sum
                values[t * width + c] = Float(sum) * factor
            }
        }
        sums[node] = all
        tensors.write(node: node, width: outFeatures, rows: rows, columns: columns, values)
        return (values, columns)
    }

    /// `vector.dequantize`: one column block of a BitLinear; with `residual`, the residual add after
    /// it (node + 1) too: r + y.
    mutating func dequantize(node: Int, rows: Range<Int>, columnBlock: Int, residual: Bool) throws {
        let (values, columns) = try dequantizedBlock(node: node, rows: rows, columnBlock: columnBlock)
        guard residual else { return }
        let add = node + 1
        guard graph.nodes.indices.contains(add), case let .residualAdd(_, width) = graph.nodes[add].operation,
              let stream = graph.nodes[add].inputs.first(where: { $0 != node }) else {
            throw FunctionalError(problem: "adds the residual after \(name(node)), but no residual add follows it")
        }
        let r = try tensors.read(node: stream, rows: rows, columns: columns, what: "the residual stream (\(name(stream)))")
        var sum = values
        for i in sum.indices { sum[i] = r.elements[i] + values[i] }
        tensors.write(node: add, width: width, rows: rows, columns: columns, sum)
    }

    /// Fused gate and up: block `columnBlock` of both dequantised, then act(gate) × up (node + 2).
    mutating func gatedDequantize(node: Int, rows: Range<Int>, columnBlock: Int) throws {
        let gating = node + 2
        guard graph.nodes.indices.contains(gating), case let .gatedActivation(_, width, activation) = graph.nodes[gating].operation else {
            throw FunctionalError(problem: "gates \(name(node)), but no gated activation follows it")
        }
        let (gate, columns) = try dequantizedBlock(node: node, rows: rows, columnBlock: columnBlock)
        let (up, _) = try dequantizedBlock(node: node + 1, rows: rows, columnBlock: columnBlock)
        var output = gate
        for i in output.indices { output[i] = GatedActivation.activate(gate[i], activation) * up[i] }
        tensors.write(node: gating, width: width, rows: rows, columns: columns, output)
    }

    /// `rms_norm` (RMSNorm.apply with the norm's weights from the image); with `fusedQuantize`,
    /// also the absmax int8 quantisation of the result (node + 1).
    mutating func normalise(node: Int, rows: Range<Int>, fusedQuantize: Bool) throws {
        guard case let .rmsNorm(_, width) = graph.nodes[node].operation, let weights = compiled.image.fullPrecisionTensor(ofNode: node) else {
            throw FunctionalError(problem: "normalises with \(name(node)), which is not a norm with weights in the image")
        }
        let inputNode = graph.nodes[node].inputs.first ?? -1
        let x = try tensors.read(node: inputNode, rows: rows, what: "the input of \(name(node)) (\(name(inputNode)))")
        let g = try image.readFloats(count: width, at: weights.range.base, slotBytes: 2)
        let normed = try RMSNorm.apply(x, weight: g, epsilon: Float(model.rmsNormEps))
        tensors.write(node: node, width: width, rows: rows, columns: 0 ..< width, normed.elements)
        if fusedQuantize { tensors.writeQuantized(node: node + 1, rows: rows, QuantizedActivations(quantizing: normed)) }
    }

    /// `quantize`: per-token absmax int8 of the input rows.
    mutating func quantize(node: Int, rows: Range<Int>) throws {
        let inputNode = graph.nodes[node].inputs.first ?? -1
        let x = try tensors.read(node: inputNode, rows: rows, what: "the input of \(name(node)) (\(name(inputNode)))")
        tensors.writeQuantized(node: node, rows: rows, QuantizedActivations(quantizing: x))
    }

    /// `rope`: rotates the rows' queries (the node's output) and keys (its `keys` part), each row
    /// at its position.
    mutating func rotate(node: Int, rows: Range<Int>) throws {
        let inputs = graph.nodes[node].inputs
        guard inputs.count == 2 else { throw FunctionalError(problem: "rotates with \(name(node)), which has no query and key inputs") }
        let q = try tensors.read(node: inputs[0], rows: rows, what: "the queries (\(name(inputs[0])))")
        let k = try tensors.read(node: inputs[1], rows: rows, what: "the keys (\(name(inputs[1])))")
        func rotated(_ x: Matrix<Float>) throws -> [Float] {
            guard isDecode else { return try rope.apply(x, firstPosition: firstPosition + rows.lowerBound).elements }
            var result: [Float] = []
            for t in 0 ..< x.rows {
                result += try rope.apply(try Matrix(rows: 1, columns: x.columns, elements: x.row(t)), firstPosition: firstPosition).elements
            }
            return result
        }
        tensors.write(node: node, width: q.columns, rows: rows, columns: 0 ..< q.columns, try rotated(q))
        tensors.write(node: node, part: .keys, width: k.columns, rows: rows, columns: 0 ..< k.columns, try rotated(k))
    }

    /// `gating` of separately computed gate and up outputs: act(gate) × up.
    mutating func gate(node: Int, rows: Range<Int>) throws {
        guard case let .gatedActivation(_, width, activation) = graph.nodes[node].operation, graph.nodes[node].inputs.count == 2 else {
            throw FunctionalError(problem: "gates with \(name(node)), which is not a gated activation")
        }
        let inputs = graph.nodes[node].inputs
        let g = try tensors.read(node: inputs[0], rows: rows, what: "the gate (\(name(inputs[0])))")
        let u = try tensors.read(node: inputs[1], rows: rows, what: "the up projection (\(name(inputs[1])))")
        let h = try GatedActivation.apply(gate: g, up: u, activation: activation)
        tensors.write(node: node, width: width, rows: rows, columns: 0 ..< width, h.elements)
    }

    /// `residual_add` not fused with a dequantisation: residual + layer output.
    mutating func addResidual(node: Int, rows: Range<Int>) throws {
        guard case let .residualAdd(_, width) = graph.nodes[node].operation, graph.nodes[node].inputs.count == 2 else {
            throw FunctionalError(problem: "adds with \(name(node)), which is not a residual add")
        }
        let inputs = graph.nodes[node].inputs
        let y = try tensors.read(node: inputs[0], rows: rows, what: "the layer output (\(name(inputs[0])))")
        let r = try tensors.read(node: inputs[1], rows: rows, what: "the residual stream (\(name(inputs[1])))")
        var sum = r.elements
        for i in sum.indices { sum[i] = r.elements[i] + y.elements[i] }
        tensors.write(node: node, width: width, rows: rows, columns: 0 ..< width, sum)
    }

    /// The KV append: the rows' rotated keys and values go to the KV cache of `layer`.
    mutating func storeKV(node: Int, layer: Int, rows: Range<Int>) throws {
        let inputs = graph.nodes[node].inputs
        guard inputs.count == 2 else { throw FunctionalError(problem: "stores keys and values with \(name(node)), which has no key and value inputs") }
        let keys = try tensors.read(node: inputs[0], part: .keys, rows: rows, what: "the rotated keys of layer \(layer) (\(name(inputs[0])))")
        let values = try tensors.read(node: inputs[1], rows: rows, what: "the values of layer \(layer) (\(name(inputs[1])))")
        if isDecode {
            for (t, row) in rows.enumerated() {
                try cache.append(layer: layer, sequence: row, positions: firstPosition ..< firstPosition + 1, keys: keys.row(t), values: values.row(t))
            }
        } else {
            try cache.append(layer: layer, sequence: 0, positions: firstPosition + rows.lowerBound ..< firstPosition + rows.upperBound,
                             keys: keys.elements, values: values.elements)
        }
    }

    /// A KV-cache block load into a KV-buffer slot: the block's keys and values must have been stored.
    mutating func loadKV(layer: Int, block: InstructionOrigin.AttentionBlock, slot: SRAMRange) throws {
        for sequence in block.sequences {
            _ = try cache.rows(layer: layer, sequence: sequence, positions: block.keys)
        }
        slotContents[slot.base] = (layer, block)
    }
}
