import TritISA

/// Lowering on an SRAM-only chip (`offChipMemory` `none`): every weight and the whole KV cache
/// are resident in SRAM, so nothing is moved by DMA.
///
/// - Weight tiles and LM-head chunks are read where they live (`loadWeightChunk` returns the
///   resident range and no token to wait for); norm weights and embedding rows are read in place.
/// - KV-cache blocks are read in place (no `dma.load`); the step's new keys and values are written
///   straight into the cache by RoPE and the V projection (no `dma.store`).
/// - Addresses of resident data are bookkeeping, as activation addresses are (docs/isa.md): the
///   ranges have the right lengths (which drive SRAM traffic, time and energy), weight chunks are
///   laid out one after another from the start of the weight buffer in each token chunk, and KV
///   blocks keep the slot addresses of the staged layout. Capacity is enforced by the plan
///   (`MemoryPlan.checkCapacity`: weights ≤ `sram.weightBufferBytes`, KV cache ≤ `sram.kvBufferBytes`).
extension LoweringContext {
    /// The SRAM range of the next `bytes` of resident weights (wrapping at the end of the weight
    /// buffer, which a chunk's weights never exceed once the plan has checked capacity).
    mutating func residentWeightRange(bytes: Int64) -> SRAMRange {
        if residentWeightCursor + bytes > chip.config.sram.weightBufferBytes { residentWeightCursor = 0 }
        let range = SRAMRange(base: residentWeightCursor, bytes: bytes)
        residentWeightCursor += bytes
        return range
    }
}
