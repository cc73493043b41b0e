import Foundation
import TritCore
import TritModel

/// Device memory a step needs on one FP16 GPU: its FP16 weights plus its KV cache (activations and
/// workspace are not counted). Built from the graph that GPU runs: the whole step, or one GPU's
/// share under tensor parallelism (`Graph.tensorParallelShard`), whose q/k/v/o, gate/up/down,
/// embedding and LM head hold 1/N of the model (vocabulary rows ⌈vocab / N⌉) and whose KV cache
/// holds its kvHeads / N heads, while the norms are replicated on every GPU and counted fully.
struct MemoryFootprint: Sendable {
    /// FP16 weights of the graph (tied LM head counted once), in bytes.
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
        // kvBytes forms elements × bits: check it first, so an overflow is an error, not a trap.
        _ = try Checked.add(try Checked.multiply(elements, Int64(precision.kvCacheBits), "KV cache bits"), 7, "KV cache bits")
        kvCacheBytes = precision.kvBytes(elements)
    }

    /// Weights + KV cache, in bytes.
    /// - Throws: `InputError` if the sum overflows `Int64`.
    func totalBytes() throws -> Int64 {
        try Checked.add(weightBytes, kvCacheBytes, "FP16 weights + KV cache bytes")
    }

    /// Throws unless the footprint fits in `gpu`'s memory.
    /// - Parameters:
    ///   - model: the model's name, for the message.
    ///   - gpus: GPUs of the tensor-parallel group whose per-GPU share this footprint is (1: the
    ///     whole model on one GPU), for the message.
    /// - Throws: `InputError` saying how many bytes are needed (weights + KV cache, per GPU when
    ///   `gpus` > 1) and how many the GPU has.
    func check(fitsIn gpu: GPUConfig, model: String, gpus: Int = 1) throws {
        let total = try totalBytes()
        guard total <= gpu.memoryCapacityBytes else {
            let share = gpus > 1 ? " per GPU of --gpus \(gpus) (tensor-parallel share)" : ""
            throw InputError(source: gpu.sourceFile.isEmpty ? gpu.name : gpu.sourceFile, location: "memoryCapacityBytes",
                             expected: "room for \(model)'s FP16 weights + KV cache\(share) (\(total) bytes: weights \(weightBytes) + KV cache \(kvCacheBytes))",
                             found: "\(gpu.memoryCapacityBytes) bytes")
        }
    }
}
