import Foundation
import TritChip
import TritCompiler
import TritCore
import TritFunctional
import TritModel
import TritReference
import TritReport
import TritWeights

/// `tritsim verify`: run a model on the reference and on the chip's compiled programs and compare.
struct VerifyCommand: Subcommand {
    static let name = "verify"
    static let abstract = "Check that a chip's compiled programs compute what the reference BitNet forward pass computes."
    static let discussion = "Builds the model (the weights of a model file, or seeded random weights for a config), runs the "
        + "reference forward pass on a seeded prompt and greedy decode steps, compiles the same prefill and decode steps for the "
        + "chip and executes the programs functionally, on the chip's own data: every weight tile is DMA'd from the weight image "
        + "and decoded from the bytes the tile instruction reads, partial sums follow the accumulate flags and are added at the "
        + "dequantisation, and every vector and attention instruction (norms, quantisation, dequantisation, RoPE, KV-cache "
        + "stores and loads, attention block by block with an online softmax, the gated activation, the LM head) computes its "
        + "part from what earlier instructions produced; reading a result no instruction produced is an error. Every "
        + "BitLinear's int32 sums must equal the reference's exactly; every layer's fp32 tensors are compared and reported (max |Δ| and "
        + "max |Δ| / max |reference|; bit-identical in practice, not judged); the logits must agree with the reference's to 1e-4 of the largest logit and pick the "
        + "same greedy token at every step. Activations are checked by meaning, not yet by SRAM address (docs/functional.md). "
        + "Exit status 3 when anything differs."

    static let options: [OptionSpec] = [
        OptionSpec(name: "model", kind: .value(valueName: "NAME|PATH"), unit: nil, defaultValue: "verify-2layer-256", defaultDescription: nil,
                   help: "A model file (.gguf, .safetensors with its config.json, model.safetensors.index.json): its weights; or a name "
                       + "in Configs/models/ or a config.json path: seeded random weights of that architecture."),
        SharedOptions.chip,
        OptionSpec(name: "prompt-tokens", kind: .value(valueName: "S"), unit: "tokens", defaultValue: "16", defaultDescription: nil,
                   help: "Prompt length (integer in 1...\(Verification.maximumPromptTokens); prompt + decode steps at most the model's max_position_embeddings); the prompt's tokens are seeded."),
        OptionSpec(name: "decode-steps", kind: .value(valueName: "N"), unit: "steps", defaultValue: "16", defaultDescription: nil,
                   help: "Greedy decode steps after the prefill (integer in 0...\(Verification.maximumDecodeSteps))."),
        OptionSpec(name: "seed", kind: .value(valueName: "N"), unit: nil, defaultValue: "1", defaultDescription: nil,
                   help: "Seed of the prompt and of random weights (integer ≥ 0)."),
        SharedOptions.configs,
    ]

    let model: String
    let chip: String
    let promptTokens: Int
    let decodeSteps: Int
    let seed: Int
    let configsFolder: String?

    init(parsing arguments: ParsedArguments) throws {
        model = try arguments.nonEmptyString("model", expected: "a model file, a model name or a config.json path")
        chip = try arguments.nonEmptyString("chip", expected: "a chip name or a path to a chip config")
        promptTokens = try arguments.integer("prompt-tokens", minimum: 1, maximum: Verification.maximumPromptTokens)
        decodeSteps = try arguments.integer("decode-steps", minimum: 0, maximum: Verification.maximumDecodeSteps)
        seed = try arguments.integer("seed", minimum: 0, maximum: Int(Int64.max))
        configsFolder = try arguments.configsFolder()
    }

    func run(in context: CommandContext) throws {
        let catalogs = ConfigCatalogs(try context.configs(configsFolder))
        let resolved = try catalogs.chips.load(chip)
        let path = URL(fileURLWithPath: model, relativeTo: context.currentDirectory).path
        let reference: ReferenceModel
        let weights: String
        if WeightFile.recognizes(model, sniffing: model.contains("/")) {
            let file = try WeightFile.open(path)
            try Verification.check(try file.modelConfig(), chip: resolved, promptTokens: promptTokens, decodeSteps: decodeSteps)
            reference = try ReferenceModel.load(file)
            weights = "weights of \(model)"
        } else {
            let config = try catalogs.models.load(model)
            try Verification.check(config, chip: resolved, promptTokens: promptTokens, decodeSteps: decodeSteps)
            reference = try ReferenceModel.random(config: config, seed: UInt64(seed))
            weights = "seeded random weights, seed \(seed)"
        }
        let result = try Verification.run(model: reference, chip: resolved, promptTokens: promptTokens, decodeSteps: decodeSteps,
                                          seed: UInt64(seed))
        context.stdout(Self.render(result, model: reference.config.name, weights: weights, chip: resolved))
        if let fault = result.fault {
            throw VerificationFailure(message: "verify: the chip's program failed at \(result.logits.count == 0 ? "the prefill" : "decode step \(result.logits.count - 1)"): \(fault)")
        }
        guard result.passed else {
            let differing = result.comparisons.filter { $0.differing > 0 }
            let logits = result.logits.filter { $0.relativeDifference > Verification.logitTolerance || $0.chipToken != $0.referenceToken }
            throw VerificationFailure(message: "verify: \(differing.count) of \(result.comparisons.count) BitLinear comparisons differ from the reference"
                + (differing.first.map { " (first: \($0.step), layer \($0.layer) \($0.tensor), \($0.differing) sums)" } ?? "")
                + "; logits or greedy token differ in \(logits.count) of \(result.logits.count) steps"
                + (logits.first.map { " (first: \($0.step), relative difference \($0.relativeDifference), token \($0.chipToken) vs \($0.referenceToken))" } ?? ""))
        }
    }

    /// The report: one row per layer and projection, prefill and decode side by side.
    static func render(_ result: Verification.Result, model: String, weights: String, chip: ResolvedChip) -> String {
        let c = chip.config
        var out = "verify \(model) (\(weights)) on \(c.name) (\(c.ternaryArray.count) × \(c.ternaryArray.rows)×\(c.ternaryArray.columns) arrays, "
            + "\(c.weightFormat.rawValue)): prompt \(result.prompt.count) tokens, \(result.generated.count) greedy decode step\(result.generated.count == 1 ? "" : "s")\n"
        func plan(_ plan: MemoryPlan) -> String {
            "\(plan.chunks) chunk(s) of up to \(plan.chunkTokens) token(s)" + (plan.microBatches > 1 ? ", \(plan.microBatches) pipelined micro-batches each" : "")
        }
        out += "compiled: prefill in " + plan(result.prefillPlan) + (result.decodePlan.map { "; decode in " + plan($0) } ?? "") + "\n"
        out += "compared: the chip's programs executed on its own data (weights from the image, activations from its own "
            + "instructions) against the reference — every BitLinear's int32 sums, every layer's fp32 tensors, the logits and the "
            + "greedy tokens (docs/functional.md)\n\n"
        var table = TextTable(headers: ["layer", "tensor", "prefill sums", "differing", "max |Δ|", "decode sums (all steps)", "differing", "max |Δ|"],
                              alignments: [.right, .left, .right, .right, .right, .right, .right, .right])
        func cells(_ list: [Verification.Comparison]) -> [String] {
            guard !list.isEmpty else { return ["–", "–", "–"] }
            return [String(list.reduce(0) { $0 + $1.sums }), String(list.reduce(0) { $0 + $1.differing }),
                    String(list.map(\.maximumAbsoluteDifference).max() ?? 0)]
        }
        for row in rowsByTensor(result.comparisons, layer: \.layer, tensor: \.tensor, step: \.step) {
            table.rows.append([String(row.layer), row.tensor] + cells(row.prefill) + cells(row.decode))
        }
        out += table.plainText() + "\n"
        out += tensorTable(result.tensors) + "\n"
        let sums = result.comparisons.reduce(0) { $0 + $1.sums }
        let differing = result.comparisons.reduce(0) { $0 + $1.differing }
        out += differing == 0
            ? "BitLinear sums: exact — all \(sums) int32 sums of \(result.comparisons.count) BitLinear runs equal the reference's\n"
            : "BitLinear sums: \(differing) of \(sums) int32 sums differ from the reference\n"
        let worstLogits = result.logits.map(\.relativeDifference).max() ?? 0
        let agreeing = result.logits.filter { $0.chipToken == $0.referenceToken }.count
        let worstTensor = result.tensors.map(\.relativeDifference).max() ?? 0
        out += "fp32 tensors: \(result.tensors.count) compared, max |Δ| / max |reference| = \(Units.significant(Double(worstTensor)))"
            + (worstTensor == 0 ? " (bit for bit)" : " (reported, not judged: the result rests on the sums, logits and tokens)") + "\n"
        out += "logits (the chip's LM head), \(result.logits.count) step(s): "
            + "max |Δ| / max |logit| = \(Units.significant(Double(worstLogits))) (tolerance \(Units.significant(Double(Verification.logitTolerance)))); "
            + "greedy token equal to the reference's in \(agreeing) of \(result.logits.count)\n"
        if let fault = result.fault { out += "chip fault: \(fault)\n" }
        out += "result: " + (result.passed ? "passed" : "FAILED") + "\n"
        out += "prompt tokens: " + result.prompt.map(String.init).joined(separator: " ") + "\n"
        if !result.logits.isEmpty {
            out += "greedy tokens (the reference's, one per step; each but the last is fed to the next decode step): "
                + result.logits.map { String($0.referenceToken) }.joined(separator: " ") + "\n"
        }
        return out
    }
}

extension VerifyCommand {
    /// `items` grouped by layer and tensor (in order of first appearance), the prefill's apart from
    /// the decode steps'.
    static func rowsByTensor<Item>(_ items: [Item], layer: (Item) -> Int, tensor: (Item) -> String, step: (Item) -> String)
        -> [(layer: Int, tensor: String, prefill: [Item], decode: [Item])] {
        var order: [String] = []
        var rows: [String: (layer: Int, tensor: String, prefill: [Item], decode: [Item])] = [:]
        for item in items {
            let key = "\(layer(item)).\(tensor(item))"
            if rows[key] == nil {
                order.append(key)
                rows[key] = (layer(item), tensor(item), [], [])
            }
            if step(item) == "prefill" { rows[key]?.prefill.append(item) } else { rows[key]?.decode.append(item) }
        }
        return order.compactMap { rows[$0] }
    }

    /// One row per layer tensor: the largest differences over the prefill and over all decode steps.
    static func tensorTable(_ comparisons: [Verification.TensorComparison]) -> String {
        var table = TextTable(headers: ["layer", "fp32 tensor", "prefill max |Δ|", "relative", "decode max |Δ|", "relative"],
                              alignments: [.right, .left, .right, .right, .right, .right])
        func cells(_ list: [Verification.TensorComparison]) -> [String] {
            guard !list.isEmpty else { return ["–", "–"] }
            return [Units.significant(Double(list.map(\.maximumAbsoluteDifference).max() ?? 0)),
                    Units.significant(Double(list.map(\.relativeDifference).max() ?? 0))]
        }
        for row in rowsByTensor(comparisons, layer: \.layer, tensor: \.tensor, step: \.step) {
            table.rows.append([String(row.layer), row.tensor] + cells(row.prefill) + cells(row.decode))
        }
        return table.plainText()
    }
}

/// `tritsim verify` found the chip's results differ from the reference's (exit status 3).
struct VerificationFailure: Error {
    let message: String
}
