import TritCore
import TritModel

/// The largest decode batch a GPU (or a tensor-parallel group of GPUs) can hold at a given
/// sequence length, and how fast it decodes it: the setting of the BitNet b1.58 paper's Table 3
/// ("batch size increased until GPU memory was full", sequence length 512, two A100 80GB;
/// arXiv 2402.17764, `docs/reference/bitnet-facts.md`), computed from the model instead of measured.
public struct DecodeCapacity: Sendable, Equatable {
    /// GPUs of the tensor-parallel group.
    public var gpus: Int
    /// Positions each sequence holds in the KV cache (prompt + generated tokens).
    public var positionsPerSequence: Int
    /// The largest batch whose FP16 weights + KV cache fit each GPU's memory.
    public var batch: Int
    /// FP16 weights one GPU holds (its tensor-parallel share, norms replicated), in bytes.
    public var weightBytesPerGPU: Int64
    /// KV cache one GPU holds at `batch` sequences of `positionsPerSequence` positions, in bytes.
    public var kvCacheBytesPerGPU: Int64
    /// One GPU's memory, in bytes.
    public var memoryCapacityBytesPerGPU: Int64
    /// Time of the decode step at `batch` that writes each sequence's last position (context
    /// `positionsPerSequence` − 1), in seconds, all-reduces included.
    public var stepSeconds: Double
    /// The all-reduce share of `stepSeconds`, in seconds (0 on one GPU).
    public var allReduceSeconds: Double
    /// Decode throughput: `batch` / `stepSeconds`, in tokens/s.
    public var tokensPerSecond: Double

    /// Memberwise initialiser.
    public init(gpus: Int, positionsPerSequence: Int, batch: Int, weightBytesPerGPU: Int64, kvCacheBytesPerGPU: Int64,
                memoryCapacityBytesPerGPU: Int64, stepSeconds: Double, allReduceSeconds: Double, tokensPerSecond: Double) {
        self.gpus = gpus
        self.positionsPerSequence = positionsPerSequence
        self.batch = batch
        self.weightBytesPerGPU = weightBytesPerGPU
        self.kvCacheBytesPerGPU = kvCacheBytesPerGPU
        self.memoryCapacityBytesPerGPU = memoryCapacityBytesPerGPU
        self.stepSeconds = stepSeconds
        self.allReduceSeconds = allReduceSeconds
        self.tokensPerSecond = tokensPerSecond
    }
}

extension GPUModel {
    /// The largest decode batch of `model` whose FP16 weights plus a KV cache of
    /// `positionsPerSequence` positions per sequence fit each GPU's memory (activations and
    /// workspace not counted, as in `run`), capped at `Graph.maximumBatch`, and the throughput of
    /// decoding it: batch / time of the decode step at that batch and context
    /// `positionsPerSequence` − 1 (the step that writes the last position; the next one would no
    /// longer fit).
    /// - Throws: `InputError` if `positionsPerSequence` is outside 1...`max_position_embeddings`,
    ///   if the weights and one sequence's KV cache do not fit (naming the GPU file's
    ///   `memoryCapacityBytes`), or any error of `run` (e.g. `gpus` not dividing the KV heads).
    public func largestDecodeBatch(_ model: ModelConfig, positionsPerSequence positions: Int,
                                   mode: ExecutionMode = .graph) throws -> DecodeCapacity {
        guard positions >= 1, positions <= model.maxPositionEmbeddings else {
            throw InputError(source: "decode capacity", location: "positions per sequence",
                             expected: "1...\(model.maxPositionEmbeddings) (max_position_embeddings of \(model.name))", found: "\(positions)")
        }
        let context = positions - 1
        let single = try MemoryFootprint(try deviceGraph(try Graph.decode(model, batch: 1, context: context)))
        try single.check(fitsIn: config, model: model.name, gpus: gpus)
        // The KV cache grows linearly with the batch (the weights do not): solve, then confirm on
        // the step graphs themselves.
        let room = config.memoryCapacityBytes - single.weightBytes
        var batch = Int(min(room / max(single.kvCacheBytes, 1), Int64(Graph.maximumBatch)))
        while batch > 1, try memoryShortfall(try Graph.decode(model, batch: batch, context: context)) != nil {
            batch -= 1
        }
        let graph = try Graph.decode(model, batch: batch, context: context)
        let footprint = try MemoryFootprint(try deviceGraph(graph))
        let step = try run(graph, mode: mode)
        return DecodeCapacity(gpus: gpus, positionsPerSequence: positions, batch: batch, weightBytesPerGPU: footprint.weightBytes,
                              kvCacheBytesPerGPU: footprint.kvCacheBytes, memoryCapacityBytesPerGPU: config.memoryCapacityBytes,
                              stepSeconds: step.seconds, allReduceSeconds: step.allReduceSeconds,
                              tokensPerSecond: Double(batch) / step.seconds)
    }
}
