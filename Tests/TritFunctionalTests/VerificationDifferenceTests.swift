import Testing
@testable import TritFunctional

/// How `verify` measures the gap between the chip's values and the reference's.
@Suite struct VerificationDifferenceTests {
    @Test func equalValuesDifferByNothingEvenWhenNotFinite() {
        let values: [Float] = [1, -2.5, .infinity, -.infinity, .nan]
        let (absolute, relative) = Verification.difference(values, values)
        #expect(absolute == 0 && relative == 0)
    }

    @Test func theLargestGapIsMeasuredAgainstTheLargestFiniteReference() {
        let (absolute, relative) = Verification.difference([1, 2, 10.5, .infinity], [1, 2.25, 10, .infinity])
        #expect(absolute == 0.5)
        #expect(relative == 0.05)
    }

    @Test func aMissingOrOneSidedNaNValueIsAnInfiniteGap() {
        #expect(Verification.difference([1, .nan], [1, 2]).absolute == .infinity)
        #expect(Verification.difference([1, 2], [1, .nan]).absolute == .infinity)
        #expect(Verification.difference([.infinity], [1]).absolute == .infinity)
        #expect(Verification.difference([1], [1, 2]).absolute == .infinity)
        #expect(Verification.difference([], [1]).relative == .infinity)
    }
}
