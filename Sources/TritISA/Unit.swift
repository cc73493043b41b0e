/// The kinds of execution unit on the chip. Each unit runs its own in-order instruction queue.
public enum UnitKind: String, CaseIterable, Sendable {
    /// A DMA engine moving bytes between off-chip memory and SRAM. All DMA engines share the
    /// off-chip memory bandwidth.
    case dma
    /// A weight-stationary ternary array.
    case ternaryArray
    /// The vector unit.
    case vector
    /// The full-precision MAC array (attention, LM head).
    case attention
    /// The chip-to-chip link engine of a multi-chip system (sends, receives, all-reduces).
    case link
}

/// One execution unit of a program: its kind and a name such as `array.2`.
public struct UnitDescriptor: Equatable, Sendable {
    /// Unit kind.
    public var kind: UnitKind
    /// Display name, unique in a program.
    public var name: String

    /// Creates a descriptor.
    public init(kind: UnitKind, name: String) {
        self.kind = kind
        self.name = name
    }
}

/// A dependency token: signalled once by one instruction, waited on by any number of later ones.
public typealias TokenID = Int32

/// Index of a unit in `Program.units`.
public typealias UnitID = UInt16
