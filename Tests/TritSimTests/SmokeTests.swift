import Foundation
import Testing
import TritChip
import TritModel
import TritSim
import TritISA

@Suite struct SmokeTests {
    @Test func printRuns() throws {
        for chipName in Harness.chipNames {
            let chip = try Harness.chip(chipName)
            let model = try Harness.model("bitnet-b1.58-2B-4T")
            for graph in [try Graph.prefill(model, tokens: 512), try Graph.decode(model, batch: 1, context: 512)] {
                let start = Date()
                let (compiled, stats) = try Harness.simulate(graph, on: chip)
                let elapsed = Date().timeIntervalSince(start)
                print(chipName, graph.phase, "instr", stats.instructionCount, "chunks", compiled.plan.chunks,
                      "ms", stats.seconds * 1e3, "dramGB", Double(stats.counters.dramReadBytes) / 1e9,
                      "host s", elapsed)
                for u in stats.units where u.unit.kind != .ternaryArray || u.unit.name == "array.0" { print("  ", u.unit.name, u.busyCycles, u.waitingOnMemoryCycles, u.waitingOnComputeCycles) }
            }
        }
    }
}
