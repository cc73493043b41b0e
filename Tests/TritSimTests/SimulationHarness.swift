import Foundation
import TritChip
import TritCompiler
import TritModel
import TritSim
import TritTestSupport

/// Loads configs from the repository and runs compile + simulate.
enum Harness {
    static func model(_ name: String) throws -> ModelConfig {
        try ModelCatalog(folder: RepositoryPaths.models).load(name)
    }

    static func chip(_ name: String) throws -> ResolvedChip {
        try ChipCatalog(folder: RepositoryPaths.chips, technologyFolder: RepositoryPaths.technology).load(name)
    }

    static let chipNames = ["edge-lpddr5x", "datacenter-hbm3e"]
    static let modelNames = ["bitnet-b1.58-2B-4T", "bitnet_b1_58-3B"]

    static func simulate(_ graph: Graph, on chip: ResolvedChip) throws -> (CompiledProgram, SimulationStatistics) {
        let compiled = try Compiler(chip: chip).compile(graph)
        return (compiled, try Engine(chip: chip).run(compiled.program))
    }
}
