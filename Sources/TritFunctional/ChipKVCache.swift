import TritModel
import TritReference

/// The KV cache as the functional executor sees it: per layer and sequence, the keys (after RoPE)
/// and values the chip's programs have stored, position after position. It lives across steps (a
/// prefill, then decode steps), as the cache in DRAM (or, on an SRAM-only chip, in the KV buffer)
/// does.
public struct ChipKVCache: Sendable {
    /// Elements of one key row (and one value row): kvHeads × head_dim.
    public let kvWidth: Int
    /// `keys[layer][sequence]`: the stored rows, `kvWidth` each, position after position.
    private var keys: [[[Float]]]
    private var values: [[[Float]]]

    /// An empty cache for `sequences` sequences of a model of `config`'s shape.
    public init(config: ModelConfig, sequences: Int = 1) {
        kvWidth = config.kvWidth
        keys = Array(repeating: Array(repeating: [], count: max(sequences, 1)), count: config.layers)
        values = keys
    }

    /// Positions stored for `sequence` in `layer` (0 for a layer or sequence the cache does not have).
    public func length(layer: Int, sequence: Int) -> Int {
        guard keys.indices.contains(layer), keys[layer].indices.contains(sequence) else { return 0 }
        return keys[layer][sequence].count / max(kvWidth, 1)
    }

    /// Appends the key and value rows of `positions` (`[positions.count × kvWidth]` each).
    /// - Throws: `FunctionalError` when the positions do not continue the sequence's stored rows.
    mutating func append(layer: Int, sequence: Int, positions: Range<Int>, keys newKeys: [Float], values newValues: [Float]) throws {
        let stored = length(layer: layer, sequence: sequence)
        guard keys.indices.contains(layer), keys[layer].indices.contains(sequence) else {
            throw FunctionalError(problem: "stores keys and values of layer \(layer), sequence \(sequence), which the cache does not have")
        }
        guard positions.lowerBound == stored else {
            throw FunctionalError(problem: "stores keys and values of layer \(layer), sequence \(sequence) at positions \(positions.lowerBound)..<\(positions.upperBound), but the cache holds positions 0..<\(stored)")
        }
        keys[layer][sequence].append(contentsOf: newKeys)
        values[layer][sequence].append(contentsOf: newValues)
    }

    /// The key and value rows of `positions` of `sequence` in `layer`.
    /// - Throws: `FunctionalError` when a position has not been stored.
    func rows(layer: Int, sequence: Int, positions: Range<Int>) throws -> (keys: ArraySlice<Float>, values: ArraySlice<Float>) {
        let stored = length(layer: layer, sequence: sequence)
        guard positions.lowerBound >= 0, positions.upperBound <= stored else {
            throw FunctionalError(problem: "reads keys and values of layer \(layer), sequence \(sequence) at positions \(positions.lowerBound)..<\(positions.upperBound), but the cache holds positions 0..<\(stored)")
        }
        let range = positions.lowerBound * kvWidth ..< positions.upperBound * kvWidth
        return (keys[layer][sequence][range], values[layer][sequence][range])
    }
}
