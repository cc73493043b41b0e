extension Dictionary where Key == String, Value == Double {
    /// The sum of the values, added in key order.
    ///
    /// `Dictionary` iteration order is seeded per process, and floating-point addition is not
    /// associative, so `values.reduce(0, +)` can differ in the last bit between two runs. Outputs
    /// must be byte-identical for identical inputs, so sums over dictionaries go through this.
    public var sumInKeyOrder: Double {
        sorted { $0.key < $1.key }.reduce(0) { $0 + $1.value }
    }
}
