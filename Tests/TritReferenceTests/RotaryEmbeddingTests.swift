import Foundation
import Testing
import TritCore
import TritReference

@Suite struct RotaryEmbeddingTests {
    private func randomRows(_ rows: Int, _ columns: Int, seed: UInt64) throws -> Matrix<Float> {
        var random = SplitMix64(seed: seed)
        return try Matrix(rows: rows, columns: columns, elements: (0 ..< rows * columns).map { _ in random.nextFloat(from: -2, to: 2) })
    }

    /// At position 0 every angle is 0: cos = 1, sin = 0, so RoPE is exactly the identity.
    @Test(arguments: RoPEPairing.allCases)
    func positionZeroIsTheIdentity(pairing: RoPEPairing) throws {
        let rope = try RotaryEmbedding(headDim: 64, theta: 500_000, pairing: pairing)
        let x = try randomRows(1, 4 * 64, seed: 1)
        #expect(try rope.apply(x, firstPosition: 0) == x)
    }

    /// A rotation preserves the length of every pair, so of every head.
    @Test(arguments: RoPEPairing.allCases)
    func preservesNorms(pairing: RoPEPairing) throws {
        let rope = try RotaryEmbedding(headDim: 8, theta: 10_000, pairing: pairing)
        for position in [1, 7, 100, 4095] {
            let x = try randomRows(1, 16, seed: UInt64(position))
            let y = try rope.apply(x, firstPosition: position)
            #expect(y != x)
            for head in 0 ..< 2 {
                let range = head * 8 ..< head * 8 + 8
                let before = range.reduce(0.0) { $0 + Double(x.elements[$1] * x.elements[$1]) }
                let after = range.reduce(0.0) { $0 + Double(y.elements[$1] * y.elements[$1]) }
                #expect(abs(after - before) <= 1e-6 * before)
            }
        }
    }

    /// d = 4, θ = 10000, position 1: angles 1 × 10000^0 = 1 rad and 1 × 10000^(−2/4) = 0.01 rad.
    /// Rotate-half pairs (0, 2) at 1 rad and (1, 3) at 0.01 rad; interleaved pairs (0, 1) at 1 rad
    /// and (2, 3) at 0.01 rad. a′ = a cos − b sin, b′ = b cos + a sin.
    @Test func pairingConventionsByHand() throws {
        let x = try Matrix<Float>(rows: 1, columns: 4, elements: [1, 2, 3, 4])
        let (c1, s1, c2, s2) = (cos(1.0), sin(1.0), cos(0.01), sin(0.01))
        let half = try RotaryEmbedding(headDim: 4, theta: 10_000, pairing: .rotateHalf).apply(x, firstPosition: 1)
        let expectedHalf = [1 * c1 - 3 * s1, 2 * c2 - 4 * s2, 3 * c1 + 1 * s1, 4 * c2 + 2 * s2]
        let pairs = try RotaryEmbedding(headDim: 4, theta: 10_000, pairing: .interleaved).apply(x, firstPosition: 1)
        let expectedPairs = [1 * c1 - 2 * s1, 2 * c1 + 1 * s1, 3 * c2 - 4 * s2, 4 * c2 + 3 * s2]
        for i in 0 ..< 4 {
            #expect(abs(Double(half.elements[i]) - expectedHalf[i]) < 1e-6)
            #expect(abs(Double(pairs.elements[i]) - expectedPairs[i]) < 1e-6)
        }
    }

    /// Rows of a block take consecutive positions, and q·k after RoPE depends only on the
    /// distance between the positions (RoFormer's relative-position property).
    @Test func rowsTakeConsecutivePositionsAndScoresAreRelative() throws {
        let rope = try RotaryEmbedding(headDim: 8, theta: 10_000)
        let q = try randomRows(1, 8, seed: 3), k = try randomRows(1, 8, seed: 4)
        let block = try Matrix<Float>(rows: 3, columns: 8, elements: q.elements + q.elements + q.elements)
        let rotated = try rope.apply(block, firstPosition: 5)
        #expect(rotated.row(2) == (try rope.apply(q, firstPosition: 7)).elements)
        func score(_ m: Int, _ n: Int) throws -> Double {
            let a = try rope.apply(q, firstPosition: m).elements, b = try rope.apply(k, firstPosition: n).elements
            return zip(a, b).reduce(0.0) { $0 + Double($1.0 * $1.1) }
        }
        let reference = try score(3, 0)
        for shift in [1, 10, 200] { #expect(abs(try score(3 + shift, shift) - reference) < 1e-4) }
    }

    @Test func rejectsOddHeadDimAndBadTheta() throws {
        #expect(throws: InputError.self) { try RotaryEmbedding(headDim: 3, theta: 10_000) }
        #expect(throws: InputError.self) { try RotaryEmbedding(headDim: 4, theta: 0) }
        #expect(throws: InputError.self) { try RotaryEmbedding(headDim: 4, theta: .infinity) }
        let rope = try RotaryEmbedding(headDim: 4, theta: 10_000)
        #expect(throws: InputError.self) { try rope.apply(Matrix(rows: 1, columns: 6, repeating: 0), firstPosition: 0) }
    }
}
