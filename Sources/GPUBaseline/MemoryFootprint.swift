import Foundation
import TritCore
import TritModel

/// Device memory a step needs on an FP16 GPU: all weights in FP16 plus the KV cache
/// (activations and workspace are not counted).
struct MemoryFootprint: Sendable {
    /// FP16 weights of the whole model (tied LM head counted once), in bytes.
    var weightBytes: Int64
    /// FP16 KV cache after the step, in bytes: layers × 2 × kvHeads × headDim × 2 B × cached tokens,
    /// cached tokens = prompt length (prefill) or batch × (context + 1) (decode).
    var kvCacheBytes: Int64

    /// The footprint of `graph`.
    /// - Throws: `InputError` if a byte count overflows `Int64`.
    init(_ graph: Graph) throws {
        let precision = Precision.fp16Everywhere
        let m = graph.model
        weightBytes = try Checked.multiply(graph.parameterCount, Int64(precision.fullPrecisionWeightBytes), "FP16 weight bytes")
        let tokens: Int64
        switch graph.phase {
        case .prefill(let count): tokens = Int64(count)
        case .decode(let batch, let context): tokens = try Checked.multiply(Int64(batch), Int64(context) + 1, "cached tokens")
        }
        let elements = try Checked.product([Int64(m.layers), 2, Int64(m.kvHeads), Int64(m.headDim), tokens], "KV cache elements")
        kvCacheBytes = precision.kvBytes(elements)
    }

    /// Throws unless the footprint fits in `gpu`'s memory.
    /// - Throws: `InputError` saying how many GB are needed (weights + KV cache) and how many the GPU has.
    func check(fitsIn gpu: GPUConfig, model: String) throws {
        let total = try Checked.add(weightBytes, kvCacheBytes, "FP16 weights + KV cache bytes")
        guard total <= gpu.memoryCapacityBytes else {
            throw InputError(source: gpu.sourceFile.isEmpty ? gpu.name : gpu.sourceFile, location: "memoryCapacityBytes",
                             expected: "room for \(model)'s FP16 weights + KV cache (\(total) bytes: weights \(weightBytes) + KV cache \(kvCacheBytes))",
                             found: "\(gpu.memoryCapacityBytes) bytes")
        }
    }
}
