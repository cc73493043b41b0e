import Foundation
import Testing
import TritChip
import TritCore
import TritTestSupport

@Suite struct ChipConfigTests {
    let catalog = ChipCatalog(folder: RepositoryPaths.chips, technologyFolder: RepositoryPaths.technology)

    @Test func presetsLoadWithTheirDerivedQuantities() throws {
        let edge = try catalog.load("edge")
        #expect(edge.config.offChipMemory.type == .lpddr5x)
        #expect(edge.tileBytes == 256 * 256 / 4)
        #expect(edge.arrayPipelineDepthCycles == 8)
        #expect(edge.dramLatencyCycles == 100)
        #expect(abs(edge.dramBytesPerCycle - 136.5 * 0.85) < 1e-9)
        let datacenter = try catalog.load("datacenter-hbm3e")
        // Same peak bandwidth as the H200 (4.8 TB/s), so the comparison isolates the architecture.
        #expect(datacenter.config.offChipMemory.peakBandwidthBytesPerSecond == 4.8e12)
        #expect(datacenter.peakTernaryMACsPerCycle == 32 * 256 * 256)
    }

    @Test func everyPresetDocumentsItsNumbers() throws {
        for name in catalog.configs.names() {
            let chip = try catalog.load(name)
            let memoryFields = chip.config.hasOffChipMemory
                ? ["offChipMemory.peakBandwidthBytesPerSecond", "offChipMemory.energyPicojoulesPerBit"] : ["offChipMemory", "sram"]
            for field in memoryFields + ["staticPowerWatts"] {
                #expect(!(chip.config.sources[field] ?? "").isEmpty, "\(name): \(field) has no source")
            }
        }
    }

    /// An SRAM-only chip: `offChipMemory` absent, `"none"` or `{"type": "none"}`; nothing else
    /// may be given with type none.
    @Test func sramOnlyChipsHaveNoOffChipMemory() throws {
        let chip = try catalog.load("sram-only")
        #expect(!chip.config.hasOffChipMemory)
        #expect(chip.config.offChipMemory == .none)
        #expect(chip.dramBytesPerCycle == 0)
        let text = try String(contentsOf: RepositoryPaths.chips.appendingPathComponent("edge-lpddr5x.json"), encoding: .utf8)
        guard let start = text.range(of: "\"offChipMemory\": {"), let end = text[start.upperBound...].range(of: "},") else {
            Issue.record("no offChipMemory object in the edge preset")
            return
        }
        let memory = text[start.lowerBound ..< end.upperBound]
        for (replacement, accepted) in [("", true), ("\"offChipMemory\": \"none\",", true), ("\"offChipMemory\": {\"type\": \"none\"},", true),
                                        ("\"offChipMemory\": {\"type\": \"none\", \"capacityBytes\": 1},", false)] {
            let url = try RepositoryPaths.temporaryFile(named: "chip.json", contents: text.replacingOccurrences(of: memory, with: replacement))
            do {
                let loaded = try ResolvedChip.load(file: url, technologyFolder: RepositoryPaths.technology)
                #expect(accepted && !loaded.config.hasOffChipMemory, "\(replacement)")
            } catch let error as InputError {
                #expect(!accepted, "\(replacement): \(error)")
                #expect(error.location == "offChipMemory.capacityBytes")
            }
        }
    }

    private func loadVariant(_ original: String, _ replacement: String) throws -> ResolvedChip {
        let text = try String(contentsOf: RepositoryPaths.chips.appendingPathComponent("edge-lpddr5x.json"), encoding: .utf8)
        #expect(text.contains(original))
        let url = try RepositoryPaths.temporaryFile(named: "chip.json", contents: text.replacingOccurrences(of: original, with: replacement))
        return try ResolvedChip.load(file: url, technologyFolder: RepositoryPaths.technology)
    }

    @Test func theLUTDatapathAndItsGroupSizeLoad() throws {
        let lut = try loadVariant("\"datapath\": \"adderTree\"", "\"datapath\": \"lut\", \"lutGroupSize\": 2")
        #expect(lut.config.ternaryArray.datapath == .lut)
        #expect(lut.config.ternaryArray.lutGroupSize == 2)
        #expect(try lut.lutDatapath()?.groupSize == 2)
        // 256 rows, g = 2: ⌈log2 2⌉ = 1 build stage + 1 table read + ⌈log2 128⌉ = 7 reduction stages.
        #expect(lut.arrayPipelineDepthCycles == 1 + 1 + 7)
        let defaulted = try loadVariant("\"datapath\": \"adderTree\"", "\"datapath\": \"lut\"")
        #expect(defaulted.config.ternaryArray.lutGroupSize == nil)
        #expect(try defaulted.lutDatapath()?.groupSize == LUTDatapath.defaultGroupSize)
        // g = 3: ⌈log2 3⌉ = 2 + 1 + ⌈log2 86⌉ = 7.
        #expect(defaulted.arrayPipelineDepthCycles == 2 + 1 + 7)
        let edge = try catalog.load("edge")
        #expect(try edge.lutDatapath() == nil)
    }

    /// A config built in code can hold any group size; the chip refuses it with the field named.
    @Test func aGroupSizeOutOfRangeInCodeIsATypedError() throws {
        let chip = try catalog.load("edge").with { $0.ternaryArray.datapath = .lut; $0.ternaryArray.lutGroupSize = 9 }
        do {
            _ = try chip.lutDatapath()
            Issue.record("accepted a group size of 9")
        } catch let error as InputError {
            #expect(error.location == "ternaryArray.lutGroupSize")
            #expect(error.found == "9")
        }
        #expect(chip.arrayPipelineDepthCycles == 8, "an invalid group size never traps; the engine refuses the chip")
    }

    @Test(arguments: [
        ("\"count\": 4", "\"count\": 0", "ternaryArray.count"),
        ("\"columns\": 256", "\"columns\": -1", "ternaryArray.columns"),
        ("\"efficiency\": 0.85", "\"efficiency\": 1.5", "offChipMemory.efficiency"),
        ("\"type\": \"LPDDR5X\"", "\"type\": \"GDDR7\"", "offChipMemory.type"),
        ("\"datapath\": \"adderTree\"", "\"datapath\": \"systolic\"", "ternaryArray.datapath"),
        ("\"datapath\": \"adderTree\"", "\"datapath\": \"lut\", \"lutGroupSize\": 5", "ternaryArray.lutGroupSize"),
        ("\"datapath\": \"adderTree\"", "\"datapath\": \"lut\", \"lutGroupSize\": 0", "ternaryArray.lutGroupSize"),
        ("\"datapath\": \"adderTree\"", "\"datapath\": \"lut\", \"lutGroupSize\": 2.5", "ternaryArray.lutGroupSize"),
        ("\"datapath\": \"adderTree\"", "\"datapath\": \"lut\", \"lutGroupSize\": \"three\"", "ternaryArray.lutGroupSize"),
        ("\"technology\": \"7nm\"", "\"technology\": \"3nm\"", "technology"),
        ("\"kvCacheBits\": 16", "\"kvCacheBits\": 16, \"kvCacheBitz\": 8", "kvCacheBitz"),
        ("\"clockHz\": 1.0e9", "\"clockHz\": \"fast\"", "clockHz"),
        ("\"weightBufferBytes\": 1048576", "\"weightBufferBytes\": 1.5", "sram.weightBufferBytes"),
        ("\"kvCacheBits\": 16", "\"kvCacheBits\": 16, \"compiler\": {\"weightPrefetchDepth\": 0}", "compiler.weightPrefetchDepth"),
        ("\"kvCacheBits\": 16", "\"kvCacheBits\": 16, \"compiler\": {\"tileOrder\": 1}", "compiler.tileOrder"),
    ])
    func badFieldsAreNamed(original: String, replacement: String, field: String) throws {
        do {
            _ = try loadVariant(original, replacement)
            Issue.record("accepted \(replacement)")
        } catch let error as InputError {
            #expect(error.location == field)
            #expect(error.source.hasSuffix("chip.json"))
        }
    }
}
