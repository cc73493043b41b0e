import TritChip
import TritCompiler
import TritCore
import TritISA
import TritModel
import TritReference

/// Runs one compiled step of a model on the chip, functionally: every instruction computes what it
/// stands for, from the chip's own data, in program order (an order the timing engine could have
/// chosen: every token an instruction waits on is signalled earlier in program order).
///
/// What comes from where:
/// - weights: real bytes. Every `dma.load` of weights copies its range of the weight image into
///   SRAM; a `tile` decodes the packed bytes at its `weights` range (which must be a tile some DMA
///   brought from the image, or the image itself on an SRAM-only chip); the LM head multiplies the
///   fp16-slot rows at its `input` range. Norm weights, the embedding rows and each BitLinear's γ
///   are read from the image at their addresses (`WeightImage`).
/// - activations: computed by the instructions, by meaning. The compiler records what each
///   instruction computes (`InstructionOrigin`); the executor applies the reference's routine for
///   it (`TritReference`: RMSNorm, absmax quantisation, dequantisation, RoPE, the gated
///   activation, attention in blocks with an online softmax) to the tensors earlier instructions
///   produced, and records what it wrote (`StepTensors`). Reading a result no earlier instruction
///   produced is an error, as is a dequantisation whose partial sums miss a row block (a dropped
///   tile), a KV block read from a slot no DMA filled with it, or a KV store out of order.
///
/// Not yet checked by address: activations, partial sums, KV slots' contents and norm weights
/// have exact lengths but not exact SRAM addresses (`docs/functional.md`), so their dataflow is
/// checked by meaning, tensor by tensor; the weight path is checked by address.
/// Single-chip programs only (no links).
public enum ChipExecution {
    /// What one step computed.
    public struct Output: Sendable {
        /// Per BitLinear node index, the `[step rows × out]` int32 sums (the chip's, after split-K).
        public let sums: [Int: Matrix<Int32>]
        /// The LM head's `[step rows × vocab]` logits; rows the LM head did not compute (every row but
        /// the last of a prefill) are NaN.
        public let logits: Matrix<Float>
        /// Per graph node, its `[step rows × width]` fp32 output, where every element was computed.
        public let tensors: [Int: Matrix<Float>]
    }

    /// - Parameters:
    ///   - compiled: a single-chip program compiled with `recordsOrigins`.
    ///   - chip: the chip it was compiled for.
    ///   - image: memory holding the weight image (`WeightImageWriter`): DRAM, or on an SRAM-only
    ///     chip the SRAM.
    ///   - rope: the model's rotary embedding (θ, pairing).
    ///   - tokens: the token id of each step row (a prefill's positions, a decode batch's sequences).
    ///   - cache: the KV cache the earlier steps stored; this step's keys and values are added.
    /// - Throws: `FunctionalError` (with the instruction) for a fault of the program: a dataflow or
    ///   addressing fault, weights a tile or the LM head reads that are not where the image has them,
    ///   a tile of the wrong shape or accumulate flag; `InputError` for a program without origins or
    ///   tokens that do not match the step.
    public static func run(_ compiled: CompiledProgram, on chip: ResolvedChip, image: FunctionalMemory, rope: RotaryEmbedding,
                           tokens: [Int], cache: inout ChipKVCache) throws -> Output {
        var executor = try Executor(compiled: compiled, chip: chip, image: image, rope: rope, tokens: tokens, cache: cache)
        for index in compiled.program.instructions.indices {
            do {
                try executor.execute(index)
            } catch let error as FunctionalError {
                throw error.with(instruction: index)
            }
        }
        try executor.finishStep()
        cache = executor.cache
        return executor.output()
    }
}
