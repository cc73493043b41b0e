import Testing
import TritCore
import TritReference

@Suite struct AbsmeanQuantizerTests {
    private func matrix(_ values: [Float], rows: Int = 1) throws -> Matrix<Float> {
        try Matrix(rows: rows, columns: values.count / rows, elements: values)
    }

    /// mean|W| = (0.5 + 0.5 + 1.5 + 1.5 + 2.5 + 0.5 + 1 + 0) / 8 = 1, so W/γ = W and every .5 is a
    /// tie: half to even gives 0.5 → 0, −0.5 → 0, 1.5 → 2 → clip 1, −1.5 → −2 → clip −1, 2.5 → 2 → 1.
    /// (Half away from zero would give 0.5 → 1.)
    @Test func tiesRoundHalfToEvenThenClip() throws {
        let w = try TernaryMatrix.quantize(master: matrix([0.5, -0.5, 1.5, -1.5, 2.5, -0.5, 1, 0], rows: 2))
        #expect(w.trits.elements == [0, 0, 1, -1, 1, 0, 1, 0])
        #expect(w.scale == 1)
        #expect(w.outFeatures == 2 && w.inFeatures == 4)
    }

    /// One scale for the whole tensor, not per row: a row of small weights is all zeros when the
    /// other row is large. mean = (4 × 0.1 + 4 × 3) / 8 = 1.55; 0.1/1.55 = 0.06 → 0; 3/1.55 = 1.9 → 1.
    @Test func oneScalePerTensor() throws {
        let w = try TernaryMatrix.quantize(master: matrix([0.1, -0.1, 0.1, -0.1, 3, -3, 3, -3], rows: 2))
        #expect(w.trits.elements == [0, 0, 0, 0, 1, -1, 1, -1])
        #expect(w.scale == Float(1.55))
    }

    /// All-zero tensor: trits 0; γ = max(0, 1e-5) = 1e-5 in the code form, 0 in the paper form.
    @Test func allZeroTensor() throws {
        let zero = try matrix([0, 0, 0, 0, 0, 0], rows: 2)
        let code = try TernaryMatrix.quantize(master: zero, epsilon: .clampedScale)
        #expect(code.trits.elements == [0, 0, 0, 0, 0, 0])
        #expect(code.scale == 1e-5)
        let paper = try TernaryMatrix.quantize(master: zero, epsilon: .addedToScale)
        #expect(paper.trits.elements == [0, 0, 0, 0, 0, 0])
        #expect(paper.scale == 0)
    }

    /// Where the two forms differ: mean|W| = 3e-6 < ε. Code: 6e-6 × (1/1e-5) = 0.6 → ±1, γ = 1e-5.
    /// Paper: 6e-6 / (3e-6 + 1e-5) = 0.46 → 0, γ = 3e-6.
    @Test func codeAndPaperFormsDifferOnlyNearEpsilon() throws {
        let tiny = try matrix([6e-6, -6e-6, 0, 0])
        let code = try TernaryMatrix.quantize(master: tiny, epsilon: .clampedScale)
        #expect(code.trits.elements == [1, -1, 0, 0])
        #expect(code.scale == 1e-5)
        let paper = try TernaryMatrix.quantize(master: tiny, epsilon: .addedToScale)
        #expect(paper.trits.elements == [0, 0, 0, 0])
        #expect(paper.scale == Float(3e-6))
        // Far from ε both agree: W = [2, −2, 0.3, 5] → γ = 2.325; 0.3/γ = 0.13 → 0; 5/γ = 2.15 → 1.
        let large = try matrix([2, -2, 0.3, 5])
        #expect(try TernaryMatrix.quantize(master: large, epsilon: .clampedScale).trits.elements == [1, -1, 0, 1])
        #expect(try TernaryMatrix.quantize(master: large, epsilon: .addedToScale).trits.elements == [1, -1, 0, 1])
    }

    @Test func rejectsNonFiniteMastersAndBadTrits() throws {
        #expect(throws: InputError.self) { try TernaryMatrix.quantize(master: matrix([1, .nan]), name: "q_proj") }
        #expect(throws: InputError.self) { try TernaryMatrix.quantize(master: matrix([1, .infinity])) }
        let two = try Matrix<Int8>(rows: 1, columns: 2, elements: [1, 2])
        #expect(throws: InputError.self) { try TernaryMatrix(trits: two, scale: 1) }
        let fine = try Matrix<Int8>(rows: 1, columns: 2, elements: [1, -1])
        #expect(throws: InputError.self) { try TernaryMatrix(trits: fine, scale: -1) }
        #expect(throws: InputError.self) { try TernaryMatrix(trits: fine, scale: .nan) }
        #expect(throws: InputError.self) { try Matrix<Float>(rows: 2, columns: 2, elements: [1, 2, 3]) }
    }
}
