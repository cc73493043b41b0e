extension Instruction {
/// The operation of one instruction, with operands in bytes and elements.
public enum Operation: Equatable, Sendable {
    /// Copy `dram` → `sram` (same byte count).
    case dmaLoad(stream: DMAStream, dram: DRAMRange, sram: SRAMRange)
    /// Copy `sram` → `dram` (same byte count).
    case dmaStore(stream: DMAStream, sram: SRAMRange, dram: DRAMRange)
    /// Load a `rows` × `columns` ternary tile from `weights` into the array, stream `tokens`
    /// int8 activation rows from `input`, and write (or, if `accumulate`, add into) `tokens` ×
    /// `columns` int32 partial sums at `accumulator`.
    case ternaryTile(rows: Int32, columns: Int32, tokens: Int32, weights: SRAMRange, input: SRAMRange,
                     accumulator: SRAMRange, accumulate: Bool)
    /// A vector routine of `operations` elementwise operations and `specialOps` special-function evaluations,
    /// reading `input` (and `input2`, a second operand in another buffer, and `parameters`, the
    /// per-token or per-channel parameters it applies — the activation scales of a `dequantize`,
    /// the learned weights of an `rms_norm`; each empty when unused) and writing `output`.
    case vector(kind: VectorKind, operations: Int64, specialOps: Int64, input: SRAMRange, output: SRAMRange,
                input2: SRAMRange = .empty, parameters: SRAMRange = .empty)
    /// A full-precision matrix product of `macs` multiply-accumulates reading `input` (which
    /// includes any weights or KV block) and `input2` (a second operand in another buffer; empty
    /// when unused), and writing `output`.
    case matrix(kind: MatrixKind, macs: Int64, input: SRAMRange, output: SRAMRange, input2: SRAMRange = .empty)
    /// A chip-to-chip transfer of the SRAM range `data` among `chips` chips (2 for a send or
    /// receive, the tensor-parallel group for an all-reduce, which sums in place).
    case link(kind: LinkKind, chips: Int32, data: SRAMRange)
}
}
