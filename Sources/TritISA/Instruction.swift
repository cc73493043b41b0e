/// One instruction: an operation, the unit that executes it, the tokens it waits for, and the
/// token it signals when it completes.
public struct Instruction: Equatable, Sendable {
    /// The operation and operands.
    public var operation: Instruction.Operation
    /// The executing unit (index into `Program.units`).
    public var unit: UnitID
    /// A statistics tag (index into `Program.tags`), e.g. the layer category.
    public var tag: UInt16
    /// First index into `Program.waitTokens` of this instruction's waits.
    public var waitStart: Int32
    /// Number of waits.
    public var waitCount: Int32
    /// Token signalled at completion, or -1 for none.
    public var signal: TokenID

    /// Creates an instruction.
    public init(operation: Instruction.Operation, unit: UnitID, tag: UInt16, waitStart: Int32, waitCount: Int32, signal: TokenID) {
        self.operation = operation
        self.unit = unit
        self.tag = tag
        self.waitStart = waitStart
        self.waitCount = waitCount
        self.signal = signal
    }
}
