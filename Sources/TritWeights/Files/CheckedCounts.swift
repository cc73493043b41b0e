import TritCore

/// Overflow-checked counts for file readers: `Checked` (TritCore) with the overflow reported as an
/// error about the file and field being read, not as a bare arithmetic error.
enum CheckedCounts {
    /// Runs `body` (which uses `Checked`), turning an overflow into an `InputError` at `location`.
    static func within<T>(source: String, location: String, _ what: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as InputError where error.source == "arithmetic" {
            throw InputError(source: source, location: location, expected: "\(what) that fits in 64 bits",
                             found: "a value that overflows")
        }
    }

    /// The product of `factors`, or an `InputError` at `location` if it overflows `Int64`.
    static func product(_ factors: [Int64], source: String, location: String, _ what: String) throws -> Int64 {
        try within(source: source, location: location, what) { try Checked.product(factors, what) }
    }

    /// `a × b`, or an `InputError` at `location` if it overflows `Int64`.
    static func multiply(_ a: Int64, _ b: Int64, source: String, location: String, _ what: String) throws -> Int64 {
        try within(source: source, location: location, what) { try Checked.multiply(a, b, what) }
    }

    /// `a + b`, or an `InputError` at `location` if it overflows `Int64`.
    static func add(_ a: Int64, _ b: Int64, source: String, location: String, _ what: String) throws -> Int64 {
        try within(source: source, location: location, what) { try Checked.add(a, b, what) }
    }

    /// The smallest multiple of `alignment` (> 0) that is ≥ `value` (≥ 0), overflow-checked.
    static func alignUp(_ value: Int64, _ alignment: Int64, source: String, location: String) throws -> Int64 {
        let remainder = value % alignment
        return remainder == 0 ? value : try add(value, alignment - remainder, source: source, location: location, "an aligned offset")
    }
}
