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

    /// Adder-tree depth of one array: ⌈log2(rows)⌉ stages.
    public var arrayPipelineDepthCycles: Int64 {
        var depth: Int64 = 0
        var width = 1
        while width < config.ternaryArray.rows { width *= 2; depth += 1 }
        return depth
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
