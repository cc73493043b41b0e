import Testing
import TritChip

/// The LUT datapath's table geometry, checked against a brute-force enumeration of ternary patterns.
@Suite struct LUTDatapathTests {
    /// All 3^k ternary patterns of a group of k weights.
    private func patterns(_ k: Int) -> [[Int]] {
        var all: [[Int]] = [[]]
        for _ in 0..<k { all = all.flatMap { prefix in [-1, 0, 1].map { prefix + [$0] } } }
        return all
    }

    @Test(arguments: 1...4)
    func storedEntriesAndBuildAddsMatchAnEnumeration(k: Int) {
        let all = patterns(k)
        // One entry per mirror pair {w, −w}, none for the all-zero pattern: the canonical patterns
        // are those whose first non-zero weight is +1.
        let canonical = all.filter { $0.first { $0 != 0 } == 1 }
        #expect(LUTDatapath.storedEntries(groupOf: k) == Int64(canonical.count))
        // Entries with one non-zero weight are the activations; every other entry costs one add.
        let needAnAdd = canonical.filter { $0.filter { $0 != 0 }.count >= 2 }
        #expect(LUTDatapath.buildAdds(groupOf: k) == Int64(needAnAdd.count))
    }

    @Test func publishedTableSizes() {
        // TL1 stores all 9 sums of a pair; mirrored, 4 plus zero. TL2's sign + 4-bit index covers
        // 13 entries plus zero for a group of 3 (bitnet.cpp, arXiv 2410.16144).
        #expect(LUTDatapath.storedEntries(groupOf: 2) == 4)
        #expect(LUTDatapath.storedEntries(groupOf: 3) == 13)
        #expect((1...4).map { LUTDatapath.buildAdds(groupOf: $0) } == [0, 2, 10, 36])
    }

    @Test func groupsAndBuildAddsOfATileWithARemainderGroup() throws {
        let lut = try #require(LUTDatapath(groupSize: 3))
        // 256 rows = 85 groups of 3 + 1 group of 1: 86 lookups per column; 85 × 10 + 0 build adds.
        #expect(lut.groups(rows: 256) == 86)
        #expect(lut.buildAdds(rows: 256) == 850)
        // 10 rows = 3 groups of 3 + a group of 1; 11 rows = 3 groups of 3 + a pair (2 adds).
        #expect(lut.buildAdds(rows: 10) == 30)
        #expect(lut.buildAdds(rows: 11) == 32)
        #expect(lut.buildDepthCycles == 2)
        #expect(lut.pipelineDepthCycles(arrayRows: 256) == 2 + 1 + 7)
    }

    @Test func groupSizesOutsideOneToFourAreRefused() throws {
        #expect(LUTDatapath(groupSize: 0) == nil)
        #expect(LUTDatapath(groupSize: 5) == nil)
        let four = try #require(LUTDatapath(groupSize: 4))
        #expect(four.pipelineDepthCycles(arrayRows: 256) == 2 + 1 + 6)
    }

    @Test func onlyTL2WithGroupsOfThreeSkipsTheUnpackStage() throws {
        let three = try #require(LUTDatapath(groupSize: 3))
        let two = try #require(LUTDatapath(groupSize: 2))
        #expect(three.readsCodesDirectly(.tl2))
        #expect(!two.readsCodesDirectly(.tl2))
        #expect(!three.readsCodesDirectly(.base3))
        #expect(two.readsCodesDirectly(.i2s))
    }
}
