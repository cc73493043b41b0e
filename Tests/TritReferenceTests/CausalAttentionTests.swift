import Foundation
import Testing
import TritCore
import TritReference

@Suite struct CausalAttentionTests {
    /// One head, d = 2 (scaling 1/√2), two tokens. Row 0 sees only key 0, so its output is v0
    /// exactly. Row 1: q = [1, 1], k0 = [1, 0], k1 = [0, 3] → scores [1/√2, 3/√2]; p1 = 1/(1 + e^(−2/√2)).
    @Test func twoTokensByHand() throws {
        let queries = try Matrix<Float>(rows: 2, columns: 2, elements: [5, -7, 1, 1])
        let keys = try Matrix<Float>(rows: 2, columns: 2, elements: [1, 0, 0, 3])
        let values = try Matrix<Float>(rows: 2, columns: 2, elements: [10, 20, -4, 8])
        let out = try CausalAttention.apply(queries: queries, keys: keys, values: values, heads: 1, kvHeads: 1, headDim: 2)
        #expect(out.row(0) == [10, 20])
        let p1 = 1 / (1 + exp(-2 / 2.0.squareRoot())), p0 = 1 - p1
        #expect(abs(Double(out.elements[2]) - (p0 * 10 + p1 * -4)) < 1e-5)
        #expect(abs(Double(out.elements[3]) - (p0 * 20 + p1 * 8)) < 1e-5)
    }

    /// A decode step (1 query, 2 cached keys) equals the last row of the two-token block.
    @Test func oneQueryAgainstACacheEqualsTheLastRow() throws {
        let keys = try Matrix<Float>(rows: 2, columns: 2, elements: [1, 0, 0, 3])
        let values = try Matrix<Float>(rows: 2, columns: 2, elements: [10, 20, -4, 8])
        let block = try CausalAttention.apply(queries: Matrix(rows: 2, columns: 2, elements: [5, -7, 1, 1]),
                                              keys: keys, values: values, heads: 1, kvHeads: 1, headDim: 2)
        let step = try CausalAttention.apply(queries: Matrix(rows: 1, columns: 2, elements: [1, 1]),
                                             keys: keys, values: values, heads: 1, kvHeads: 1, headDim: 2)
        #expect(step.row(0) == block.row(1))
    }

    /// GQA: 4 query heads, 2 KV heads, so heads 0 and 1 read KV head 0 and heads 2 and 3 read KV
    /// head 1 (h / 2, as transformers' `repeat_kv`; not h mod 2). One token: output = its value.
    @Test func queryHeadsReadTheirGroupsKVHead() throws {
        let queries = try Matrix<Float>(rows: 1, columns: 8, elements: [1, 2, 3, 4, 5, 6, 7, 8])
        let keys = try Matrix<Float>(rows: 1, columns: 4, elements: [1, 1, 1, 1])
        let values = try Matrix<Float>(rows: 1, columns: 4, elements: [1, 2, 30, 40])
        let out = try CausalAttention.apply(queries: queries, keys: keys, values: values, heads: 4, kvHeads: 2, headDim: 2)
        #expect(out.elements == [1, 2, 1, 2, 30, 40, 30, 40])
    }

    @Test func rejectsShapesThatDoNotFit() throws {
        let q = try Matrix<Float>(rows: 2, columns: 4, elements: Array(repeating: 0, count: 8))
        let kv = try Matrix<Float>(rows: 1, columns: 2, elements: [0, 0])
        #expect(throws: InputError.self) { try CausalAttention.apply(queries: q, keys: kv, values: kv, heads: 2, kvHeads: 1, headDim: 2) }
        #expect(throws: InputError.self) { try CausalAttention.apply(queries: q, keys: kv, values: kv, heads: 3, kvHeads: 2, headDim: 2) }
    }
}
