import TritChip
import TritCore
import TritISA

/// Timing of the link unit: chip-to-chip transfers of a multi-chip system (DESIGN.md §3).
///
/// With B = link bytes per cycle per direction and L = hop latency in cycles:
/// - send of b bytes: cycles = L + ⌈b / B⌉ (the data is in the next chip's SRAM when it ends);
/// - receive: 0 cycles — the sender's `link.send` carries the whole transfer time, and a pipeline
///   stage's program starts when its input has arrived (the system's step time is the sum of the
///   stage times, see `SystemRunner`), so the receive only marks the arrival;
/// - ring all-reduce of b bytes over N chips: cycles = ⌈2(N − 1) × L + s / B⌉ with
///   s = ⌈2(N − 1) × b / N⌉ the bytes each chip sends (and receives): 2(N − 1) steps, each one
///   hop of b / N bytes (`RingAllReduce` in TritCore, which the multi-GPU baseline uses too).
///   Source: Patarasuk & Yuan, J. Parallel Distrib. Comput. 69(2), 2009; NCCL's ring all-reduce
///   (bus bandwidth = algorithm bandwidth × 2(N − 1)/N, NVIDIA/nccl-tests doc/PERFORMANCE.md).
///
/// Tensor-parallel chips run identical programs in lock step, so one chip's simulation, with each
/// all-reduce taking the collective's time, is exact for the whole group.
/// Energy actions: bytes sent and received (`LinkKind.linkBytes`); SRAM reads of the bytes sent and
/// writes of the bytes received. The additions of the reduction ((N − 1)/N of the elements per
/// chip) are not counted: at most tokens × hidden additions per all-reduce, a negligible share of
/// the layer's ternary additions.
struct LinkTiming {
    let bytesPerCycle: Double
    let latencyCycles: Int64

    init(chip: ResolvedChip) {
        bytesPerCycle = chip.linkBytesPerCycle
        latencyCycles = chip.linkLatencyCycles
    }

    /// Cycles of one link instruction and the bytes it sends and receives.
    @inline(__always)
    func cycles(kind: LinkKind, chips: Int64, bytes: Int64) -> (cycles: Int64, sent: Int64, received: Int64) {
        let (sent, received) = kind.linkBytes(chips: chips, bytes: bytes)
        // Clamped so that a pathological configuration cannot trap the conversion; the engine stops
        // at `Engine.maximumCycles`, far below the clamp.
        let transfer = Int64(min((Double(sent) / bytesPerCycle).rounded(.up), 4e18))
        switch kind {
        case .send: return (latencyCycles + transfer, sent, received)
        case .receive: return (0, sent, received)
        case .allReduce: return (RingAllReduce.steps(members: chips) * latencyCycles + transfer, sent, received)
        }
    }
}
