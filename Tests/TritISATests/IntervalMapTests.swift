import Testing
import TritCore
@testable import TritISA

/// `IntervalMap` against a plain array of one value and one mark set per address.
@Suite struct IntervalMapTests {
    @Test func randomOperationsMatchAnArrayOfBytes() {
        var random = SplitMix64(seed: 7)
        for _ in 0 ..< 50 {
            let size = 1 + random.below(80)
            var map = IntervalMap(bounds: 0 ..< Int64(size), initial: -1)
            var values = Array(repeating: -1, count: size)
            var marks = Array(repeating: UInt64(0), count: size)
            for step in 0 ..< 300 {
                let lower = random.below(size + 1)
                let upper = lower + random.below(size - lower + 1)
                let range = Int64(lower) ..< Int64(upper)
                switch random.below(4) {
                case 0:
                    map.assign(range, step)
                    for i in lower ..< upper { values[i] = step; marks[i] = 0 }
                case 1:
                    map.modify(range) { $0 += 1000 }
                    for i in lower ..< upper { values[i] += 1000 }
                case 2:
                    // Stop at the first segment holding an odd value; mark the ones before.
                    let bit = random.below(3)
                    var seen: [(Range<Int64>, Int)] = []
                    map.forEachUnmarked(in: range, bit: bit) { segment, value in
                        seen.append((segment, value))
                        return value % 2 == 0
                    }
                    // Expected: unmarked addresses in range, in order, grouped by segment.
                    var expectedStops = false
                    for (segment, value) in seen {
                        #expect(!expectedStops)
                        for address in max(segment.lowerBound, range.lowerBound) ..< min(segment.upperBound, range.upperBound) {
                            #expect(values[Int(address)] == value)
                            #expect(marks[Int(address)] & (1 << UInt64(bit)) == 0)
                        }
                        if value % 2 == 0 {
                            for address in segment { marks[Int(address)] |= 1 << UInt64(bit) }
                        } else {
                            expectedStops = true
                        }
                    }
                    if !expectedStops {
                        for address in lower ..< upper { #expect(marks[address] & (1 << UInt64(bit)) != 0, "address \(address)") }
                    }
                default:
                    var covered: [Int] = []
                    map.forEach(in: range) { segment, value in
                        for address in segment {
                            #expect(values[Int(address)] == value)
                            if range.contains(address) { covered.append(Int(address)) }
                        }
                        #expect(segment.overlaps(range))
                        return true
                    }
                    #expect(covered == Array(lower ..< upper))
                }
            }
            // Segments partition the bounds.
            var next: Int64 = 0
            map.forEach(in: 0 ..< Int64(size)) { segment, _ in
                #expect(segment.lowerBound == next)
                next = segment.upperBound
                return true
            }
            #expect(next == Int64(size))
        }
    }

    @Test func assignReusesTheNodesItReplaces() {
        var map = IntervalMap(bounds: 0 ..< 1000, initial: 0)
        for step in 0 ..< 10_000 { map.assign(Int64(step % 9 * 100) ..< Int64(step % 9 * 100 + 150), step) }
        #expect(map.segmentCount <= 12)
        #expect(map.allocatedNodes <= 16)
    }
}
