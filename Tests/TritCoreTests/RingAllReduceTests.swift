import Testing
import TritCore

/// The ring all-reduce cost shared by the chip's links and the multi-GPU baseline.
@Suite struct RingAllReduceTests {
    /// `bytesSentPerMember` is ⌈2(N − 1) × b / N⌉, the formula the link unit used before it was
    /// shared, for every small case and a few large ones.
    @Test func bytesSentIsTheCeilingOfTwoNMinusOneOverN() {
        var cases: [(Int64, Int64)] = []
        for members in Int64(1)...17 {
            for bytes in Int64(0)...300 { cases.append((bytes, members)) }
            cases.append((Int64(1) << 40, members))
            cases.append(((Int64(1) << 40) - 1, members))
        }
        for (bytes, members) in cases {
            let expected = (2 * (members - 1) * bytes + members - 1) / members
            #expect(RingAllReduce.bytesSentPerMember(bytes: bytes, members: members) == expected, "b \(bytes), N \(members)")
        }
    }

    @Test func stepsAndTime() {
        #expect(RingAllReduce.steps(members: 1) == 0)
        #expect(RingAllReduce.steps(members: 8) == 14)
        #expect(RingAllReduce.seconds(bytes: 1 << 20, members: 1, latencySeconds: 1e-5, bandwidthBytesPerSecond: 1e9) == 0)
        // N = 4, b = 4 MB: 6 × 10 µs + 6 MB / 1 GB/s = 6.06 ms.
        let seconds = RingAllReduce.seconds(bytes: 4_000_000, members: 4, latencySeconds: 1e-5, bandwidthBytesPerSecond: 1e9)
        #expect(abs(seconds - 6.06e-3) < 1e-15)
    }

    @Test func hugeAndNegativeCountsDoNotTrap() {
        #expect(RingAllReduce.bytesSentPerMember(bytes: -5, members: 4) == 0)
        #expect(RingAllReduce.bytesSentPerMember(bytes: .max, members: 2) == Int64.max / 2)
        #expect(RingAllReduce.bytesSentPerMember(bytes: 10, members: 0) == 0)
    }
}
