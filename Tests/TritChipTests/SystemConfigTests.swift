import Foundation
import Testing
import TritChip
import TritCore
import TritTestSupport

/// `Configs/systems/`: every preset loads, names a chip preset and documents its link; bad fields
/// are refused naming the file and the field.
@Suite struct SystemConfigTests {
    let catalog = SystemCatalog(folder: RepositoryPaths.configs.appendingPathComponent("systems"),
                                chips: ChipCatalog(folder: RepositoryPaths.chips, technologyFolder: RepositoryPaths.technology))

    @Test func presetsLoadWithTheirChipAndLink() throws {
        let names = catalog.configs.names()
        #expect(names.count >= 2)
        for name in names {
            let system = try catalog.load(name)
            #expect(system.tensorParallel * system.pipelineStages == system.chips, "\(name)")
            #expect(system.chip.link == system.config.link, "\(name): the chip carries the system's link")
            for field in ["link.bandwidthBytesPerSecond", "link.latencyNanoseconds", "link.energyPicojoulesPerBit", "chips"] {
                #expect(!(system.config.sources[field] ?? "").isEmpty, "\(name): \(field) has no source")
            }
        }
        let tp8 = try catalog.load("edge-lpddr5x-tp8")
        #expect(tp8.chip.config.name == "edge-lpddr5x")
        // 64 GB/s at 1 GHz = 64 B/cycle; 20 ns = 20 cycles.
        #expect(tp8.chip.linkBytesPerCycle == 64)
        #expect(tp8.chip.linkLatencyCycles == 20)
        let sram = try catalog.load("sram-only")
        #expect(!sram.chip.config.hasOffChipMemory)
        #expect(sram.tensorParallel == 8 && sram.pipelineStages == 16)
    }

    private func variant(_ original: String, _ replacement: String) throws -> URL {
        let text = try String(contentsOf: RepositoryPaths.configs.appendingPathComponent("systems/edge-lpddr5x-tp8.json"), encoding: .utf8)
        #expect(text.contains(original), "fixture text \(original)")
        return try RepositoryPaths.temporaryFile(named: "system.json", contents: text.replacingOccurrences(of: original, with: replacement))
    }

    @Test(arguments: [
        ("\"chip\": \"edge-lpddr5x\"", "\"chip\": \"tpu-v9\"", "chip"),
        ("\"chip\": \"edge-lpddr5x\"", "\"chip\": \"chips/none.json\"", "chip"),
        ("\"chips\": 8", "\"chips\": 0", "chips"),
        ("\"chips\": 8", "\"chips\": -8", "chips"),
        ("\"partitioning\": \"tensor\"", "\"partitioning\": \"diagonal\"", "partitioning"),
        ("\"partitioning\": \"tensor\"", "\"partitioning\": {\"tensor\": 4, \"pipeline\": 4}", "partitioning"),
        ("\"partitioning\": \"tensor\"", "\"partitioning\": {\"tensor\": 8}", "partitioning.pipeline"),
        ("\"partitioning\": \"tensor\"", "\"partitioning\": 8", "partitioning"),
        ("\"latencyNanoseconds\": 20", "\"latencyNanoseconds\": -1", "link.latencyNanoseconds"),
        ("\"latencyNanoseconds\": 20", "\"latencyNanoseconds\": 20, \"hops\": 2", "link.hops"),
        ("\"chips\": 8", "\"chips\": 8, \"chipz\": 8", "chipz"),
    ])
    func badFieldsAreNamed(original: String, replacement: String, field: String) throws {
        let url = try variant(original, replacement)
        do {
            _ = try catalog.load(url.path)
            Issue.record("accepted \(replacement)")
        } catch let error as InputError {
            #expect(error.location == field, "\(error)")
            #expect(error.source == url.path)
        }
    }

    @Test func bothPartitioningsMayBeGivenWhenTheyMultiplyToTheChips() throws {
        let url = try variant("\"partitioning\": \"tensor\"", "\"partitioning\": {\"tensor\": 2, \"pipeline\": 4}")
        let system = try catalog.load(url.path)
        #expect(system.tensorParallel == 2 && system.pipelineStages == 4)
        #expect(system.config.partitioning.description == "tensor-parallel 2 × pipeline 4 stages")
    }
}
