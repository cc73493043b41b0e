import Foundation
import Testing
import TritCore
import TritModel
import TritReference

@Suite struct GatedActivationTests {
    /// ReLU²: max(g, 0)² × u: [−1, 0, 2, 0.5] ⊙ [5, 5, 3, 4] → [0, 0, 12, 1].
    @Test func reluSquared() throws {
        let gate = try Matrix<Float>(rows: 1, columns: 4, elements: [-1, 0, 2, 0.5])
        let up = try Matrix<Float>(rows: 1, columns: 4, elements: [5, 5, 3, 4])
        #expect(try GatedActivation.apply(gate: gate, up: up, activation: .relu2).elements == [0, 0, 12, 1])
    }

    /// SiLU: g / (1 + e^−g) × u: silu(0) = 0, silu(1) = 0.7310586, silu(−1) = −0.2689414.
    @Test func silu() throws {
        let gate = try Matrix<Float>(rows: 1, columns: 3, elements: [0, 1, -1])
        let up = try Matrix<Float>(rows: 1, columns: 3, elements: [3, 2, 1])
        let y = try GatedActivation.apply(gate: gate, up: up, activation: .silu).elements
        #expect(y[0] == 0)
        #expect(abs(y[1] - 2 * 0.731_058_6) < 1e-6)
        #expect(abs(y[2] + 0.268_941_4) < 1e-6)
        #expect(GatedActivation.activate(-200, .silu) == 0)
        #expect(throws: InputError.self) { try GatedActivation.apply(gate: gate, up: Matrix(rows: 1, columns: 2, repeating: 0), activation: .silu) }
    }
}
