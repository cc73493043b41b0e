/// What one instruction of a compiled program computes, in the graph's terms: the compiler's debug
/// information, kept beside the program (`CompiledProgram.origins`, one per instruction) and not
/// written to `.tasm` or `.tbin`.
///
/// The timing engine never reads it. The functional executor (`TritFunctional`) does: an
/// instruction's operands say which bytes it touches, its origin says which routine of the
/// reference forward pass it applies to them (which node, which token rows, which column block or
/// attention block), so the chip's results can be computed from the chip's own data and compared
/// with the reference tensor by tensor.
public struct InstructionOrigin: Equatable, Sendable {
    /// The graph node the instruction belongs to (for a fused pair or triple, the first node:
    /// a norm fused with its quantisation, a BitLinear fused with its residual add, the gate of a
    /// fused gate/up pair); -1 when it belongs to none.
    public let node: Int
    /// The step's token rows it processes: positions of a prefill (0-based within the step),
    /// sequences of a decode batch.
    public let tokens: Range<Int>
    /// What it does.
    public let role: Role

    /// What an instruction does.
    public enum Role: Equatable, Sendable {
        /// Nothing the functional executor checks by meaning: weight and norm-weight loads (checked
        /// by address), links.
        case unannotated
        /// The embedding gather of the token rows.
        case embedding
        /// One tile of a BitLinear: row block `rowBlock` (inputs rowBlock·R …) and column block
        /// `columnBlock` (outputs columnBlock·C …) of the node's weights.
        case tile(rowBlock: Int, columnBlock: Int)
        /// Adds the split-K partial sums of column block `columnBlock`, dequantises them (× γ / s)
        /// and, when `residual`, adds the residual stream (the residual-add node after the
        /// BitLinear, fused).
        case dequantize(columnBlock: Int, residual: Bool)
        /// Fused gate and up: dequantises block `columnBlock` of the gate (the node) and of the up
        /// projection (node + 1) and applies the gated activation (node + 2) to them.
        case gatedDequantize(columnBlock: Int)
        /// RMSNorm of the rows; with `fusedQuantize` also the int8 quantisation after it (node + 1).
        case rmsNorm(fusedQuantize: Bool)
        /// Per-token int8 quantisation of the rows.
        case quantize
        /// Rotary embedding of the rows' queries and keys.
        case rope
        /// The gated activation of the rows (gate and up computed separately).
        case gating
        /// The residual add of the rows (not fused with a dequantisation).
        case residualAdd
        /// Stores the rows' new keys and values of `layer` to the KV cache in DRAM.
        case kvStore(layer: Int)
        /// Loads `block`'s cached keys and values of `layer` from DRAM into a KV-buffer slot.
        case kvLoad(layer: Int, block: AttentionBlock)
        /// The scores of the rows' queries against `block`'s keys (the attention-scores node).
        case scores(layer: Int, block: AttentionBlock)
        /// The block's softmax (online: block-local maximum and sums).
        case softmax(layer: Int, block: AttentionBlock)
        /// The block's probabilities times its values, merged into the rows' running attention
        /// output; `last` when it is the rows' last block (the output is then final).
        case values(layer: Int, block: AttentionBlock, last: Bool)
        /// LM-head rows `firstRow ..< firstRow + rows` (vocabulary entries) for the token rows.
        case dense(firstRow: Int, rows: Int)
    }

    /// A block of keys of an attention: for each sequence `sequences` (slice-relative for a
    /// decode batch: indices into the step's sequences; 0 for a prefill), the keys at positions
    /// `keys`.
    public struct AttentionBlock: Equatable, Sendable {
        public let sequences: Range<Int>
        public let keys: Range<Int>
        /// Whether the keys are read from the KV cache in memory (through a `kvLoad`, or in place on
        /// an SRAM-only chip) rather than from this step's rows still on chip.
        public let fromMemory: Bool

        public init(sequences: Range<Int>, keys: Range<Int>, fromMemory: Bool) {
            self.sequences = sequences
            self.keys = keys
            self.fromMemory = fromMemory
        }
    }

    public init(node: Int, tokens: Range<Int>, role: Role) {
        self.node = node
        self.tokens = tokens
        self.role = role
    }

    /// The origin of an instruction that belongs to no node.
    public static let unannotated = InstructionOrigin(node: -1, tokens: 0..<0, role: .unannotated)
}
