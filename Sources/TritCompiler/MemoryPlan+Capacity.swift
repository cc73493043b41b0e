import TritChip
import TritCore
import TritISA

extension MemoryPlan {
    /// Throws unless the step's weights and KV cache fit where they live: in off-chip memory, or —
    /// on an SRAM-only chip, which keeps them resident — in the SRAM weight buffer and KV buffer.
    /// - Throws: `InputError` naming the chip and `offChipMemory.capacityBytes`,
    ///   `sram.weightBufferBytes` or `sram.kvBufferBytes`.
    static func checkCapacity(weightBytes: Int64, kvBytes: Int64, modelName: String, on chip: ResolvedChip) throws {
        let c = chip.config
        let source = c.errorSource
        guard c.hasOffChipMemory else {
            guard weightBytes <= c.sram.weightBufferBytes else {
                throw InputError(source: source, location: "sram.weightBufferBytes",
                                 expected: "at least \(weightBytes) bytes to hold every weight of \(modelName) resident (an SRAM-only chip)",
                                 found: "\(c.sram.weightBufferBytes) bytes")
            }
            guard kvBytes <= c.sram.kvBufferBytes else {
                throw InputError(source: source, location: "sram.kvBufferBytes",
                                 expected: "at least \(kvBytes) bytes to hold the KV cache of \(modelName) resident (an SRAM-only chip)",
                                 found: "\(c.sram.kvBufferBytes) bytes")
            }
            return
        }
        let needed = try Checked.add(weightBytes, kvBytes, "off-chip bytes")
        guard needed <= c.offChipMemory.capacityBytes else {
            throw InputError(source: source, location: "offChipMemory.capacityBytes",
                             expected: "at least \(needed) bytes (weights \(weightBytes) + KV cache \(kvBytes) of \(modelName))",
                             found: "\(c.offChipMemory.capacityBytes) bytes")
        }
    }
}

/// SRAM one step occupies at its peak, by buffer, bytes.
public struct SRAMHighWater: Equatable, Sendable {
    /// Weight buffer: the highest weight-slot byte used (chips with off-chip memory), or every
    /// resident weight (SRAM-only chips).
    public var weightBytes: Int64
    /// Activation buffer: the planned working set of one token chunk (chunk tokens × bytes per
    /// token; activation addresses are not allocated per tensor yet, see docs/isa.md).
    public var activationBytes: Int64
    /// KV buffer: the highest KV-slot byte used (chips with off-chip memory), or the resident KV
    /// cache at the end of the step (SRAM-only chips).
    public var kvBytes: Int64

    /// Sum of the buffers.
    public var totalBytes: Int64 { weightBytes + activationBytes + kvBytes }
}

extension CompiledProgram {
    /// The SRAM the step occupies at its peak on `chip` (see `SRAMHighWater`).
    /// - Complexity: O(instructions).
    public func sramHighWater(on chip: ResolvedChip) -> SRAMHighWater {
        let activations = Int64(plan.chunkTokens) * plan.activationBytesPerToken
        guard chip.config.hasOffChipMemory else {
            return SRAMHighWater(weightBytes: plan.dramWeightBytes, activationBytes: activations, kvBytes: plan.dramKVCacheBytes)
        }
        var weights: Int64 = 0
        var kv: Int64 = 0
        for instruction in program.instructions {
            for range in ProgramCheck.sramRanges(of: instruction.operation) where range.bytes > 0 {
                let end = range.base + range.bytes
                if end <= plan.activationBufferBase {
                    weights = max(weights, end)
                } else if range.base >= plan.kvBufferBase {
                    kv = max(kv, end - plan.kvBufferBase)
                }
            }
        }
        return SRAMHighWater(weightBytes: weights, activationBytes: activations, kvBytes: kv)
    }
}
