import TritCore

/// A dense row-major matrix of `rows × columns` elements: the one tensor shape of the reference
/// forward pass (token rows × features, or out features × in features for weights).
///
/// Element (r, c) is `elements[r * columns + c]`.
public struct Matrix<Element> {
    /// Number of rows (tokens for activations, output features for weights).
    public private(set) var rows: Int
    /// Number of columns (features for activations, input features for weights).
    public let columns: Int
    /// The `rows × columns` elements, row-major.
    public internal(set) var elements: [Element]

    /// A matrix with every element equal to `value`. Negative sizes count as 0.
    public init(rows: Int, columns: Int, repeating value: Element) {
        self.rows = max(rows, 0)
        self.columns = max(columns, 0)
        self.elements = Array(repeating: value, count: self.rows * self.columns)
    }

    /// A matrix over the given row-major elements.
    /// - Parameters:
    ///   - rows: number of rows, ≥ 0.
    ///   - columns: number of columns, ≥ 0.
    ///   - elements: `rows × columns` values, row-major.
    ///   - name: what the matrix is (a tensor name), for the error message.
    /// - Throws: `InputError` if a size is negative or `elements.count ≠ rows × columns`.
    public init(rows: Int, columns: Int, elements: [Element], name: String = "matrix") throws {
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard rows >= 0, columns >= 0, !overflow, elements.count == count else {
            throw InputError(source: name, location: "shape [\(rows) × \(columns)]",
                             expected: "\(max(rows, 0)) × \(max(columns, 0)) elements", found: "\(elements.count)")
        }
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A matrix whose shape the caller has already checked: `elements.count == rows × columns`.
    init(uncheckedRows rows: Int, columns: Int, elements: [Element]) {
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// Appends the rows of `other`, which has the same number of columns (checked by the caller).
    mutating func appendRows(of other: Matrix) {
        elements.append(contentsOf: other.elements)
        rows += other.rows
    }

    /// Element (row, column). Indices must be in range (a programming error otherwise, as for `Array`).
    public subscript(row: Int, column: Int) -> Element {
        get { elements[row * columns + column] }
        set { elements[row * columns + column] = newValue }
    }

    /// Row `index` as an array of `columns` elements.
    public func row(_ index: Int) -> [Element] {
        Array(elements[index * columns ..< (index + 1) * columns])
    }
}

extension Matrix: Equatable where Element: Equatable {}
extension Matrix: Sendable where Element: Sendable {}
