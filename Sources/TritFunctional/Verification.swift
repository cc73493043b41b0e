import Foundation
import TritChip
import TritCompiler
import TritCore
import TritModel
import TritReference

/// Runs a model on the reference and on a chip's compiled programs and compares what the chip
/// computes (today: every BitLinear's int32 sums, through `WeightPathExecution`) for a prefill and
/// a run of greedy decode steps.
public enum Verification {
    /// Bytes the weight image may occupy: `FunctionalMemory` keeps up to 4 host bytes per image
    /// byte, and the reference runs in plain Swift, so verification is for scaled-down models
    /// (the 2B4T shape at hidden 256 needs about 2 MB and verifies in about 1 s; a 32 MiB model
    /// takes about 0.5 s per decode step, so with `maximumPromptTokens` and `maximumDecodeSteps` a
    /// run stays within a few minutes).
    public static let maximumImageBytes: Int64 = 32 << 20

    /// One BitLinear of one step, compared.
    public struct Comparison: Equatable, Sendable {
        /// "prefill" or "decode 3" (the 0-based decode step).
        public let step: String
        public let layer: Int
        /// The projection's name within its layer (`self_attn.q_proj`).
        public let tensor: String
        /// Sums compared (tokens × out features) and how many differ.
        public let sums: Int
        public let differing: Int
        /// Largest |chip − reference| over the sums.
        public let maximumAbsoluteDifference: Int64
    }

    /// The logits of one step: the chip's LM head (on the reference's final-norm output) against
    /// the reference's, and the greedy token each picks.
    public struct LogitComparison: Equatable, Sendable {
        public let step: String
        /// Largest |chip − reference| over the vocabulary, and that over the largest |reference logit|.
        public let maximumAbsoluteDifference: Float
        public let relativeDifference: Float
        /// argmax of each side's logits.
        public let chipToken: Int
        public let referenceToken: Int
    }

    /// Longest prompt and most decode steps a verification runs (see `maximumImageBytes`).
    public static let maximumPromptTokens = 512
    public static let maximumDecodeSteps = 128

    /// Largest relative logit difference `verify` accepts (issue 4: "final logits agree to 1e-4 relative").
    public static let logitTolerance: Float = 1e-4

    /// What a verification compared.
    public struct Result: Equatable, Sendable {
        public let comparisons: [Comparison]
        /// One per step (the prefill, then each decode step).
        public let logits: [LogitComparison]
        /// How the prefill and the first decode step were compiled (chunks, micro-batches).
        public let prefillPlan: MemoryPlan
        public let decodePlan: MemoryPlan?
        /// The prompt (seeded) and the tokens the reference's greedy decoding chose; decode step i
        /// fed `generated[i]`.
        public let prompt: [Int]
        public let generated: [Int]
        /// Whether every sum equals the reference's, every step's logits agree to `logitTolerance`
        /// and every greedy token is the reference's.
        public var passed: Bool {
            comparisons.allSatisfy { $0.differing == 0 }
                && logits.allSatisfy { $0.relativeDifference <= Verification.logitTolerance && $0.chipToken == $0.referenceToken }
        }
    }

    /// Refuses a model too large to verify before any weight is built: its weight image on `chip`
    /// (`WeightImage`, laid out from the architecture alone: tiles packed one by one in the chip's
    /// format, fp16 full-precision tensors) must fit `maximumImageBytes`.
    /// - Throws: `InputError` naming the model.
    public static func checkSize(_ config: ModelConfig, chip: ResolvedChip) throws {
        let graph = try Graph.decode(config, batch: 1, context: 0)
        let ternary = graph.ternaryParameterCount
        // A cheap bound first (a ternary weight takes at least 1.6 bits), so a huge model is not laid out.
        let lowerBound = ternary / 5 + 2 * (graph.parameterCount - ternary)
        let bytes = lowerBound > maximumImageBytes ? lowerBound
            : try WeightImage(graph: graph, chip: chip, precision: Compiler.precision(for: chip)).bytes
        guard bytes <= maximumImageBytes else {
            let mebibytes = { (value: Int64) in String(format: "%.2f", Double(value) / 1_048_576) }
            throw InputError(source: "verify", location: config.name,
                             expected: "a scaled-down model whose weight image (packed in \(chip.config.weightFormat.rawValue), fp16 full-precision tensors) takes at most \(mebibytes(maximumImageBytes)) MiB (\(maximumImageBytes) bytes; verify runs the reference in plain Swift)",
                             found: "\(lowerBound > maximumImageBytes ? "at least " : "")\(mebibytes(bytes)) MiB (\(bytes) bytes, \(graph.parameterCount) parameters)")
        }
    }

    /// Everything that can be checked before any weight is built: the model's size
    /// (`checkSize`), the steps against its positions, and that the prefill and the longest
    /// decode step fit `chip` (the compiler's plan).
    /// - Throws: `InputError` naming what does not fit.
    public static func check(_ config: ModelConfig, chip: ResolvedChip, promptTokens: Int, decodeSteps: Int) throws {
        try checkSize(config, chip: chip)
        guard promptTokens >= 1, decodeSteps >= 0, promptTokens + decodeSteps <= config.maxPositionEmbeddings else {
            throw InputError(source: "verify", location: "--prompt-tokens and --decode-steps",
                             expected: "a prompt of at least 1 token, and prompt + decode steps ≤ \(config.maxPositionEmbeddings) (max_position_embeddings of \(config.name))",
                             found: "\(promptTokens) + \(decodeSteps)")
        }
        let compiler = Compiler(chip: chip)
        _ = try compiler.plan(try Graph.prefill(config, tokens: promptTokens))
        if decodeSteps > 0 { _ = try compiler.plan(try Graph.decode(config, batch: 1, context: promptTokens + decodeSteps - 1)) }
    }

    /// - Parameters:
    ///   - model: the weights (from a file, or `ReferenceModel.random`).
    ///   - chip: a single chip (not a system).
    ///   - promptTokens: prompt length S (seeded tokens below the vocabulary size).
    ///   - decodeSteps: greedy decode steps after the prefill; step i runs the decode program at
    ///     context S + i.
    ///   - seed: seeds the prompt.
    /// - Throws: `InputError` when the model's weight image exceeds `maximumImageBytes` or the
    ///   steps do not fit the model's positions; compiler errors when the model does not fit the
    ///   chip; the errors of `WeightPathExecution` when the program cannot be executed.
    public static func run(model: ReferenceModel, chip: ResolvedChip, promptTokens: Int, decodeSteps: Int,
                           seed: UInt64) throws -> Result {
        let config = model.config
        try check(config, chip: chip, promptTokens: promptTokens, decodeSteps: decodeSteps)
        var random = SplitMix64(seed: seed)
        let prompt = (0..<promptTokens).map { _ in Int(random.next() % UInt64(config.vocabSize)) }
        let compiler = Compiler(chip: chip)
        let prefillGraph = try Graph.prefill(config, tokens: promptTokens)
        let prefill = try compiler.compile(prefillGraph)
        let image = try WeightImageWriter.memory(holding: model, image: prefill.image, graph: prefillGraph, chip: chip)

        var comparisons: [Comparison] = []
        var logits: [LogitComparison] = []
        var (trace, cache) = try model.prefill(tokens: prompt)
        var step = try compare(prefill, trace: trace, on: chip, image: image, step: "prefill")
        comparisons += step.sums
        logits.append(step.logits)
        var generated: [Int] = []
        var decodePlan: MemoryPlan? = nil
        for index in 0..<decodeSteps {
            let token = ReferenceModel.argmax(trace.lastLogits)
            generated.append(token)
            let compiled = try compiler.compile(try Graph.decode(config, batch: 1, context: promptTokens + index))
            if decodePlan == nil { decodePlan = compiled.plan }
            trace = try model.decode(token: token, cache: &cache)
            step = try compare(compiled, trace: trace, on: chip, image: image, step: "decode \(index)")
            comparisons += step.sums
            logits.append(step.logits)
        }
        return Result(comparisons: comparisons, logits: logits, prefillPlan: prefill.plan, decodePlan: decodePlan, prompt: prompt,
                      generated: generated)
    }

    /// The reference's view of each BitLinear node of `graph` in `trace`: its layer, its name
    /// within the layer, its `[tokens × in]` int8 input and its `[tokens × out]` int32 sums.
    static func references(_ trace: ForwardTrace, graph: Graph)
        -> [Int: (layer: Int, tensor: String, input: Matrix<Int8>, sums: Matrix<Int32>)] {
        var result: [Int: (layer: Int, tensor: String, input: Matrix<Int8>, sums: Matrix<Int32>)] = [:]
        for (index, node) in graph.nodes.enumerated() {
            guard case .bitLinear = node.operation, let layer = node.layer, trace.layers.indices.contains(layer) else { continue }
            let layerTrace = trace.layers[layer]
            let tensor = node.name.split(separator: ".").suffix(2).joined(separator: ".")
            guard let reference = layerTrace.bitLinears.first(where: { $0.name == tensor }) else { continue }
            let input: QuantizedActivations
            switch tensor {
            case "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj": input = layerTrace.attentionInput
            case "self_attn.o_proj": input = layerTrace.oInput
            case "mlp.gate_proj", "mlp.up_proj": input = layerTrace.mlpInput
            default: input = layerTrace.downInput
            }
            result[index] = (layer, tensor, input.values, reference.trace.accumulators)
        }
        return result
    }

    /// The chip's sums of every BitLinear of `compiled`, and its logits, against the reference's in `trace`.
    static func compare(_ compiled: CompiledProgram, trace: ForwardTrace, on chip: ResolvedChip, image: FunctionalMemory,
                        step: String) throws -> (sums: [Comparison], logits: LogitComparison) {
        let expected = references(trace, graph: compiled.graph)
        let output = try WeightPathExecution.run(compiled, on: chip, image: image, inputs: expected.mapValues(\.input),
                                                 headInput: trace.finalNorm)
        let sums = output.sums
        let want = trace.lastLogits
        let got = output.logits.map { $0.row($0.rows - 1) } ?? []
        var largestDifference: Float = got.count == want.count ? 0 : .infinity
        for (a, b) in zip(got, want) { largestDifference = max(largestDifference, a.isNaN ? .infinity : abs(a - b)) }
        let largestLogit = want.reduce(Float(0)) { max($0, abs($1)) }
        let logits = LogitComparison(step: step, maximumAbsoluteDifference: largestDifference,
                                     relativeDifference: largestDifference / max(largestLogit, .leastNormalMagnitude),
                                     chipToken: got.isEmpty ? -1 : ReferenceModel.argmax(got), referenceToken: ReferenceModel.argmax(want))
        return (comparisons(expected, sums, step: step), logits)
    }

    /// Each BitLinear's sums against the reference's.
    private static func comparisons(_ expected: [Int: (layer: Int, tensor: String, input: Matrix<Int8>, sums: Matrix<Int32>)],
                                    _ sums: [Int: Matrix<Int32>], step: String) -> [Comparison] {
        expected.keys.sorted().compactMap { index in
            guard let want = expected[index] else { return nil }
            let got = sums[index]?.elements ?? []
            var differing = 0
            var largest: Int64 = 0
            if got.count == want.sums.elements.count {
                for (a, b) in zip(got, want.sums.elements) where a != b {
                    differing += 1
                    largest = max(largest, abs(Int64(a) - Int64(b)))
                }
            } else {
                differing = want.sums.elements.count
                largest = want.sums.elements.reduce(Int64(0)) { max($0, abs(Int64($1))) }
            }
            return Comparison(step: step, layer: want.layer, tensor: want.tensor, sums: want.sums.elements.count,
                              differing: differing, maximumAbsoluteDifference: largest)
        }
    }
}
