import Testing
import TritCore
import TritReference

@Suite struct QuantizedActivationsTests {
    private func quantize(_ rows: [[Float]]) throws -> QuantizedActivations {
        QuantizedActivations(quantizing: try Matrix(rows: rows.count, columns: rows[0].count, elements: rows.flatMap { $0 }))
    }

    /// max|x| = 127 gives s = 127/127 = 1 exactly, so x·s = x and the .5 values are ties, rounded
    /// half to even (torch.round): 2.5 → 2, −1.5 → −2, 0.5 → 0, −0.5 → 0, 126.5 → 126, −3.5 → −4.
    @Test func tiesRoundHalfToEven() throws {
        let q = try quantize([[127, 2.5, -1.5, 0.5, -0.5, 126.5, -3.5]])
        #expect(q.scales == [1])
        #expect(q.values.elements == [127, 2, -2, 0, 0, 126, -4])
    }

    /// An all-zero row: s = 127 / max(0, 1e-5) = 1.27e7 and every value 0; the next row is
    /// quantised on its own (per token): [−4, 2, 1] → s = 127/4 = 31.75 → [−127, 63.5 → 64, 31.75 → 32].
    @Test func zeroRowsAndPerTokenScales() throws {
        let q = try quantize([[0, 0, 0], [-4, 2, 1]])
        #expect(q.values.row(0) == [0, 0, 0])
        #expect(q.scales[0] == Float(127) / Float(1e-5))
        #expect(q.values.row(1) == [-127, 64, 32])
        #expect(q.scales[1] == 31.75)
    }

    /// Below ε the scale is capped: [1e-6, −5e-7] → s = 127/1e-5 → 12.7 → 13, −6.35 → −6.
    @Test func tinyRowsUseTheEpsilonScale() throws {
        let q = try quantize([[1e-6, -5e-7]])
        #expect(q.values.elements == [13, -6])
    }

    /// On random rows the largest magnitude maps to exactly ±127 and −128 never appears, and
    /// every value is within half a step of x·s.
    @Test func absmaxMapsToPlusMinus127() throws {
        var random = SplitMix64(seed: 11)
        for _ in 0 ..< 200 {
            let width = 1 + Int(random.next() % 64)
            let magnitude = Float(1 << (random.next() % 20)) * 1e-3
            let row = (0 ..< width).map { _ in random.nextFloat(from: -magnitude, to: magnitude) }
            let q = try quantize([row])
            let peak = row.indices.max { abs(row[$0]) < abs(row[$1]) } ?? 0
            if row[peak] != 0 { #expect(abs(Int(q.values.elements[peak])) == 127) }
            #expect(!q.values.elements.contains(-128))
            for (x, v) in zip(row, q.values.elements) { #expect(abs(x * q.scales[0] - Float(v)) <= 0.5) }
        }
    }

    @Test func nonFiniteInputsStayTotal() throws {
        let q = try quantize([[.nan, 1, -2]])
        #expect(q.values.elements == [0, 64, -127])
        let wrapped = try QuantizedActivations(values: q.values, scales: q.scales)
        #expect(wrapped == q)
        #expect(throws: InputError.self) { try QuantizedActivations(values: q.values, scales: []) }
    }
}
