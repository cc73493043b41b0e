import Testing
@testable import TritCompiler
import TritCore
import TritISA

/// The weight buffer's ring of variable-size chunks.
@Suite struct WeightRingTests {
    @Test func chunksFollowEachOtherAndWrapWhenTheTailIsTooShort() {
        var ring = WeightRing(capacityBytes: 100)
        #expect(ring.allocate(bytes: 40).range == SRAMRange(base: 0, bytes: 40))
        #expect(ring.allocate(bytes: 40).range == SRAMRange(base: 40, bytes: 40))
        // 20 bytes are left at the end; a 30-byte chunk starts again at 0.
        #expect(ring.allocate(bytes: 30).range == SRAMRange(base: 0, bytes: 30))
    }

    @Test func aChunkWaitsForTheReadersOfEveryChunkItOverwrites() {
        var ring = WeightRing(capacityBytes: 100)
        let a = ring.allocate(bytes: 40).range
        let b = ring.allocate(bytes: 40).range
        ring.release(a, after: 7)
        ring.release(a, after: 8)
        ring.release(b, after: 9)
        #expect(ring.allocate(bytes: 10).waits.isEmpty, "the tail 80..<90 held nothing")
        // 90 + 30 > 100: wraps to 0 and overwrites a (0..<40) only.
        #expect(ring.allocate(bytes: 30).waits == [7, 8])
        // 30..<80 overlaps the rest of a's old range (already overwritten, no longer live) and b.
        #expect(ring.allocate(bytes: 50).waits == [9])
        #expect(!ring.overwrotePinnedChunk)
    }

    @Test func overwritingAPinnedChunkIsRecorded() {
        var ring = WeightRing(capacityBytes: 64)
        let a = ring.allocate(bytes: 32).range
        ring.pin(a, true)
        _ = ring.allocate(bytes: 32)
        #expect(!ring.overwrotePinnedChunk)
        _ = ring.allocate(bytes: 16)
        #expect(ring.overwrotePinnedChunk, "a's weights were still needed")

        var unpinned = WeightRing(capacityBytes: 64)
        let b = unpinned.allocate(bytes: 32).range
        unpinned.pin(b, true)
        unpinned.pin(b, false)
        _ = unpinned.allocate(bytes: 32)
        _ = unpinned.allocate(bytes: 16)
        #expect(!unpinned.overwrotePinnedChunk)
    }

    /// The gap-buffer ring agrees with a plain list of live chunks (every placement's waits and the
    /// pinned-overwrite flag) over seeded random placements, releases and pins, with chunks from
    /// 1 byte to the whole ring.
    @Test func agreesWithAPlainListOfLiveChunks() {
        struct Live { var range: SRAMRange; var releases: [TokenID]; var pinned: Bool }
        var random = SplitMix64(seed: 2026)
        for capacity in [Int64(1), 7, 100, 4096] {
            var ring = WeightRing(capacityBytes: capacity)
            var live: [Live] = []
            var cursor: Int64 = 0
            var pinnedOverwritten = false
            var token: TokenID = 0
            for _ in 0..<3000 {
                let bytes = Int64(random.next() % UInt64(capacity)) + 1
                // Oracle: wrap when the tail is too short; every live chunk overlapping the range is overwritten.
                if cursor + bytes > capacity { cursor = 0 }
                let range = SRAMRange(base: cursor, bytes: bytes)
                cursor += bytes
                let overlapped = live.filter { $0.range.base < range.base + range.bytes && range.base < $0.range.base + $0.range.bytes }
                let expectedWaits = overlapped.sorted { $0.range.base < $1.range.base }.flatMap(\.releases)
                if overlapped.contains(where: \.pinned) { pinnedOverwritten = true }
                live.removeAll { $0.range.base < range.base + range.bytes && range.base < $0.range.base + $0.range.bytes }
                live.append(Live(range: range, releases: [], pinned: false))
                let placed = ring.allocate(bytes: bytes)
                #expect(placed.range == range)
                #expect(placed.waits.sorted() == expectedWaits.sorted(), "capacity \(capacity): waits of \(range)")
                #expect(ring.overwrotePinnedChunk == pinnedOverwritten)
                // Release or pin a random live chunk.
                if let pick = live.indices.randomElement(using: &random) {
                    if random.next() % 3 == 0 {
                        let pinned = random.next() % 2 == 0
                        live[pick].pinned = pinned
                        ring.pin(live[pick].range, pinned)
                    } else {
                        token += 1
                        live[pick].releases.append(token)
                        ring.release(live[pick].range, after: token)
                    }
                }
            }
        }
    }
}
