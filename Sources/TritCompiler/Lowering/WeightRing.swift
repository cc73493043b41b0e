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
    /// Live chunks at or after the cursor, in descending address order (the nearest last), and
    /// live chunks before it, in ascending order (the latest last): a gap buffer at the cursor, so
    /// placing a chunk and retiring the chunks it overwrites cost O(chunks overwritten), and a lap
    /// O(live chunks) once — linear in the chunks placed, however small the tiles.
    private var ahead: [Chunk] = []
    private var behind: [Chunk] = []
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
        if cursor + bytes > capacityBytes {
            // A new lap: every live chunk now lies at or after the cursor.
            cursor = 0
            ahead.append(contentsOf: behind.reversed())
            behind.removeAll(keepingCapacity: true)
        }
        let range = SRAMRange(base: cursor, bytes: bytes)
        cursor += bytes
        var waits: [TokenID] = []
        // Chunks ahead start at or after the range's base; the nearest ones it reaches are overwritten.
        while let nearest = ahead.last, nearest.range.base < range.base + range.bytes {
            waits.append(contentsOf: nearest.releases)
            if nearest.pinned { overwrotePinnedChunk = true }
            ahead.removeLast()
        }
        behind.append(Chunk(range: range, releases: [], pinned: false))
        return (range, waits)
    }

    /// Records that `token` reads the chunk at `range` (it must complete before the chunk is
    /// overwritten). A range that is no longer live is ignored.
    mutating func release(_ range: SRAMRange, after token: TokenID) {
        update(range) { $0.releases.append(token) }
    }

    /// Pins or unpins the live chunk at `range` (see the type).
    mutating func pin(_ range: SRAMRange, _ pinned: Bool) {
        update(range) { $0.pinned = pinned }
    }

    /// Applies `change` to the live chunk whose base is `range.base`, if any.
    private mutating func update(_ range: SRAMRange, _ change: (inout Chunk) -> Void) {
        if let index = Self.index(of: range.base, in: behind, ascending: true) {
            change(&behind[index])
        } else if let index = Self.index(of: range.base, in: ahead, ascending: false) {
            change(&ahead[index])
        }
    }

    /// Binary search for the chunk based at `base` in `chunks`, sorted by base address.
    private static func index(of base: Int64, in chunks: [Chunk], ascending: Bool) -> Int? {
        var low = 0
        var high = chunks.count
        while low < high {
            let middle = (low + high) / 2
            let before = ascending ? chunks[middle].range.base < base : chunks[middle].range.base > base
            if before { low = middle + 1 } else { high = middle }
        }
        return low < chunks.count && chunks[low].range.base == base ? low : nil
    }
}
