import Foundation
import Testing
import TritChip
import TritCompiler
import TritCore
import TritISA
import TritModel
import TritSim

/// Issue 3's prefill acceptance and the properties of pipelined micro-batches.
@Suite struct PrefillPipelineTests {
    /// Seconds of `bytes` at the chip's achievable off-chip bandwidth.
    private func streamSeconds(_ bytes: Int64, on chip: ResolvedChip) -> Double {
        Double(bytes) / (chip.config.offChipMemory.peakBandwidthBytesPerSecond * chip.config.offChipMemory.efficiency)
    }

    /// 2B4T prefill of 512 tokens on the data-centre preset is within 20% of the array-throughput
    /// bound plus the LM head: the ternary MACs at the arrays' peak, then the fp16 LM head
    /// (656 MB, less the 16.8 MB weight buffer DMA can prefetch), which needs the last layer's
    /// output and so cannot overlap the arrays, at the achievable HBM bandwidth. The edge preset's prefill is memory-bound (its weight stream
    /// alone takes 2.5× the array bound), so there the bound is max(off-chip bytes at the
    /// achievable bandwidth, array bound).
    @Test func prefillOf512TokensIsWithinTwentyPercentOfItsBound() throws {
        let model = try Harness.model("bitnet-b1.58-2B-4T")
        let graph = try Graph.prefill(model, tokens: 512)
        let datacenter = try Harness.chip("datacenter-hbm3e")
        let precision = Compiler.precision(for: datacenter)
        let lmHeadBytes = graph.nodes.reduce(Int64(0)) { total, node in
            if case .denseLinear = node.operation { return total + node.weightBytes(precision) }
            return total
        }
        #expect(lmHeadBytes == Int64(model.vocabSize) * Int64(model.hiddenSize) * 2)

        let (_, stats) = try Harness.simulate(graph, on: datacenter)
        let arrayBound = Double(graph.ternaryMACs) / (Double(datacenter.peakTernaryMACsPerCycle) * datacenter.config.clockHz)
        // At most a weight buffer's worth of the LM head can be prefetched while the arrays work.
        let bound = arrayBound + streamSeconds(lmHeadBytes - datacenter.config.sram.weightBufferBytes, on: datacenter)
        #expect(stats.seconds <= 1.20 * bound, "datacenter: \(stats.seconds) s vs array bound \(arrayBound) s + LM head = \(bound) s")
        #expect(stats.seconds >= bound)

        let edge = try Harness.chip("edge-lpddr5x")
        let (_, edgeStats) = try Harness.simulate(graph, on: edge)
        let memoryBound = streamSeconds(edgeStats.counters.dramReadBytes + edgeStats.counters.dramWriteBytes, on: edge)
        let edgeArrayBound = Double(graph.ternaryMACs) / (Double(edge.peakTernaryMACsPerCycle) * edge.config.clockHz)
        #expect(memoryBound > 2 * edgeArrayBound, "the edge preset's prefill is memory-bound")
        #expect(edgeStats.seconds <= 1.20 * max(memoryBound, edgeArrayBound), "edge: \(edgeStats.seconds) s vs memory bound \(memoryBound) s")
    }

    /// Splitting a chunk into micro-batches changes the schedule, not the work: the same ternary
    /// adds, fp16 MACs (every causal (query, key) pair scored once), softmax evaluations and
    /// off-chip bytes (each weight streamed from DRAM once), and it is faster.
    @Test func microBatchesConserveWorkAndTrafficAndAreFaster() throws {
        let graph = try Graph.prefill(try Harness.model("bitnet-b1.58-2B-4T"), tokens: 384)
        let chip = try Harness.chip("datacenter-hbm3e")
        let (single, one) = try Harness.simulate(graph, on: chip.with { $0.prefillMicroBatches = 1 })
        let (piped, many) = try Harness.simulate(graph, on: chip)
        #expect(single.plan.microBatches == 1)
        #expect(piped.plan.microBatches > 1)
        #expect(many.counters.ternaryAdds == one.counters.ternaryAdds)
        #expect(many.counters.ternaryAdds == graph.ternaryMACs)
        #expect(many.counters.fp16MACs == one.counters.fp16MACs)
        #expect(many.counters.specialFunctionOps == one.counters.specialFunctionOps)
        #expect(many.counters.dramReadBytes == one.counters.dramReadBytes)
        #expect(many.counters.dramWriteBytes == one.counters.dramWriteBytes)
        #expect(many.totalCycles < one.totalCycles, "pipelined \(many.totalCycles) vs \(one.totalCycles) cycles")
        // Each micro-batch reloads every tile from the weight buffer: M × the SRAM weight reads.
        #expect(many.counters.sramReadBytes > one.counters.sramReadBytes)
    }

    /// The compiler pipelines only when the resident weights fit; a configured count that does
    /// not fit is refused naming the field, and decode is never split.
    @Test func microBatchesAreChosenOnlyWhenTheirWeightsFit() throws {
        let graph = try Graph.prefill(try Harness.model("bitnet-b1.58-2B-4T"), tokens: 512)
        let chip = try Harness.chip("datacenter-hbm3e")
        // A quarter of the weight buffer cannot hold two stages of FFN weights (2 × 4.4 MB).
        let small = chip.with { $0.sram.weightBufferBytes /= 4 }
        #expect(try Compiler(chip: small).plan(graph).microBatches == 1)
        // Without shadow registers every reload would stall the arrays: no pipelining by default.
        let plain = chip.with { $0.ternaryArray.shadowWeightRegisters = false }
        #expect(try Compiler(chip: plain).plan(graph).microBatches == 1)
        #expect(try Compiler(chip: plain.with { $0.prefillMicroBatches = 2 }).plan(graph).microBatches == 2)
        do {
            _ = try Compiler(chip: small.with { $0.prefillMicroBatches = 4 }).plan(graph)
            Issue.record("expected an error")
        } catch let error as InputError {
            #expect(error.location == "compiler.prefillMicroBatches")
            #expect(error.description.contains("needs"))
        }
        // A reviewer's finding: more micro-batches than a short prompt's positions were silently
        // dropped; they become one per position.
        let short = try Graph.prefill(try Harness.model("bitnet-b1.58-2B-4T"), tokens: 3)
        #expect(try Compiler(chip: chip.with { $0.prefillMicroBatches = 4 }).plan(short).microBatches == 3)
        let decode = try Graph.decode(try Harness.model("bitnet-b1.58-2B-4T"), batch: 4, context: 64)
        #expect(try Compiler(chip: chip.with { $0.prefillMicroBatches = 4 }).plan(decode).microBatches == 1)
    }

    /// Every pipelined program passes the static checks, and the weight slots a later
    /// micro-batch still reads are never refilled under it (the compiler would refuse the plan).
    @Test(arguments: [128, 512, 1000])
    func pipelinedProgramsPassTheStaticChecks(tokens: Int) throws {
        let chip = try Harness.chip("datacenter-hbm3e")
        for modelName in Harness.modelNames {
            let graph = try Graph.prefill(try Harness.model(modelName), tokens: tokens)
            let compiled = try Compiler(chip: chip).compile(graph)
            try ProgramCheck.check(compiled.program, limits: Compiler.checkLimits(for: chip), source: "\(modelName) S=\(tokens)")
        }
    }
}
