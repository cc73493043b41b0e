/// The ring all-reduce cost model, shared by the chip's `link.all_reduce` (TritISA/TritSim) and the
/// multi-GPU FP16 baseline (GPUBaseline), so both sides of a comparison price a tensor-parallel
/// reduction alike.
///
/// N members each hold b bytes; the ring runs N − 1 reduce-scatter and N − 1 all-gather steps, each
/// sending b / N bytes to the next member while receiving as much from the previous one. So every
/// member sends (and receives) s = 2(N − 1) × b / N bytes and pays 2(N − 1) step latencies:
///
///     time = 2(N − 1) × L + s / B
///
/// with L the latency of one step (one hop) and B the bandwidth one member sends at, per direction.
/// Source: Patarasuk & Yuan, "Bandwidth optimal all-reduce algorithms for clusters of
/// workstations", J. Parallel Distrib. Comput. 69(2), 2009; the same factor 2(N − 1)/N converts
/// NCCL's algorithm bandwidth to its bus bandwidth (NVIDIA/nccl-tests, doc/PERFORMANCE.md).
public enum RingAllReduce {
    /// Latency-bound steps of one all-reduce among `members` (N ≥ 1): 2(N − 1); 0 for one member.
    @inlinable
    public static func steps(members: Int64) -> Int64 {
        2 * (max(members, 1) - 1)
    }

    /// Bytes each member sends (and receives) to all-reduce `bytes` bytes among `members`:
    /// s = ⌈2(N − 1) × b / N⌉, computed as 2b − ⌊2b / N⌋ (the same value, without forming
    /// 2(N − 1) × b). 0 for one member.
    /// - Parameters:
    ///   - bytes: b, the length of the reduced range (negative counts as 0, and values above
    ///     `Int64.max / 2` as `Int64.max / 2`, so the result cannot overflow).
    ///   - members: N (values below 1 count as 1).
    @inlinable
    public static func bytesSentPerMember(bytes: Int64, members: Int64) -> Int64 {
        let n = max(members, 1)
        let twice = 2 * min(max(bytes, 0), Int64.max / 2)
        return twice - twice / n
    }

    /// Time of one all-reduce of `bytes` among `members`, in seconds: 2(N − 1) × `latencySeconds`
    /// + s / `bandwidthBytesPerSecond`, with s = `bytesSentPerMember`. 0 for one member.
    /// - Parameters:
    ///   - latencySeconds: L, the latency of one step between neighbours, in seconds.
    ///   - bandwidthBytesPerSecond: B, what one member sends per direction, in bytes/s (> 0).
    public static func seconds(bytes: Int64, members: Int64, latencySeconds: Double, bandwidthBytesPerSecond: Double) -> Double {
        guard members > 1 else { return 0 }
        let sent = bytesSentPerMember(bytes: bytes, members: members)
        return Double(steps(members: members)) * latencySeconds + Double(sent) / bandwidthBytesPerSecond
    }
}
