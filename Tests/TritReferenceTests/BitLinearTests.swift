import Testing
import TritCore
import TritReference

@Suite struct BitLinearTests {
    /// x = [1, −2, 0.5, 4] → s = 127/4 = 31.75 → x_q = [31.75 → 32, −63.5 → −64, 15.875 → 16, 127].
    /// W̃ = [[1, 0, −1, 1], [−1, −1, 0, 0], [0, 0, 0, 0]], γ = 0.5:
    /// acc = [32 − 16 + 127, −32 + 64, 0] = [143, 32, 0]; y = acc × (0.5 / 31.75).
    @Test func handComputedSumsAndOutputs() throws {
        let x = QuantizedActivations(quantizing: try Matrix(rows: 1, columns: 4, elements: [1, -2, 0.5, 4]))
        #expect(x.values.elements == [32, -64, 16, 127])
        let w = try TernaryMatrix(trits: Matrix(rows: 3, columns: 4, elements: [1, 0, -1, 1, -1, -1, 0, 0, 0, 0, 0, 0]), scale: 0.5)
        let result = try BitLinear.apply(x, w)
        #expect(result.accumulators.elements == [143, 32, 0])
        let factor = Float(0.5) / Float(31.75)
        #expect(result.output.elements == [143 * factor, 32 * factor, 0])
        #expect(abs(result.output.elements[0] - 143 * 0.5 / 31.75) < 1e-6)
    }

    /// Several tokens: each row uses its own activation scale, the same weights.
    @Test func eachTokenRowHasItsOwnScale() throws {
        let x = QuantizedActivations(quantizing: try Matrix(rows: 2, columns: 2, elements: [1, 1, 0, -2]))
        #expect(x.values.elements == [127, 127, 0, -127])
        let w = try TernaryMatrix(trits: Matrix(rows: 1, columns: 2, elements: [1, -1]), scale: 2)
        let result = try BitLinear.apply(x, w)
        #expect(result.accumulators.elements == [0, 127])
        #expect(result.output.elements == [0, 127 * (2 / Float(63.5))])
    }

    /// The largest sums stay exact: 4096 × 127 = 520,192 and 4096 × (−128) × (−1) = 524,288.
    @Test func largeSumsAreExact() throws {
        let width = 4096
        let plus = try QuantizedActivations(values: Matrix(rows: 1, columns: width, elements: Array(repeating: 127, count: width)), scales: [1])
        let minus = try QuantizedActivations(values: Matrix(rows: 1, columns: width, elements: Array(repeating: -128, count: width)), scales: [1])
        let ones = try TernaryMatrix(trits: Matrix(rows: 1, columns: width, elements: Array(repeating: 1, count: width)), scale: 1)
        let minusOnes = try TernaryMatrix(trits: Matrix(rows: 1, columns: width, elements: Array(repeating: -1, count: width)), scale: 1)
        #expect(try BitLinear.accumulate(plus, ones).elements == [520_192])
        #expect(try BitLinear.accumulate(minus, minusOnes).elements == [524_288])
    }

    @Test func rejectsMismatchedWidths() throws {
        let x = QuantizedActivations(quantizing: try Matrix(rows: 1, columns: 3, elements: [1, 2, 3]))
        let w = try TernaryMatrix(trits: Matrix(rows: 1, columns: 2, elements: [1, 1]), scale: 1)
        #expect(throws: InputError.self) { try BitLinear.apply(x, w) }
    }
}
