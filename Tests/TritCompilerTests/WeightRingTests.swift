import Testing
@testable import TritCompiler
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
}
