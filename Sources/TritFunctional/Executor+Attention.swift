import TritCompiler
import TritCore
import TritISA
import TritReference

/// Attention, executed block by block as the program orders it: `matrix.scores` computes a
/// block's scores (`AttentionScore.block`), `vector.softmax` its block-local softmax
/// (`BlockSoftmax`), `matrix.values` merges it into the slice's running output
/// (`OnlineSoftmaxState`), and the slice's last block gives the attention output.
extension Executor {
    /// A block between its scores and its values, for one sequence of the block.
    struct PendingBlock {
        let layer: Int
        let block: InstructionOrigin.AttentionBlock
        let sequence: Int
        let scores: [Float]
        let values: Matrix<Float>
        let visibleKeys: [Int]
        var softmax: BlockSoftmax?
    }

    /// The attention of one slice of one layer in progress.
    struct AttentionInProgress {
        var state: OnlineSoftmaxState
        var pending: [PendingBlock] = []
        /// Per sequence, the key ranges merged so far.
        var merged: [Int: [Range<Int>]] = [:]
    }

    /// The key and value rows of `positions` of `sequence` in `layer`: from the KV cache when the
    /// block is read from memory, else this step's rows still on chip (RoPE's keys and the V
    /// projection's outputs). On an SRAM-only chip the cache is written in place, so positions of
    /// this step read "from memory" are this step's rows.
    func keyValueRows(layer: Int, scoresNode: Int, sequence: Int, positions: Range<Int>,
                      fromMemory: Bool) throws -> (keys: Matrix<Float>, values: Matrix<Float>) {
        let kvWidth = model.kvWidth
        if fromMemory, hasOffChipMemory || positions.upperBound <= firstPosition {
            let (keys, values) = try cache.rows(layer: layer, sequence: sequence, positions: positions)
            return (try Matrix(rows: positions.count, columns: kvWidth, elements: Array(keys)),
                    try Matrix(rows: positions.count, columns: kvWidth, elements: Array(values)))
        }
        // This step's rows: a prefill's positions are its rows; a decode sequence's new key is its row.
        let rows: Range<Int>
        if isDecode {
            guard positions == firstPosition ..< firstPosition + 1 else {
                throw FunctionalError(problem: "reads keys of sequence \(sequence) at positions \(positions.lowerBound)..<\(positions.upperBound) on chip, but only position \(firstPosition) is this step's")
            }
            rows = sequence ..< sequence + 1
        } else {
            guard positions.lowerBound >= firstPosition else {
                throw FunctionalError(problem: "reads keys at positions \(positions.lowerBound)..<\(positions.upperBound) on chip, but this step starts at position \(firstPosition)")
            }
            rows = positions.lowerBound - firstPosition ..< positions.upperBound - firstPosition
        }
        let ropeNode = graph.nodes[scoresNode].inputs.first ?? -1
        let valuesNode = graph.nodes.indices.contains(scoresNode + 2) ? graph.nodes[scoresNode + 2].inputs.dropFirst().first ?? -1 : -1
        let keys = try tensors.read(node: ropeNode, part: .keys, rows: rows, what: "the rotated keys of layer \(layer) (\(name(ropeNode)))")
        let values = try tensors.read(node: valuesNode, rows: rows, what: "the values of layer \(layer) (\(name(valuesNode)))")
        return (keys, values)
    }

    /// `matrix.scores` of one block: the block must be where the program reads it (a KV slot some
    /// DMA filled with it, for a block from memory on a chip with off-chip memory).
    mutating func scores(node: Int, layer: Int, block: InstructionOrigin.AttentionBlock, rows: Range<Int>,
                         instruction: Instruction) throws {
        if block.fromMemory, hasOffChipMemory, case let .matrix(_, _, input, _, _) = instruction.operation {
            guard let content = slotContents[input.base], content.layer == layer, content.block == block else {
                let found = slotContents[input.base].map { "layer \($0.layer), sequences \($0.block.sequences), keys \($0.block.keys)" } ?? "nothing"
                throw FunctionalError(problem: "scores keys \(block.keys.lowerBound)..<\(block.keys.upperBound) of layer \(layer), sequences \(block.sequences.lowerBound)..<\(block.sequences.upperBound) at SRAM \(input.base), which holds \(found)")
            }
        }
        let key = AttentionKey(node: node, firstRow: rows.lowerBound)
        var progress = try attention[key] ?? AttentionInProgress(state: OnlineSoftmaxState(queries: rows.count, heads: model.attentionHeads,
                                                                                         headDim: model.headDim))
        let ropeNode = graph.nodes[node].inputs.first ?? -1
        let queries = try tensors.read(node: ropeNode, rows: rows, what: "the rotated queries of layer \(layer) (\(name(ropeNode)))")
        for sequence in block.sequences {
            let (keys, values) = try keyValueRows(layer: layer, scoresNode: node, sequence: sequence, positions: block.keys,
                                                  fromMemory: block.fromMemory)
            // Causal visibility: row t sees the block's keys at positions ≤ its own, if it belongs to the sequence.
            let visible = rows.map { row -> Int in
                let (rowSequence, position) = place(ofRow: row)
                guard rowSequence == sequence else { return 0 }
                return max(0, min(position + 1 - block.keys.lowerBound, block.keys.count))
            }
            let scores = try AttentionScore.block(queries: queries, keys: keys, heads: model.attentionHeads, kvHeads: model.kvHeads,
                                                  headDim: model.headDim)
            progress.pending.append(PendingBlock(layer: layer, block: block, sequence: sequence, scores: scores, values: values,
                                                 visibleKeys: visible, softmax: nil))
        }
        attention[key] = progress
    }

    /// `vector.softmax` of one block: its scores must have been computed.
    mutating func softmax(node: Int, layer: Int, block: InstructionOrigin.AttentionBlock, rows: Range<Int>) throws {
        let key = AttentionKey(node: node, firstRow: rows.lowerBound)
        guard var progress = attention[key], progress.pending.contains(where: { $0.block == block && $0.softmax == nil }) else {
            throw FunctionalError(problem: "takes the softmax of keys \(block.keys.lowerBound)..<\(block.keys.upperBound) of layer \(layer), whose scores no instruction computed")
        }
        for index in progress.pending.indices where progress.pending[index].block == block && progress.pending[index].softmax == nil {
            let pending = progress.pending[index]
            progress.pending[index].softmax = try BlockSoftmax(scores: pending.scores, queryRows: rows.count, heads: model.attentionHeads,
                                                               blockKeys: block.keys.count, visibleKeys: pending.visibleKeys)
        }
        attention[key] = progress
    }

    /// `matrix.values` of one block: merges the block into the running output; the slice's last
    /// block writes the attention output, once every query has seen each of its keys exactly once.
    mutating func values(node: Int, layer: Int, block: InstructionOrigin.AttentionBlock, rows: Range<Int>, last: Bool) throws {
        let key = AttentionKey(node: node, firstRow: rows.lowerBound)
        guard var progress = attention[key], progress.pending.contains(where: { $0.block == block && $0.softmax != nil }) else {
            throw FunctionalError(problem: "weights the values of keys \(block.keys.lowerBound)..<\(block.keys.upperBound) of layer \(layer), whose softmax no instruction computed")
        }
        var kept: [PendingBlock] = []
        for pending in progress.pending {
            guard pending.block == block, let softmax = pending.softmax else {
                kept.append(pending)
                continue
            }
            try progress.state.merge(softmax, values: pending.values, kvHeads: model.kvHeads)
            progress.merged[pending.sequence, default: []].append(block.keys)
        }
        progress.pending = kept
        attention[key] = progress
        guard last else { return }
        attention[key] = nil
        for row in rows {
            let (sequence, position) = place(ofRow: row)
            let ranges = (progress.merged[sequence] ?? []).sorted { $0.lowerBound < $1.lowerBound }
            var next = 0
            for range in ranges where range.lowerBound <= position {
                guard range.lowerBound == next else {
                    throw FunctionalError(problem: "ends the attention of layer \(layer) for sequence \(sequence), position \(position) having merged keys \(ranges.map { "\($0.lowerBound)..<\($0.upperBound)" }) (keys from \(next) missing or repeated)")
                }
                next = range.upperBound
            }
            guard next > position else {
                throw FunctionalError(problem: "ends the attention of layer \(layer) for sequence \(sequence), position \(position) having merged keys up to \(next) only")
            }
        }
        let output = progress.state.finish()
        let valuesNode = node + 2
        tensors.write(node: valuesNode, width: output.columns, rows: rows, columns: 0 ..< output.columns, output.elements)
    }
}
