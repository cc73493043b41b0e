import TritCore
import TritReference

/// The activations one step of the functional executor has computed so far, per graph node: what
/// the chip's vector, attention and dequantisation instructions wrote, with a record of which
/// elements have been written. Reading an element no instruction has written yet is an error
/// (`FunctionalError`), so a program that reads a result before computing it, or never computes
/// part of it, is caught.
///
/// Full-precision tensors are `[step rows × width]` fp32 (a node's output, or its second output:
/// RoPE's keys); int8 tensors are `[step rows × width]` int8 with one fp32 scale per row (a
/// quantisation's output: the input of the BitLinears after it).
struct StepTensors {
    /// Which tensor of a node.
    enum Part: Hashable {
        /// The node's output (for RoPE: the rotated queries).
        case output
        /// RoPE's rotated keys.
        case keys
    }

    private struct Key: Hashable {
        let node: Int
        let part: Part
    }

    private struct FloatTensor {
        var values: [Float]
        var written: [Bool]
        let columns: Int
    }

    private struct Int8Tensor {
        var values: [Int8]
        var scales: [Float]
        var writtenRows: [Bool]
        let columns: Int
    }

    /// Rows of the step (prefill positions, or decode sequences).
    let rows: Int
    private var floats: [Key: FloatTensor] = [:]
    private var quantized: [Int: Int8Tensor] = [:]

    init(rows: Int) {
        self.rows = rows
    }

    /// Writes `values` (`[rows.count × columns.count]`, row-major) into node `node`'s tensor of
    /// `width` columns at `rows` × `columns`.
    mutating func write(node: Int, part: Part = .output, width: Int, rows: Range<Int>, columns: Range<Int>, _ values: [Float]) {
        let key = Key(node: node, part: part)
        var tensor = floats[key] ?? FloatTensor(values: [Float](repeating: 0, count: self.rows * width),
                                                 written: [Bool](repeating: false, count: self.rows * width), columns: width)
        floats[key] = nil
        let count = columns.count
        for (r, row) in rows.enumerated() {
            for (c, column) in columns.enumerated() {
                tensor.values[row * width + column] = values[r * count + c]
                tensor.written[row * width + column] = true
            }
        }
        floats[key] = tensor
    }

    /// The `[rows.count × columns]` block of node `node`'s tensor (all its columns unless given).
    /// - Throws: `FunctionalError` naming `what` when an element has not been written.
    func read(node: Int, part: Part = .output, rows: Range<Int>, columns: Range<Int>? = nil, what: String) throws -> Matrix<Float> {
        guard let tensor = floats[Key(node: node, part: part)] else {
            throw FunctionalError(problem: "reads \(what), which no instruction has written")
        }
        let columns = columns ?? 0 ..< tensor.columns
        var values: [Float] = []
        values.reserveCapacity(rows.count * columns.count)
        for row in rows {
            for column in columns {
                let index = row * tensor.columns + column
                guard row >= 0, row < self.rows, column >= 0, column < tensor.columns, tensor.written[index] else {
                    throw FunctionalError(problem: "reads \(what) at row \(row), column \(column), which no instruction has written")
                }
                values.append(tensor.values[index])
            }
        }
        return try Matrix(rows: rows.count, columns: columns.count, elements: values, name: what)
    }

    /// The whole of node `node`'s tensor if every element has been written, else nil.
    func complete(node: Int, part: Part = .output) -> Matrix<Float>? {
        guard let tensor = floats[Key(node: node, part: part)], !tensor.written.contains(false) else { return nil }
        return try? Matrix(rows: rows, columns: tensor.columns, elements: tensor.values)
    }

    /// Writes int8 rows and their scales (a quantisation's output) for node `node`.
    mutating func writeQuantized(node: Int, rows: Range<Int>, _ x: QuantizedActivations) {
        let width = x.values.columns
        var tensor = quantized[node] ?? Int8Tensor(values: [Int8](repeating: 0, count: self.rows * width),
                                                    scales: [Float](repeating: 0, count: self.rows),
                                                    writtenRows: [Bool](repeating: false, count: self.rows), columns: width)
        quantized[node] = nil
        for (r, row) in rows.enumerated() {
            for column in 0 ..< width { tensor.values[row * width + column] = x.values[r, column] }
            tensor.scales[row] = x.scales[r]
            tensor.writtenRows[row] = true
        }
        quantized[node] = tensor
    }

    /// Int8 values of node `node` at `rows` × `columns` (row-major), and the rows' scales.
    /// - Throws: `FunctionalError` naming `what` when a row has not been written.
    func readQuantized(node: Int, rows: Range<Int>, columns: Range<Int>? = nil, what: String) throws -> (values: [Int8], scales: [Float]) {
        guard let tensor = quantized[node] else {
            throw FunctionalError(problem: "reads \(what), which no instruction has written")
        }
        let columns = columns ?? 0 ..< tensor.columns
        var values: [Int8] = []
        values.reserveCapacity(rows.count * columns.count)
        var scales: [Float] = []
        for row in rows {
            guard row >= 0, row < self.rows, tensor.writtenRows[row], columns.lowerBound >= 0, columns.upperBound <= tensor.columns else {
                throw FunctionalError(problem: "reads \(what) at row \(row), which no instruction has written")
            }
            values.append(contentsOf: tensor.values[row * tensor.columns + columns.lowerBound ..< row * tensor.columns + columns.upperBound])
            scales.append(tensor.scales[row])
        }
        return (values, scales)
    }

    /// The whole of node `node`'s int8 tensor if every row has been written, else nil.
    func completeQuantized(node: Int) -> Matrix<Int8>? {
        guard let tensor = quantized[node], !tensor.writtenRows.contains(false) else { return nil }
        return try? Matrix(rows: rows, columns: tensor.columns, elements: tensor.values)
    }
}
