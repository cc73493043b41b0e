import Foundation
import TritCore
import TritModel

/// The gated activation of the feed-forward block: h = act(gate) ⊙ up, elementwise in fp32.
///
/// - `relu2`: act(g) = max(g, 0)², i.e. (r × r) with r = max(g, 0) (transformers
///   `ReLUSquaredActivation`: `square(relu(x))`; microsoft/BitNet `gpu/model.py` `squared_relu`).
/// - `silu`: act(g) = g / (1 + exp(−g)) (SiLU / swish, as PyTorch's `silu` kernel computes it).
///
/// Then h = act(g) × u. Source: transformers `GemmaMLP`/`LlamaMLP` forward,
/// `down_proj(act_fn(gate_proj(x)) * up_proj(x))`; BitNet inserts `ffn_sub_norm` before down_proj.
public enum GatedActivation {
    /// act(g) for one element.
    public static func activate(_ g: Float, _ activation: FFNActivation) -> Float {
        switch activation {
        case .relu2:
            let r = max(g, 0)
            return r * r
        case .silu:
            return g / (1 + exp(-g))
        }
    }

    /// act(gate) ⊙ up.
    /// - Parameters:
    ///   - gate: `[tokens × width]` fp32 (gate_proj output).
    ///   - up: `[tokens × width]` fp32 (up_proj output).
    /// - Returns: `[tokens × width]` fp32.
    /// - Throws: `InputError` if the shapes differ.
    public static func apply(gate: Matrix<Float>, up: Matrix<Float>, activation: FFNActivation) throws -> Matrix<Float> {
        guard gate.rows == up.rows, gate.columns == up.columns else {
            throw InputError(source: "gated activation", location: "shapes", expected: "gate and up of one shape",
                             found: "[\(gate.rows) × \(gate.columns)] and [\(up.rows) × \(up.columns)]")
        }
        var output = gate.elements
        for i in output.indices { output[i] = activate(gate.elements[i], activation) * up.elements[i] }
        return Matrix(uncheckedRows: gate.rows, columns: gate.columns, elements: output)
    }
}
