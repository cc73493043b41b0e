import Foundation
import Testing
import TritCore
import TritReference

@Suite struct RMSNormTests {
    /// [2, −2, 2, −2]: mean x² = 4, 1/√4 = 0.5 → [1, −1, 1, −1] ⊙ g, exactly (ε = 0).
    @Test func handComputed() throws {
        let x = try Matrix<Float>(rows: 1, columns: 4, elements: [2, -2, 2, -2])
        let y = try RMSNorm.apply(x, weight: [1, 0.5, 2, 1], epsilon: 0)
        #expect(y.elements == [1, -0.5, 2, -1])
    }

    /// ε enters under the root: [3, 4] with ε = 1: mean x² = 12.5, r = 1/√13.5.
    @Test func epsilonUnderTheRoot() throws {
        let y = try RMSNorm.apply(Matrix(rows: 1, columns: 2, elements: [3, 4]), weight: [1, 1], epsilon: 1)
        let r = 1 / 13.5.squareRoot()
        #expect(abs(Double(y.elements[0]) - 3 * r) < 1e-6)
        #expect(abs(Double(y.elements[1]) - 4 * r) < 1e-6)
    }

    /// Rows are independent; an all-zero row stays zero (with ε > 0 and, by convention, ε = 0).
    @Test func rowsAreIndependentAndZeroRowsStayZero() throws {
        let x = try Matrix<Float>(rows: 2, columns: 2, elements: [0, 0, 1, 1])
        for epsilon: Float in [0, 1e-5] {
            let y = try RMSNorm.apply(x, weight: [1, 1], epsilon: epsilon)
            #expect(y.row(0) == [0, 0])
            #expect(abs(y.elements[2] - 1) < 1e-5 && abs(y.elements[3] - 1) < 1e-5)
        }
        #expect(throws: InputError.self) { try RMSNorm.apply(x, weight: [1], epsilon: 0) }
    }
}
