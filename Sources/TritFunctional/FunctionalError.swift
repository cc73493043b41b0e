/// A dataflow or addressing fault found while executing a program on real bytes: an access outside
/// a memory, a read of bytes that were never written, or a read of bytes as something other than
/// what was last written there (raw bytes as floats, an fp32 slot as fp16, …).
///
/// One line: `instruction 17: SRAM reads 4096+512: byte 4200 was never written` (the instruction
/// part only once the executor has added it with `with(instruction:)`).
public struct FunctionalError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The memory accessed, as named at its creation (`SRAM`, `DRAM`).
    public var memory: String
    /// What the access did: `reads`, `writes`, `copy reads`, `copy writes`.
    public var access: String
    /// First byte address of the range accessed.
    public var address: Int64
    /// Length of the range accessed, bytes (`Int64.max` when the length itself overflowed).
    public var bytes: Int64
    /// What went wrong, in words naming the offending byte when there is one.
    public var problem: String
    /// Index of the instruction in program order that made the access, when known.
    public var instruction: Int?

    /// Creates an error for an access of `bytes` bytes at `address` of `memory`.
    public init(memory: String, access: String, address: Int64, bytes: Int64, problem: String, instruction: Int? = nil) {
        self.memory = memory
        self.access = access
        self.address = address
        self.bytes = bytes
        self.problem = problem
        self.instruction = instruction
    }

    /// A dataflow fault that is not one memory access: a read of a result no instruction has
    /// computed, partial sums that do not cover their column block, a KV block that is not where
    /// the program reads it.
    public init(problem: String, instruction: Int? = nil) {
        self.init(memory: "", access: "", address: 0, bytes: 0, problem: problem, instruction: instruction)
    }

    /// The same error attributed to instruction `index` (program order).
    public func with(instruction index: Int) -> FunctionalError {
        var copy = self
        copy.instruction = index
        return copy
    }

    /// One line: `[instruction N: ]memory access address+bytes: problem` (`[instruction N: ]problem`
    /// for a dataflow fault).
    public var description: String {
        let prefix = instruction.map { "instruction \($0): " } ?? ""
        return memory.isEmpty ? prefix + problem : "\(prefix)\(memory) \(access) \(address)+\(bytes): \(problem)"
    }
}
