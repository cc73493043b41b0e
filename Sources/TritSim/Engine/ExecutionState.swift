import TritChip
import TritCore
import TritISA

/// The mutable state of one run: unit queues, token times, the event queue, statistics.
struct ExecutionState {
    let program: Program
    let dramWaitTokens: [Bool]          // token → signalled by a DMA engine
    var queues: [[Int32]]               // unit → instruction indices in program order
    var queuePosition: [Int]            // unit → next index into its queue
    var unitBusy: [Bool]
    var blockedOn: [TokenID]            // unit → token it waits for, or -1
    var blockedSince: [Int64]
    var waitCursor: [Int]               // unit → first wait of its head instruction not yet known signalled
    var waiterHead: [Int32]             // token → first unit blocked on it, or -1
    var waiterNext: [Int32]             // unit → next unit blocked on the same token, or -1
    var signalled: [Bool]
    var signalCycle: [Int64]            // token → cycle it was signalled (for shadow weight loads)
    var streamStart: [Int64]            // unit → cycle its current tile started streaming tokens
    var events: EventQueue
    var now: Int64 = 0
    var lastCompletion: Int64 = 0
    var executed = 0
    var exceededMaximumCycles = false
    var exceededAtInstruction = -1
    let chipSource: String

    var dram: DRAMChannel
    let arrayTiming: TernaryArrayTiming
    let vectorTiming: VectorUnitTiming
    let attentionTiming: AttentionUnitTiming
    let linkTiming: LinkTiming

    var unitStatistics: [UnitStatistics]
    var counters = ActionCounters()
    var countersByTag: [ActionCounters]
    var busyCyclesByTag: [Int64]
    var busyCyclesByTagAndKind: [[Int64]]     // tag → UnitKind index → busy cycles (compute units)
    var channelCyclesByTag: [Double]          // tag → off-chip channel cycles
    var dramBytesByStream: [Int64]
    let unitKindIndex: [Int]

    init(program: Program, chip: ResolvedChip) throws {
        self.program = program
        guard program.tokenCount >= 0, program.tokenCount <= program.instructions.count else {
            throw InputError(source: "program", location: "token count",
                             expected: "at most one token per instruction (\(program.instructions.count))", found: "\(program.tokenCount)")
        }
        chipSource = chip.config.errorSource
        let unitCount = program.units.count
        var queues = Array(repeating: [Int32](), count: unitCount)
        var producerIsDMA = Array(repeating: false, count: program.tokenCount)
        for (index, instruction) in program.instructions.enumerated() {
            let unit = Int(instruction.unit)
            guard unit < unitCount else {
                throw InputError(source: "program", location: "instruction \(index)",
                                 expected: "a unit below \(unitCount)", found: "unit \(unit)")
            }
            try ExecutionState.checkChipHas(what: instruction.operation, index: index, chip: chip)
            guard Int(instruction.tag) < program.tags.count else {
                throw InputError(source: "program", location: "instruction \(index)",
                                 expected: "a tag below \(program.tags.count)", found: "tag \(instruction.tag)")
            }
            if instruction.signal >= 0 {
                guard Int(instruction.signal) < program.tokenCount else {
                    throw InputError(source: "program", location: "instruction \(index)",
                                     expected: "a token below \(program.tokenCount)", found: "token \(instruction.signal)")
                }
                producerIsDMA[Int(instruction.signal)] = program.units[unit].kind == .dma
            }
            for token in program.waits(of: index) where token < 0 || Int(token) >= program.tokenCount {
                throw InputError(source: "program", location: "instruction \(index)",
                                 expected: "a token below \(program.tokenCount)", found: "wait on token \(token)")
            }
            queues[unit].append(Int32(index))
        }
        self.queues = queues
        dramWaitTokens = producerIsDMA
        queuePosition = Array(repeating: 0, count: unitCount)
        unitBusy = Array(repeating: false, count: unitCount)
        blockedOn = Array(repeating: -1, count: unitCount)
        blockedSince = Array(repeating: 0, count: unitCount)
        waitCursor = Array(repeating: -1, count: unitCount)
        waiterHead = Array(repeating: -1, count: program.tokenCount)
        waiterNext = Array(repeating: -1, count: unitCount)
        signalled = Array(repeating: false, count: program.tokenCount)
        signalCycle = Array(repeating: 0, count: program.tokenCount)
        streamStart = Array(repeating: 0, count: unitCount)
        events = EventQueue(capacity: 2 * unitCount + 16)
        dram = DRAMChannel(chip: chip)
        arrayTiming = try TernaryArrayTiming(chip: chip)
        vectorTiming = VectorUnitTiming(chip: chip)
        attentionTiming = AttentionUnitTiming(chip: chip)
        linkTiming = LinkTiming(chip: chip)
        unitStatistics = program.units.map { UnitStatistics(unit: $0) }
        countersByTag = Array(repeating: ActionCounters(), count: program.tags.count)
        busyCyclesByTag = Array(repeating: 0, count: program.tags.count)
        busyCyclesByTagAndKind = Array(repeating: Array(repeating: 0, count: UnitKind.allCases.count), count: program.tags.count)
        channelCyclesByTag = Array(repeating: 0, count: program.tags.count)
        unitKindIndex = program.units.map { unit in UnitKind.allCases.firstIndex(of: unit.kind) ?? 0 }
        dramBytesByStream = Array(repeating: 0, count: DMAStream.allCases.count)
    }

    mutating func start() {
        for unit in 0..<queues.count { tryIssue(unit: unit) }
    }

    /// Marks `token` signalled and retries the units blocked on it (a linked list per token, so
    /// a signal costs O(units waiting on it), not O(all units)).
    mutating func signal(token: Int) {
        signalled[token] = true
        signalCycle[token] = now
        var next = waiterHead[token]
        waiterHead[token] = -1
        while next >= 0 {
            let unit = Int(next)
            next = waiterNext[unit]
            waiterNext[unit] = -1
            let waited = now - blockedSince[unit]
            if dramWaitTokens[token] {
                unitStatistics[unit].waitingOnMemoryCycles += waited
            } else {
                unitStatistics[unit].waitingOnComputeCycles += waited
            }
            blockedOn[unit] = -1
            tryIssue(unit: unit)
        }
    }

    mutating func free(unit: Int) {
        unitBusy[unit] = false
        tryIssue(unit: unit)
    }

    /// Starts the unit's next instruction if the unit is free and the instruction's waits are met.
    mutating func tryIssue(unit: Int) {
        guard !unitBusy[unit], blockedOn[unit] < 0, queuePosition[unit] < queues[unit].count else { return }
        let index = Int(queues[unit][queuePosition[unit]])
        let instruction = program.instructions[index]
        let waitEnd = Int(instruction.waitStart) + Int(instruction.waitCount)
        // Resume where the last attempt stopped: each wait is examined O(1) times overall.
        var position = waitCursor[unit] >= 0 ? waitCursor[unit] : Int(instruction.waitStart)
        while position < waitEnd {
            let token = program.waitTokens[position]
            if !signalled[Int(token)] {
                waitCursor[unit] = position
                blockedOn[unit] = token
                blockedSince[unit] = now
                waiterNext[unit] = waiterHead[Int(token)]
                waiterHead[Int(token)] = Int32(unit)
                return
            }
            position += 1
        }
        waitCursor[unit] = -1
        queuePosition[unit] += 1
        execute(instruction, unit: unit)
        if exceededMaximumCycles && exceededAtInstruction < 0 { exceededAtInstruction = index }
    }

    /// Moves `bytes` over the shared off-chip channel and books the channel time and bytes.
    private mutating func transfer(_ bytes: Int64, stream: DMAStream, tag: Int, unit: Int) -> (freeAt: Int64, doneAt: Int64) {
        let (channelDone, dataReady) = dram.transfer(bytes: bytes, at: now)
        channelCyclesByTag[tag] += Double(bytes) / dram.bytesPerCycle
        dramBytesByStream[Int(stream.rawValue)] += bytes
        return (channelDone, dataReady)
    }

    private mutating func execute(_ instruction: Instruction, unit: Int) {
        let tag = Int(instruction.tag)
        var actions = ActionCounters()
        let freeAt: Int64
        let doneAt: Int64
        switch instruction.operation {
        case let .dmaLoad(stream, dramRange, _):
            (freeAt, doneAt) = transfer(dramRange.bytes, stream: stream, tag: tag, unit: unit)
            actions.dramReadBytes = dramRange.bytes
            actions.sramWriteBytes = dramRange.bytes
        case let .dmaStore(stream, _, dramRange):
            (freeAt, doneAt) = transfer(dramRange.bytes, stream: stream, tag: tag, unit: unit)
            actions.dramWriteBytes = dramRange.bytes
            actions.sramReadBytes = dramRange.bytes
        case let .ternaryTile(rows, columns, tokens, weights, input, accumulator, accumulate):
            if arrayTiming.shadowWeightRegisters {
                // The load may start once the previous tile streams and this tile's weights
                // (the latest DMA token it waits on) have arrived.
                var weightsReady: Int64 = 0
                let start = Int(instruction.waitStart)
                for token in program.waitTokens[start ..< start + Int(instruction.waitCount)] where dramWaitTokens[Int(token)] {
                    weightsReady = max(weightsReady, signalCycle[Int(token)])
                }
                let loadEnd = max(streamStart[unit], weightsReady)
                    + arrayTiming.loadCycles(weights.bytes, weights: Int64(rows) * Int64(columns))
                streamStart[unit] = max(now, loadEnd)
                // The next tile's weights switch in from the shadow registers as this tile's last
                // token enters, so the array is free then; the sums leave the adder tree later.
                freeAt = streamStart[unit] + Int64(tokens)
                doneAt = freeAt + arrayTiming.pipelineDepthCycles
            } else {
                freeAt = now + arrayTiming.cycles(weightBytes: weights.bytes, weights: Int64(rows) * Int64(columns), tokens: Int64(tokens))
                doneAt = freeAt
            }
            arrayTiming.count(rows: Int64(rows), columns: Int64(columns), tokens: Int64(tokens), weightBytes: weights.bytes,
                              inputBytes: input.bytes, accumulatorBytes: accumulator.bytes, accumulate: accumulate, into: &actions)
        case let .vector(_, operations, specialOps, input, output, input2, parameters):
            freeAt = now + vectorTiming.occupancy(operations: operations, specialOps: specialOps,
                                                  bytes: input.bytes + input2.bytes + parameters.bytes + output.bytes)
            doneAt = freeAt + vectorTiming.startupCycles
            actions.vectorOps = operations
            actions.specialFunctionOps = specialOps
            actions.sramReadBytes = input.bytes + input2.bytes + parameters.bytes
            actions.sramWriteBytes = output.bytes
        case let .matrix(_, macs, input, output, input2):
            freeAt = now + attentionTiming.occupancy(macs: macs, inputBytes: input.bytes + input2.bytes)
            doneAt = freeAt + attentionTiming.startupCycles
            actions.fp16MACs = macs
            actions.sramReadBytes = input.bytes + input2.bytes
            actions.sramWriteBytes = output.bytes
        case let .link(kind, chips, data):
            let (cycles, sent, received) = linkTiming.cycles(kind: kind, chips: Int64(chips), bytes: data.bytes)
            freeAt = now + cycles
            doneAt = freeAt
            actions.linkBytesSent = sent
            actions.linkBytesReceived = received
            actions.sramReadBytes = sent
            actions.sramWriteBytes = received
        }
        guard doneAt <= Engine.maximumCycles, freeAt <= Engine.maximumCycles else {
            exceededMaximumCycles = true
            return
        }
        let busy = freeAt - now
        unitStatistics[unit].busyCycles += busy
        unitStatistics[unit].instructions += 1
        busyCyclesByTag[tag] += busy
        if program.units[unit].kind != .dma { busyCyclesByTagAndKind[tag][unitKindIndex[unit]] += busy }
        counters.add(actions)
        countersByTag[tag].add(actions)
        executed += 1
        unitBusy[unit] = true
        lastCompletion = max(lastCompletion, doneAt)
        events.push(cycle: freeAt, kind: .unitFree, payload: Int32(unit))
        if instruction.signal >= 0 {
            events.push(cycle: doneAt, kind: .signal, payload: instruction.signal)
        }
    }

    /// Throws unless `chip` has what `operation` needs: off-chip memory for a DMA transfer, a link
    /// for a chip-to-chip transfer.
    private static func checkChipHas(what operation: Instruction.Operation, index: Int, chip: ResolvedChip) throws {
        switch operation {
        case .dmaLoad, .dmaStore:
            guard chip.config.hasOffChipMemory else {
                throw InputError(source: chip.config.errorSource, location: "offChipMemory",
                                 expected: "off-chip memory for the DMA transfer of instruction \(index)",
                                 found: "none (an SRAM-only chip)")
            }
        case .link:
            guard chip.link != nil else {
                throw InputError(source: chip.config.errorSource, location: "link",
                                 expected: "a chip-to-chip link for the link transfer of instruction \(index) (simulate with --system)",
                                 found: "a chip that is not part of a system")
            }
        default:
            break
        }
    }

    func finish() throws -> SimulationStatistics {
        if exceededMaximumCycles {
            throw InputError(source: chipSource, location: "clockHz, bandwidths and throughputs",
                             expected: "a step shorter than 2^50 cycles",
                             found: "a longer one (instruction \(exceededAtInstruction) of the program would end past it)")
        }
        if executed < program.instructions.count {
            let stuck = (0..<queues.count).first { queuePosition[$0] < queues[$0].count } ?? 0
            let index = queuePosition[stuck] < queues[stuck].count ? Int(queues[stuck][queuePosition[stuck]]) : -1
            throw InputError(source: "program", location: "instruction \(index) on \(program.units[stuck].name)",
                             expected: "every waited token to be signalled",
                             found: "a wait on token \(blockedOn[stuck]) that is never signalled (deadlock)")
        }
        var unitsOfKind = Array(repeating: Int64(0), count: UnitKind.allCases.count)
        for index in unitKindIndex { unitsOfKind[index] += 1 }
        let bottleneck = busyCyclesByTagAndKind.indices.map { tag in
            let perUnit = busyCyclesByTagAndKind[tag].indices.map { kind in
                busyCyclesByTagAndKind[tag][kind] / max(1, unitsOfKind[kind])
            }
            return max(perUnit.max() ?? 0, Int64(channelCyclesByTag[tag].rounded(.up)))
        }
        return SimulationStatistics(
            totalCycles: lastCompletion,
            seconds: 0,
            units: unitStatistics,
            counters: counters,
            countersByTag: countersByTag,
            busyCyclesByTag: busyCyclesByTag,
            bottleneckCyclesByTag: bottleneck,
            tags: program.tags,
            dramBusyCycles: Int64(dram.busyCycles.rounded(.up)),
            dramBytesByStream: dramBytesByStream,
            instructionCount: executed)
    }
}
