import TritISA

/// The weight buffer as a ring of variable-size chunks.
///
/// Chunks are placed one after another from address 0; a chunk that would run past the end
/// starts again at 0 (the tail stays unused for that lap). Placing a chunk overwrites the live
/// chunks it overlaps, so its DMA must wait for every instruction that read them: `allocate`
/// returns their release tokens. A chunk whose weights later micro-batches still need is
/// *pinned*; overwriting a pinned chunk would be a race, so it is recorded in
/// `overwrotePinnedChunk` for the compiler to refuse the plan (the planner sizes micro-batches
/// so that it never happens).
struct WeightRing {
    /// Bytes of the ring: the weight slots in use × the chunk size.
    let capacityBytes: Int64
    /// Live chunks, sorted by base address, never overlapping.
    private var chunks: [Chunk] = []
    /// Where the next chunk goes.
    private var cursor: Int64 = 0
    /// Whether a placement overwrote a pinned chunk (a planning error).
    private(set) var overwrotePinnedChunk = false

    private struct Chunk {
        var range: SRAMRange
        var releases: [TokenID]
        var pinned: Bool
    }

    init(capacityBytes: Int64) {
        self.capacityBytes = capacityBytes
    }

    /// Places a chunk of `bytes` (at most `capacityBytes`); returns its range and the tokens of
    /// the instructions that read the chunks it overwrites.
    mutating func allocate(bytes: Int64) -> (range: SRAMRange, waits: [TokenID]) {
        if cursor + bytes > capacityBytes { cursor = 0 }
        let range = SRAMRange(base: cursor, bytes: bytes)
        cursor += bytes
        var waits: [TokenID] = []
        var first = firstIndex(endingAfter: range.base)
        while first < chunks.count, chunks[first].range.base < range.base + range.bytes {
            waits.append(contentsOf: chunks[first].releases)
            if chunks[first].pinned { overwrotePinnedChunk = true }
            chunks.remove(at: first)
        }
        first = firstIndex(endingAfter: range.base)
        chunks.insert(Chunk(range: range, releases: [], pinned: false), at: first)
        return (range, waits)
    }

    /// Records that `token` reads the chunk at `range` (its next overwrite waits for it).
    mutating func release(_ range: SRAMRange, after token: TokenID) {
        let index = firstIndex(endingAfter: range.base)
        guard index < chunks.count, chunks[index].range.base == range.base else { return }
        chunks[index].releases.append(token)
    }

    /// Marks the chunk at `range` as still needed (`pinned`) or no longer needed.
    mutating func pin(_ range: SRAMRange, _ pinned: Bool) {
        let index = firstIndex(endingAfter: range.base)
        guard index < chunks.count, chunks[index].range.base == range.base else { return }
        chunks[index].pinned = pinned
    }

    /// Index of the first chunk whose end lies after `address` (binary search).
    private func firstIndex(endingAfter address: Int64) -> Int {
        var low = 0
        var high = chunks.count
        while low < high {
            let middle = (low + high) / 2
            if chunks[middle].range.base + chunks[middle].range.bytes <= address { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
