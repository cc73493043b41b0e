import TritReport
import XCTest

final class UnitsTests: XCTestCase {
    func testExamplesFromTheBrief() {
        XCTAssertEqual(Units.seconds(0.0123), "12.3 ms")
        XCTAssertEqual(Units.joules(0.00042), "420 µJ")
        XCTAssertEqual(Units.bytes(Int64(1_180_000_000)), "1.18 GB")
        XCTAssertEqual(Units.tokensPerSecond(78.14), "78.1 tok/s")
        XCTAssertEqual(Units.ratio(3.4213), "3.42×")
        XCTAssertEqual(Units.percent(0.82), "82%")
    }

    func testThreeSignificantDigitsKeepTrailingZeros() {
        XCTAssertEqual(Units.seconds(1.5), "1.50 s")
        XCTAssertEqual(Units.seconds(0.1), "100 ms")
        XCTAssertEqual(Units.joules(2_500), "2.50 kJ")
        XCTAssertEqual(Units.ratio(0.5), "0.500×")
        XCTAssertEqual(Units.seconds(4.2e-9), "4.20 ns")
    }

    func testRoundingThatCarriesMovesToTheNextPrefix() {
        // 0.9996 ms rounds to 1.00 ms at three digits, never "1000 µs".
        XCTAssertEqual(Units.seconds(0.0009996), "1.00 ms")
        XCTAssertEqual(Units.bytes(999_600.0), "1.00 MB")
        // A value on the rounding boundary (12.25 ms, up to binary error) goes up.
        XCTAssertEqual(Units.seconds(0.01225), "12.3 ms")
    }

    func testEdgeValues() {
        XCTAssertEqual(Units.seconds(0), "0 s")
        XCTAssertEqual(Units.seconds(.nan), "n/a")
        XCTAssertEqual(Units.ratio(.infinity), "n/a")
        XCTAssertEqual(Units.seconds(-0.0123), "-12.3 ms")
        XCTAssertEqual(Units.bytes(Int64(512)), "512 B")
        XCTAssertEqual(Units.tokensPerSecond(41_600), "41.6k tok/s")
        XCTAssertEqual(Units.ratio(1234.4), "1234×")
        XCTAssertEqual(Units.percent(0.08), "8%")
        XCTAssertEqual(Units.percent(0.004), "0.4%")
        XCTAssertEqual(Units.percent(0.0001), "<0.1%")
        XCTAssertEqual(Units.percent(0), "0%")
    }
}
