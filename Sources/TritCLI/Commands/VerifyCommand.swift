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
        + "chip, and executes the programs' ternary path on real bytes: every weight tile is DMA'd from the weight image, "
        + "decoded from the bytes the tile instruction reads, and multiplied into int32 partial sums as the accumulate flags "
        + "say; split-K partial sums are added. Every BitLinear's int32 sums must equal the reference's exactly. The int8 "
        + "activations entering each BitLinear are taken from the reference, because activations do not have exact SRAM "
        + "addresses yet (docs/functional.md). The LM head runs on the chip too: its fp16-slot weight rows are DMA'd from the "
        + "image and multiplied by the reference's final-norm output; its logits must agree with the reference's to 1e-4 of "
        + "the largest logit and pick the same greedy token at every step. Exit status 3 when anything differs."

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
            + "\(c.weightFormat.rawValue)): prompt \(result.prompt.count) tokens, \(result.generated.count) greedy decode steps\n"
        func plan(_ plan: MemoryPlan) -> String {
            "\(plan.chunks) chunk(s) of up to \(plan.chunkTokens) token(s)" + (plan.microBatches > 1 ? ", \(plan.microBatches) pipelined micro-batches each" : "")
        }
        out += "compiled: prefill in " + plan(result.prefillPlan) + (result.decodePlan.map { "; decode in " + plan($0) } ?? "") + "\n"
        out += "compared: every BitLinear's int32 sums from the chip's weight path (weight DMAs from the weight image, tiles decoding "
            + "the bytes they read, accumulate flags, split-K sums) and the LM head's logits and greedy tokens, against the reference; "
            + "the int8 inputs of the BitLinears and the LM head's input are the reference's (docs/functional.md)\n\n"
        var table = TextTable(headers: ["layer", "tensor", "prefill sums", "differing", "max |Δ|", "decode sums (all steps)", "differing", "max |Δ|"],
                              alignments: [.right, .left, .right, .right, .right, .right, .right, .right])
        var keys: [String] = []
        var rows: [String: (layer: Int, tensor: String, prefill: [Verification.Comparison], decode: [Verification.Comparison])] = [:]
        for comparison in result.comparisons {
            let key = "\(comparison.layer).\(comparison.tensor)"
            if rows[key] == nil {
                keys.append(key)
                rows[key] = (comparison.layer, comparison.tensor, [], [])
            }
            if comparison.step == "prefill" { rows[key]?.prefill.append(comparison) } else { rows[key]?.decode.append(comparison) }
        }
        func cells(_ list: [Verification.Comparison]) -> [String] {
            guard !list.isEmpty else { return ["–", "–", "–"] }
            return [String(list.reduce(0) { $0 + $1.sums }), String(list.reduce(0) { $0 + $1.differing }),
                    String(list.map(\.maximumAbsoluteDifference).max() ?? 0)]
        }
        for key in keys {
            guard let row = rows[key] else { continue }
            table.rows.append([String(row.layer), row.tensor] + cells(row.prefill) + cells(row.decode))
        }
        out += table.plainText() + "\n"
        let sums = result.comparisons.reduce(0) { $0 + $1.sums }
        let differing = result.comparisons.reduce(0) { $0 + $1.differing }
        out += differing == 0
            ? "BitLinear sums: exact — all \(sums) int32 sums of \(result.comparisons.count) BitLinear runs equal the reference's\n"
            : "BitLinear sums: \(differing) of \(sums) int32 sums differ from the reference\n"
        let worstLogits = result.logits.map(\.relativeDifference).max() ?? 0
        let agreeing = result.logits.filter { $0.chipToken == $0.referenceToken }.count
        out += "logits (the chip's LM head on the reference's final-norm output), \(result.logits.count) step(s): "
            + "max |Δ| / max |logit| = \(Units.significant(Double(worstLogits))) (tolerance \(Units.significant(Double(Verification.logitTolerance)))); "
            + "greedy token equal to the reference's in \(agreeing) of \(result.logits.count)\n"
        out += "result: " + (result.passed ? "passed" : "FAILED") + "\n"
        out += "prompt tokens: " + result.prompt.map(String.init).joined(separator: " ") + "\n"
        if !result.generated.isEmpty {
            out += "greedy tokens (reference): " + result.generated.map(String.init).joined(separator: " ") + "\n"
        }
        return out
    }
}

/// `tritsim verify` found the chip's results differ from the reference's (exit status 3).
struct VerificationFailure: Error {
    let message: String
}
