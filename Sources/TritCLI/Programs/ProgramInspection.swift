import TritChip
import TritCore
import TritISA

/// What `tritsim inspect` reports about a program, computed without simulating it.
struct ProgramInspection {
    /// Instructions per mnemonic (`tile`, `dma.load`, `vector.softmax`, …), sorted by mnemonic.
    var instructionsByMnemonic: [(mnemonic: String, count: Int)]
    /// The highest SRAM byte address any instruction touches, plus one (bytes).
    var sramHighWaterBytes: Int64
    /// Off-chip bytes per DMA stream (loads + stores), in `DMAStream` order.
    var dramBytesByStream: [(stream: String, bytes: Int64)]
    /// Ternary MACs of all tiles.
    var ternaryMACs: Int64
    /// Tiles: (packed weight bytes, tokens) of each, for the array-time bound.
    var tiles: [(weightBytes: Int64, tokens: Int64)]
    /// Total off-chip bytes.
    var dramBytes: Int64
    /// Full-precision MACs of all matrix instructions (attention and the LM head).
    var matrixMACs: Int64 = 0
    /// Link instructions (multi-chip programs).
    var linkInstructions = 0
    /// Bytes the chip sends over its links (`LinkKind.linkBytes`).
    var linkBytesSent: Int64 = 0
    /// Bytes the chip receives over its links.
    var linkBytesReceived: Int64 = 0

    /// Inspects `program`, which need not have passed `ProgramCheck`: every sum is overflow-checked.
    /// - Throws: `InputError` naming `source` if a count or address does not fit in 64 bits.
    init(_ program: Program, source: String) throws {
        func add(_ a: Int64, _ b: Int64) throws -> Int64 {
            let (sum, overflow) = a.addingReportingOverflow(b)
            guard !overflow else {
                throw InputError(source: source, location: "program totals", expected: "counts and addresses that fit in 64 bits",
                                 found: "larger ones")
            }
            return sum
        }
        var counts: [String: Int] = [:]
        var highWater: Int64 = 0
        var streamBytes = Array(repeating: Int64(0), count: DMAStream.allCases.count)
        var macs: Int64 = 0
        var tiles: [(weightBytes: Int64, tokens: Int64)] = []
        var links = 0
        var sent: Int64 = 0, received: Int64 = 0
        var matrix: Int64 = 0
        for instruction in program.instructions {
            let operation = instruction.operation
            counts[operation.mnemonic, default: 0] += 1
            for range in ProgramCheck.sramRanges(of: operation) { highWater = max(highWater, try add(range.base, range.bytes)) }
            switch operation {
            case let .dmaLoad(stream, dram, _), let .dmaStore(stream, _, dram):
                streamBytes[Int(stream.rawValue)] = try add(streamBytes[Int(stream.rawValue)], dram.bytes)
            case let .ternaryTile(rows, columns, tokens, weights, _, _, _):
                let (area, areaOverflow) = Int64(rows).multipliedReportingOverflow(by: Int64(columns))
                let (tileMACs, macsOverflow) = area.multipliedReportingOverflow(by: Int64(tokens))
                macs = try add(macs, areaOverflow || macsOverflow ? Int64.max : tileMACs)
                tiles.append((weights.bytes, Int64(tokens)))
            case let .matrix(_, matrixMACs, _, _, _):
                matrix = try add(matrix, max(matrixMACs, 0))
            case let .link(kind, chips, data):
                // Bounded so that the formula's product cannot overflow on an unchecked program.
                let bytes = kind.linkBytes(chips: min(max(Int64(chips), 1), Int64(1) << 20), bytes: min(max(data.bytes, 0), Int64(1) << 40))
                links += 1
                sent = try add(sent, bytes.sent)
                received = try add(received, bytes.received)
            default:
                break
            }
        }
        instructionsByMnemonic = counts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        sramHighWaterBytes = highWater
        dramBytesByStream = DMAStream.allCases.map { ($0.name, streamBytes[Int($0.rawValue)]) }
        dramBytes = try streamBytes.reduce(0) { try add($0, $1) }
        ternaryMACs = macs
        self.tiles = tiles
        matrixMACs = matrix
        linkInstructions = links
        linkBytesSent = sent
        linkBytesReceived = received
    }

    /// Bounds of the program's run time on `chip`, s:
    /// - memory: all off-chip bytes at the achievable bandwidth;
    /// - compute: all ternary MACs at the arrays' peak;
    /// - arrays: every tile's time on an array (the array timing equation: tile load + tokens +
    ///   adder depth; with shadow weight registers max(load, tokens), as loads overlap the
    ///   previous tile) spread evenly over all arrays;
    /// - serial: compute, then the full-precision weight stream at the achievable bandwidth, less
    ///   the weight buffer's worth that DMA can prefetch while the arrays work. The LM head needs
    ///   the last layer's output and the embedding rows precede the first layer, so for a
    ///   prefill the rest cannot overlap the arrays.
    /// - attention: the full-precision MACs at the attention unit's peak;
    /// - link: the bytes sent over the chip's link at its bandwidth (0 without a link).
    func bounds(on chip: ResolvedChip) -> (memorySeconds: Double, computeSeconds: Double, arraySeconds: Double, serialSeconds: Double,
                                           attentionSeconds: Double, linkSeconds: Double) {
        let achievable = chip.config.offChipMemory.peakBandwidthBytesPerSecond * chip.config.offChipMemory.efficiency
        let memory = chip.config.hasOffChipMemory ? Double(dramBytes) / achievable : 0
        let compute = Double(ternaryMACs) / (Double(chip.peakTernaryMACsPerCycle) * chip.config.clockHz)
        let load = Double(chip.config.ternaryArray.weightLoadBytesPerCycle)
        let depth = Double(chip.arrayPipelineDepthCycles)
        let shadow = chip.config.ternaryArray.shadowWeightRegisters
        let tileCycles = tiles.reduce(0.0) { total, tile in
            let loadCycles = (Double(tile.weightBytes) / load).rounded(.up)
            return total + (shadow ? max(loadCycles, Double(tile.tokens)) : loadCycles + Double(tile.tokens) + depth)
        }
        let array = Double(tileCycles) / Double(chip.config.ternaryArray.count) / chip.config.clockHz
        let fullPrecision = dramBytesByStream[Int(DMAStream.fullPrecisionWeights.rawValue)].bytes
        // At most a weight buffer's worth of the stream can be prefetched while the arrays work.
        let unprefetchable = max(0, fullPrecision - chip.config.sram.weightBufferBytes)
        let serial = compute + (chip.config.hasOffChipMemory ? Double(unprefetchable) / achievable : 0)
        let attention = Double(matrixMACs) / (Double(chip.config.attentionUnit.macsPerCycle) * chip.config.clockHz)
        let link = chip.link.map { Double(linkBytesSent) / $0.bandwidthBytesPerSecond } ?? 0
        return (memory, compute, array, serial, attention, link)
    }
}
