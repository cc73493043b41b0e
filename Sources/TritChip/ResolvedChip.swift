import Foundation
import TritCore

/// A chip description joined with its technology table, with every derived quantity computed once.
///
/// The compiler and the simulator take only this value; nothing below it reads files.
public struct ResolvedChip: Equatable, Sendable {
    /// The chip as configured.
    public var config: ChipConfig
    /// Energy per action at the chip's node.
    public var technology: TechnologyTable
    /// The chip-to-chip link when the chip is one of a multi-chip system (`ResolvedSystem`), else nil.
    /// Programs with link instructions run only on a chip that has one.
    public var link: ChipLink? = nil

    /// Joins a config with its technology table.
    public init(config: ChipConfig, technology: TechnologyTable) {
        self.config = config
        self.technology = technology
    }

    /// Loads `Configs/chips/<file>` and the technology table it names from `technologyFolder`.
    /// - Throws: `InputError` from either loader; an unknown technology names the chip file and
    ///   the `technology` field.
    public static func load(file url: URL, technologyFolder: URL, name: String? = nil) throws -> ResolvedChip {
        let config = try ChipConfig.load(file: url, name: name)
        let tableURL = technologyFolder.appendingPathComponent(config.technology + ".json")
        guard FileManager.default.fileExists(atPath: tableURL.path) else {
            let known = ((try? FileManager.default.contentsOfDirectory(atPath: technologyFolder.path)) ?? [])
                .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
            throw InputError(source: url.path, location: "technology",
                             expected: "a table in \(technologyFolder.path) (\(known.joined(separator: ", ")))",
                             found: "\"\(config.technology)\"")
        }
        return ResolvedChip(config: config, technology: try TechnologyTable.load(file: tableURL))
    }

    /// Seconds per cycle.
    public var secondsPerCycle: Double { 1 / config.clockHz }

    /// Achievable DRAM bytes per chip cycle: peak × efficiency / clock.
    public var dramBytesPerCycle: Double {
        config.offChipMemory.peakBandwidthBytesPerSecond * config.offChipMemory.efficiency / config.clockHz
    }

    /// DRAM access latency in chip cycles, rounded up.
    ///
    /// Computed as ns × (clock in GHz) so that round numbers stay exact (100 ns at 1 GHz is 100
    /// cycles, not ⌈100.00000000000001⌉ = 101).
    public var dramLatencyCycles: Int64 {
        Int64((config.offChipMemory.accessLatencyNanoseconds * (config.clockHz / 1e9)).rounded(.up))
    }

    /// Achievable link bytes per chip cycle in each direction: link bandwidth / clock (0 without a link).
    public var linkBytesPerCycle: Double { (link?.bandwidthBytesPerSecond ?? 0) / config.clockHz }

    /// Link latency per hop in chip cycles, rounded up (ns × clock in GHz, as `dramLatencyCycles`).
    public var linkLatencyCycles: Int64 {
        Int64(((link?.latencyNanoseconds ?? 0) * (config.clockHz / 1e9)).rounded(.up))
    }

    /// Bytes of one full ternary tile in the chip's weight format.
    public var tileBytes: Int64 {
        config.weightFormat.bitsPerWeight.bytes(forWeights: Int64(config.ternaryArray.rows) * Int64(config.ternaryArray.columns))
    }

    /// Cycles to load one full tile into an array: ⌈tileBytes / weightLoadBytesPerCycle⌉, or the
    /// unpack stage's ⌈rows × columns / unpackWeightsPerCycle⌉ when that is slower.
    public var tileLoadCycles: Int64 {
        let a = config.ternaryArray
        let load = ceilDiv(tileBytes, Int64(a.weightLoadBytesPerCycle))
        guard tileWeightsNeedUnpack, let rate = a.unpackWeightsPerCycle else { return load }
        return max(load, ceilDiv(Int64(a.rows) * Int64(a.columns), Int64(rate)))
    }

    /// Pipeline depth of one array, cycles: ⌈log2(rows)⌉ adder-tree stages, or for the `lut`
    /// datapath ⌈log2 g⌉ table-build stages + 1 table read + ⌈log2 ⌈rows / g⌉⌉ reduction stages
    /// (`LUTDatapath.pipelineDepthCycles`). A group size outside `LUTDatapath.groupSizes`, which
    /// only a config built in code can hold and the engine refuses, is given the adder tree's depth.
    public var arrayPipelineDepthCycles: Int64 {
        let rows = config.ternaryArray.rows
        if config.ternaryArray.datapath == .lut, let lut = LUTDatapath(groupSize: lutGroupSize) {
            return lut.pipelineDepthCycles(arrayRows: rows)
        }
        return ceilLog2(Int64(rows))
    }

    /// The `lut` datapath's group size g: `ternaryArray.lutGroupSize`, or `LUTDatapath.defaultGroupSize`.
    public var lutGroupSize: Int { config.ternaryArray.lutGroupSize ?? LUTDatapath.defaultGroupSize }

    /// The arrays' LUT datapath, or nil when they use the adder tree.
    /// - Throws: `InputError` naming the chip and `ternaryArray.lutGroupSize` if the group size is
    ///   outside `LUTDatapath.groupSizes` (the loader refuses such a file, so only a config built in
    ///   code can get here).
    public func lutDatapath() throws -> LUTDatapath? {
        guard config.ternaryArray.datapath == .lut else { return nil }
        guard let lut = LUTDatapath(groupSize: lutGroupSize) else {
            let sizes = LUTDatapath.groupSizes
            throw InputError(source: config.errorSource, location: "ternaryArray.lutGroupSize",
                             expected: "an integer in \(sizes.lowerBound)...\(sizes.upperBound)", found: "\(lutGroupSize)")
        }
        return lut
    }

    /// Whether tiles pass the unpack stage: the weight format packs several trits per code
    /// (`WeightFormat.needsUnpack`) and the datapath cannot select with the packed code directly
    /// (the `lut` datapath with g = 3 reads TL2 codes as they are; `LUTDatapath.readsCodesDirectly`).
    public var tileWeightsNeedUnpack: Bool {
        let format = config.weightFormat
        guard format.needsUnpack else { return false }
        guard config.ternaryArray.datapath == .lut, let lut = LUTDatapath(groupSize: lutGroupSize) else { return true }
        return !lut.readsCodesDirectly(format)
    }

    /// Peak ternary MACs per cycle over all arrays: rows × columns × count.
    public var peakTernaryMACsPerCycle: Int64 {
        Int64(config.ternaryArray.rows) * Int64(config.ternaryArray.columns) * Int64(config.ternaryArray.count)
    }

    /// Peak ternary operations per second (2 ops per MAC, the TOPS convention).
    public var peakTernaryOpsPerSecond: Double { 2 * Double(peakTernaryMACsPerCycle) * config.clockHz }

    /// Converts cycles to seconds.
    public func seconds(_ cycles: Int64) -> Double { Double(cycles) / config.clockHz }

    /// A copy with a parameter changed, for sweeps and property tests.
    public func with(_ change: (inout ChipConfig) -> Void) -> ResolvedChip {
        var copy = self
        change(&copy.config)
        return copy
    }
}
