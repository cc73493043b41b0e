/// A chip program: units, instructions in program order, and the dependency tokens between them.
///
/// Each unit executes the instructions addressed to it in program order. An instruction starts
/// when its unit is free and every token it waits for has been signalled. Tokens are signalled
/// by exactly one instruction, always earlier in program order than any instruction waiting on
/// it, so a program built with `ProgramBuilder` cannot deadlock.
///
/// Two programs are equal when every stored field is equal, including each instruction's
/// `waitStart` (the layout of `waitTokens`), not only the waits it denotes.
public struct Program: Equatable, Sendable {
    /// Units, indexed by `UnitID`.
    public var units: [UnitDescriptor]
    /// Instructions in program order.
    public var instructions: [Instruction]
    /// Flat list of waited tokens; instruction i waits on `waitTokens[waitStart ..< waitStart + waitCount]`.
    public var waitTokens: [TokenID]
    /// Number of tokens used (IDs are 0 ..< tokenCount).
    public var tokenCount: Int
    /// Statistics tag names, indexed by `Instruction.tag`.
    public var tags: [String]

    /// Creates a program.
    public init(units: [UnitDescriptor], instructions: [Instruction], waitTokens: [TokenID], tokenCount: Int, tags: [String]) {
        self.units = units
        self.instructions = instructions
        self.waitTokens = waitTokens
        self.tokenCount = tokenCount
        self.tags = tags
    }

    /// The tokens instruction `index` waits for.
    public func waits(of index: Int) -> ArraySlice<TokenID> {
        let instruction = instructions[index]
        let start = Int(instruction.waitStart)
        return waitTokens[start ..< start + Int(instruction.waitCount)]
    }
}

/// Builds a `Program` one instruction at a time, allocating tokens.
public struct ProgramBuilder {
    private var program: Program

    /// Starts a program over `units` with statistics `tags`.
    public init(units: [UnitDescriptor], tags: [String]) {
        program = Program(units: units, instructions: [], waitTokens: [], tokenCount: 0, tags: tags)
    }

    /// Number of instructions so far.
    public var count: Int { program.instructions.count }

    /// Appends an instruction that waits on `waits` and, if `signals`, signals a fresh token,
    /// which is returned (nil if it signals nothing).
    @discardableResult
    public mutating func emit(_ operation: Instruction.Operation, on unit: UnitID, tag: UInt16, waits: [TokenID], signals: Bool = true) -> TokenID? {
        let start = Int32(program.waitTokens.count)
        program.waitTokens.append(contentsOf: waits)
        var token: TokenID = -1
        if signals {
            token = TokenID(program.tokenCount)
            program.tokenCount += 1
        }
        program.instructions.append(Instruction(operation: operation, unit: unit, tag: tag, waitStart: start,
                                                waitCount: Int32(waits.count), signal: token))
        return signals ? token : nil
    }

    /// Reserves capacity for `instructions` more instructions.
    public mutating func reserve(_ instructions: Int) {
        program.instructions.reserveCapacity(program.instructions.count + instructions)
    }

    /// The finished program.
    public func build() -> Program { program }
}
