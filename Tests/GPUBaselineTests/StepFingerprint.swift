import GPUBaseline
import TritModel

/// A bit-exact fingerprint of a one-GPU step result (every Double by its bit pattern, the kernels
/// folded into an FNV-1a-style hash), to hold the one-GPU model to its results before tensor
/// parallelism (`GPUTensorParallelTests.oneGPUCases`).
enum StepFingerprint {
    static func of(_ r: GPUStepResult) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ value: UInt64) { hash = (hash ^ value) &* 0x0000_0100_0000_01b3 }
        for kernel in r.kernels {
            mix(kernel.seconds.bitPattern); mix(kernel.joules.bitPattern); mix(UInt64(bitPattern: kernel.bytes))
            mix(UInt64(bitPattern: kernel.flops)); mix(kernel.memoryBound ? 1 : 0)
        }
        for key in r.energyBreakdownJoules.keys.sorted() { mix(r.energyBreakdownJoules[key]?.bitPattern ?? 0) }
        return "\(r.seconds.bitPattern) \(r.joules.bitPattern) \(r.averagePowerWatts.bitPattern) \(r.bytes) \(r.flops) \(r.powerCapped) \(r.kernels.count) \(hash)"
    }
}
