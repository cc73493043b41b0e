/// Overflow-checked integer arithmetic for byte and cycle counts.
///
/// Swift traps on overflow; a 70B model at a long context and a large batch can approach
/// `Int64.max` in some products (bytes × bits, cycles × picoseconds). These helpers turn an
/// overflow into a typed `InputError` naming what was being computed.
public enum Checked {
    /// `a × b`, or an error naming `what` if it overflows `Int64`.
    public static func multiply(_ a: Int64, _ b: Int64, _ what: String) throws -> Int64 {
        let (result, overflow) = a.multipliedReportingOverflow(by: b)
        if overflow { throw overflowError(what) }
        return result
    }

    /// `a + b`, or an error naming `what` if it overflows `Int64`.
    public static func add(_ a: Int64, _ b: Int64, _ what: String) throws -> Int64 {
        let (result, overflow) = a.addingReportingOverflow(b)
        if overflow { throw overflowError(what) }
        return result
    }

    /// The product of all `factors`, or an error naming `what` if it overflows `Int64`.
    public static func product(_ factors: [Int64], _ what: String) throws -> Int64 {
        try factors.reduce(1) { try multiply($0, $1, what) }
    }

    private static func overflowError(_ what: String) -> InputError {
        InputError(source: "arithmetic", location: what, expected: "a value that fits in 64 bits",
                   found: "an overflow (the sizes given are too large)")
    }
}

/// Integer ceiling division for positive divisors: ⌈a / b⌉.
@inlinable
public func ceilDiv(_ a: Int64, _ b: Int64) -> Int64 {
    a <= 0 ? 0 : (a - 1) / b + 1
}

/// Integer ceiling division for positive divisors: ⌈a / b⌉.
@inlinable
public func ceilDiv(_ a: Int, _ b: Int) -> Int {
    a <= 0 ? 0 : (a - 1) / b + 1
}
