import Testing
import TritCore

@Suite struct SplitMix64Tests {
    /// Reference outputs of SplitMix64 from seed 0 (Steele, Lea & Flood; the same constants as
    /// Java's `SplittableRandom`), computed independently with Python integers.
    @Test func matchesTheReferenceSequence() {
        var random = SplitMix64(seed: 0)
        #expect(random.next() == 0xE220_A839_7B1D_CDAF)
        #expect(random.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(random.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func unitFloatsAreInRangeAndUse24Bits() {
        var random = SplitMix64(seed: 7)
        for _ in 0 ..< 10_000 {
            let u = random.nextUnitFloat()
            #expect(u >= 0 && u < 1)
            #expect((u * 0x1p24).rounded(.towardZero) == u * 0x1p24)
        }
        var bounded = SplitMix64(seed: 8)
        for _ in 0 ..< 1_000 {
            let x = bounded.nextFloat(from: 0.5, to: 1.5)
            #expect(x >= 0.5 && x < 1.5)
        }
    }
}
