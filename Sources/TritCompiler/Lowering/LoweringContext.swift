import TritChip
import TritCore
import TritISA
import TritModel

/// Shared state while lowering one graph: the program under construction, the units, the
/// weight-buffer slot ring and where each node's result becomes available.
struct LoweringContext {
    let chip: ResolvedChip
    let plan: MemoryPlan
    let precision: Precision
    var builder: ProgramBuilder

    // Unit IDs (see `Compiler.units(for:)`).
    let weightDMA: UnitID
    let kvDMA: UnitID
    let dataDMA: UnitID
    let arrays: [UnitID]
    let vector: UnitID
    let attention: UnitID
    /// The link unit, when the chip talks to other chips (`role.usesLinks`).
    let link: UnitID?
    /// The chip's part in a multi-chip system.
    let role: ChipRole
    /// The statistics tag of link instructions (meaningful when `link` is set).
    let linkTag: UInt16
    /// Where every weight lies in DRAM (and, on an SRAM-only chip, in the weight buffer).
    let image: WeightImage
    /// The model's hidden size (elements of one residual-stream row).
    let hiddenSize: Int

    /// The weight buffer's chunks and who still reads them.
    var weightRing: WeightRing
    /// Token signalled when node i's output is ready in the current chunk.
    var nodeDone: [TokenID?]
    /// Per layer: token of the KV store of the previous chunk (later chunks read it back).
    var kvStored: [TokenID?]
    /// Tile assignments already chosen, by layer shape (every block repeats the same shapes).
    var assignments: [AssignmentKey: [[(row: Int, column: Int)]]] = [:]
    /// Per BitLinear node (graph index) of the current chunk: its tile assignment and the weight
    /// chunks its first micro-batch loaded, which later micro-batches reuse in place.
    var residentWeights: [Int: ResidentWeights] = [:]

    /// Whether to record what each instruction computes (`origins`; for the functional executor).
    let recordsOrigins: Bool
    /// Per emitted instruction, what it computes (`InstructionOrigin`), when `recordsOrigins`.
    var origins: [InstructionOrigin] = []
    /// The step's token rows of the slice being lowered (positions of a prefill, sequences of a decode).
    var rows: Range<Int> = 0..<0

    /// Tile-token rows given to each array so far; a BitLinear's runs go longest first to the
    /// least-loaded arrays, so the ±1-tile remainders of successive layers do not pile up on
    /// the same arrays.
    var arrayLoad: [Int64]

    /// A BitLinear's weights held in the weight buffer across a chunk's micro-batches.
    struct ResidentWeights {
        let assignment: [[(row: Int, column: Int)]]
        /// Array that runs each run of the assignment.
        let arrayOfRun: [Int]
        /// SRAM range of each run's tile at each step (`tiles[run][step]`).
        let tiles: [[SRAMRange]]
    }

    /// The shape that decides a BitLinear's tile assignment.
    struct AssignmentKey: Hashable {
        let inFeatures: Int
        let outFeatures: Int
        let tokens: Int
        /// Fused gate and up (`ColumnBlocks.paired`).
        let paired: Bool
    }

    init(chip: ResolvedChip, plan: MemoryPlan, precision: Precision, graph: Graph, image: WeightImage, role: ChipRole = .single,
         recordsOrigins: Bool = false) {
        self.chip = chip
        self.recordsOrigins = recordsOrigins
        self.image = image
        self.plan = plan
        self.precision = precision
        self.role = role
        hiddenSize = graph.model.hiddenSize
        let units = Compiler.units(for: chip, role: role)
        let categories = LayerCategory.allCases.map(\.rawValue)
        builder = ProgramBuilder(units: units, tags: categories + (role.usesLinks ? [Compiler.linkTag] : []))
        linkTag = UInt16(categories.count)
        weightDMA = 0
        kvDMA = 1
        dataDMA = 2
        arrays = (0..<chip.config.ternaryArray.count).map { UnitID(3 + $0) }
        vector = UnitID(3 + chip.config.ternaryArray.count)
        attention = vector + 1
        weightRing = WeightRing(capacityBytes: Int64(plan.weightSlots) * plan.weightChunkBytes)
        arrayLoad = Array(repeating: 0, count: chip.config.ternaryArray.count)
        link = role.usesLinks ? attention + 1 : nil
        nodeDone = Array(repeating: nil, count: graph.nodes.count)
        kvStored = Array(repeating: nil, count: graph.model.layers)
    }

    /// Appends an instruction (`ProgramBuilder.emit`) and, when `recordsOrigins`, what it computes:
    /// `role` of graph node `node` for the slice's rows (or `rows` when given).
    @discardableResult
    mutating func emit(_ operation: Instruction.Operation, on unit: UnitID, tag: UInt16, waits: [TokenID],
                       node: Int = -1, role: InstructionOrigin.Role = .unannotated, rows override: Range<Int>? = nil) -> TokenID? {
        if recordsOrigins { origins.append(InstructionOrigin(node: node, tokens: override ?? rows, role: role)) }
        return builder.emit(operation, on: unit, tag: tag, waits: waits)
    }

    static func tag(_ category: LayerCategory) -> UInt16 {
        UInt16(LayerCategory.allCases.firstIndex(of: category) ?? 0)
    }

    /// The array for each run of `assignment`: runs sorted by length (longest first, then by
    /// index) go to arrays sorted by load so far (least first, then by index); updates the loads.
    mutating func placeRuns(_ assignment: [[(row: Int, column: Int)]], tokens: Int) -> [Int] {
        let runs = assignment.indices.sorted { (assignment[$0].count, -$0) > (assignment[$1].count, -$1) }
        let targets = arrayLoad.indices.sorted { (arrayLoad[$0], $0) < (arrayLoad[$1], $1) }
        var arrayOfRun = Array(repeating: 0, count: assignment.count)
        for (run, array) in zip(runs, targets) {
            arrayOfRun[run] = array
            arrayLoad[array] += Int64(assignment[run].count) * Int64(tokens)
        }
        return arrayOfRun
    }

    /// Tokens of the producers of `node`'s inputs in the current chunk.
    func inputTokens(_ node: GraphNode) -> [TokenID] {
        node.inputs.compactMap { nodeDone[$0] }
    }

    /// Brings the weights at `dram` (a range of the weight image) on chip: streams them from DRAM
    /// into the weight ring and returns their SRAM range and the token signalled when they have
    /// arrived. On an SRAM-only chip the image is resident at the start of the weight buffer: no
    /// DMA, the range is where they live, and there is no token to wait for.
    mutating func loadWeights(_ dram: DRAMRange, stream: DMAStream, tag: UInt16) -> (range: SRAMRange, ready: TokenID?) {
        guard chip.config.hasOffChipMemory else { return (SRAMRange(base: dram.base, bytes: dram.bytes), nil) }
        let (range, overwritten) = weightRing.allocate(bytes: dram.bytes)
        let ready = emit(.dmaLoad(stream: stream, dram: dram, sram: range), on: weightDMA, tag: tag,
                                 waits: overwritten) ?? -1
        return (range, ready)
    }

    /// Records that `token` must complete before the chunk at `range` is overwritten.
    mutating func releaseWeights(_ range: SRAMRange, after token: TokenID) {
        guard chip.config.hasOffChipMemory else { return }  // resident weights occupy no ring space
        weightRing.release(range, after: token)
    }

    /// A range in the activation buffer (addresses are bookkeeping; capacity is planned per token).
    func activationRange(bytes: Int64) -> SRAMRange {
        SRAMRange(base: plan.activationBufferBase, bytes: bytes)
    }
}
