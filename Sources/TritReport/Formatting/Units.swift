import Foundation

/// Formats physical quantities for people: three significant digits and an SI prefix.
///
/// The rules are fixed and independent of locale, so equal inputs give equal text on every machine:
/// - the value is rounded to three significant digits (ties away from zero) before the prefix is
///   chosen, so `0.0009996` s becomes `"1.00 ms"`, never `"1000 µs"`;
/// - the prefix is the one that puts the mantissa in `1 ..< 1000` (from pico to peta);
/// - the mantissa keeps three significant digits including trailing zeros (`"1.00 ms"`, `"12.3 ms"`,
///   `"420 µJ"`); zero prints as `"0 s"`; NaN and infinities print as `"n/a"`;
/// - the decimal separator is always `.`; the micro prefix is `µ` (U+00B5).
public enum Units {
    /// A duration in seconds, e.g. `seconds(0.0123) == "12.3 ms"`.
    public static func seconds(_ value: Double) -> String { prefixed(value, unit: "s") }

    /// An energy in joules, e.g. `joules(0.00042) == "420 µJ"`.
    public static func joules(_ value: Double) -> String { prefixed(value, unit: "J") }

    /// A power in watts, e.g. `watts(4.5) == "4.50 W"`.
    public static func watts(_ value: Double) -> String { prefixed(value, unit: "W") }

    /// A byte count with decimal (SI) prefixes, e.g. `bytes(1_180_000_000) == "1.18 GB"`.
    ///
    /// Counts below 1000 print exactly, without a fraction (`"512 B"`).
    public static func bytes(_ value: Double) -> String {
        guard value.isFinite else { return notAvailable }
        if abs(value) < 1000 { return "\(fixed(value, decimals: 0)) B" }
        return prefixed(value, unit: "B")
    }

    /// A byte count with decimal (SI) prefixes, e.g. `bytes(Int64(1_180_000_000)) == "1.18 GB"`.
    public static func bytes(_ value: Int64) -> String { bytes(Double(value)) }

    /// A token rate, e.g. `tokensPerSecond(78.14) == "78.1 tok/s"`, `tokensPerSecond(41_600) == "41.6k tok/s"`.
    ///
    /// Rates of 1000 and more use the `k`, `M`, `G` prefixes attached to the number.
    public static func tokensPerSecond(_ value: Double) -> String {
        guard value.isFinite else { return notAvailable }
        if value == 0 { return "0 tok/s" }
        let (mantissa, exponent) = normalized(value)
        guard exponent >= 0 else { return "\(significant(value)) tok/s" }
        let prefix = prefixes.first { $0.exponent == exponent }?.symbol ?? "e\(exponent)"
        return "\(significant(mantissa))\(prefix) tok/s"
    }

    /// A dimensionless ratio, e.g. `ratio(3.4213) == "3.42×"`, `ratio(0.5) == "0.500×"`.
    ///
    /// Ratios of 1000 and more print as whole numbers (`"1234×"`).
    public static func ratio(_ value: Double) -> String {
        guard value.isFinite else { return notAvailable }
        if abs(value) >= 1000 && abs(value) < 1e6 { return "\(fixed(value, decimals: 0))×" }
        return "\(significant(value))×"
    }

    /// A fraction in `0...1` as a percentage, e.g. `percent(0.82) == "82%"`.
    ///
    /// Whole percent from 1% up (and for exactly zero), one decimal below 1% (`"0.4%"`), and
    /// `"<0.1%"` for positive fractions under 0.05%.
    public static func percent(_ fraction: Double) -> String {
        guard fraction.isFinite else { return notAvailable }
        let value = fraction * 100
        if value == 0 { return "0%" }
        if abs(value) >= 0.995 { return "\(fixed(value, decimals: 0))%" }
        if abs(value) >= 0.05 { return "\(fixed(value, decimals: 1))%" }
        return value > 0 ? "<0.1%" : ">-0.1%"
    }

    /// Text shown for values that cannot be formatted (NaN, infinities).
    public static let notAvailable = "n/a"

    /// `value` with three significant digits and no prefix, e.g. `significant(0.04236) == "0.0424"`;
    /// in scientific form outside 0.0001 ..< 1,000,000 (`significant(2.07e22) == "2.07e+22"`).
    public static func significant(_ value: Double) -> String {
        guard value.isFinite else { return notAvailable }
        if value == 0 { return "0" }
        let rounded = roundedToSignificant(value)
        let power = decade(of: rounded)
        if power >= 6 || power < -4 { return scientific(rounded) }
        return fixed(rounded, decimals: max(0, 2 - decade(of: rounded)))
    }

    // MARK: - Implementation

    private static let prefixes: [(exponent: Int, symbol: String)] = [
        (-12, "p"), (-9, "n"), (-6, "µ"), (-3, "m"), (0, ""), (3, "k"), (6, "M"), (9, "G"), (12, "T"), (15, "P"),
    ]

    /// `value` with the SI prefix that puts the mantissa in `1 ..< 1000`, then `unit`
    /// (`prefixed(5.24e14, unit: "OPS") == "524 TOPS"`).
    public static func prefixed(_ value: Double, unit: String) -> String {
        guard value.isFinite else { return notAvailable }
        if value == 0 { return "0 \(unit)" }
        let power = decade(of: roundedToSignificant(value))
        // Beyond the prefix table (below pico, from a thousand peta up): plain scientific form.
        if power < -12 || power >= 18 { return "\(scientific(roundedToSignificant(value))) \(unit)" }
        let (mantissa, exponent) = normalized(value)
        let prefix = prefixes.first { $0.exponent == exponent }?.symbol
        guard let prefix else { return "\(significant(value)) \(unit)" }
        return "\(significant(mantissa)) \(prefix)\(unit)"
    }

    /// Splits `value` (rounded to three significant digits) into a mantissa in `1 ..< 1000` and a
    /// power-of-1000 exponent, clamped to the prefix table (pico … peta).
    private static func normalized(_ value: Double) -> (mantissa: Double, exponent: Int) {
        let rounded = roundedToSignificant(value)
        var exponent = Int((Double(decade(of: rounded)) / 3).rounded(.down)) * 3
        exponent = min(15, max(-12, exponent))
        return (rounded / pow(10, Double(exponent)), exponent)
    }

    /// Three significant digits in C `%.2e` form (`2.07e+22`), the same on every machine.
    private static func scientific(_ value: Double) -> String {
        String(format: "%.2e", value)
    }

    /// `value` rounded to three significant digits, ties away from zero.
    private static func roundedToSignificant(_ value: Double) -> Double {
        let scale = pow(10, Double(2 - decade(of: value)))
        let rounded = (value * scale).rounded(.toNearestOrAwayFromZero) / scale
        return rounded.isFinite ? rounded : value
    }

    /// The power of ten of the leading digit of `value` (`decade(of: 0.0123) == -2`), exact even
    /// where `log10` lands a hair below an integer.
    private static func decade(of value: Double) -> Int {
        let magnitude = abs(value)
        var decade = Int(log10(magnitude).rounded(.down))
        if magnitude >= pow(10, Double(decade + 1)) { decade += 1 }
        if magnitude < pow(10, Double(decade)) { decade -= 1 }
        return decade
    }

    /// `value` with exactly `decimals` digits after the point, ties away from zero, no locale.
    static func fixed(_ value: Double, decimals: Int) -> String {
        let scale = pow(10, Double(decimals))
        let scaled = (abs(value) * scale).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9.0e18 else { return String(value) }
        let digits = String(Int64(scaled))
        let sign = value < 0 && scaled != 0 ? "-" : ""
        guard decimals > 0 else { return sign + digits }
        let padded = String(repeating: "0", count: max(0, decimals + 1 - digits.count)) + digits
        let split = padded.index(padded.endIndex, offsetBy: -decimals)
        return sign + padded[..<split] + "." + padded[split...]
    }
}
