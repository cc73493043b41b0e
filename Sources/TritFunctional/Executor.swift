import TritChip
import TritCompiler
import TritCore
import TritISA
import TritModel
import TritReference

/// The state of `ChipExecution` while it runs one step: SRAM (weights by address), the step's
/// tensors, the arrays' partial sums, the KV slots and the attention in progress.
struct Executor {
    let compiled: CompiledProgram
    let graph: Graph
    let model: ModelConfig
    let image: FunctionalMemory
    let rope: RotaryEmbedding
    let tokens: [Int]
    let hasOffChipMemory: Bool
    let arrayRows: Int
    let arrayColumns: Int
    let format: WeightFormat
    /// Whether the step's rows are sequences of a decode batch (else positions of one prompt).
    let isDecode: Bool
    /// A decode step's position (its context); a prefill's first position (0).
    let firstPosition: Int

    var cache: ChipKVCache
    var sram: FunctionalMemory
    var tensors: StepTensors
    /// Which image address each SRAM address last received by DMA (weights).
    var loadedFrom: [Int64: Int64] = [:]
    /// Which image tile starts at each DRAM address.
    let tileAt: [Int64: (node: Int, row: Int, column: Int)]
    /// Per array: the partial sums it is building.
    var openPartials: [UnitID: PartialSums] = [:]
    /// Finished partial sums waiting for their dequantisation.
    var finishedPartials: [PartialKey: [PartialSums]] = [:]
    /// Per BitLinear node: the `[step rows × out]` sums dequantised so far.
    var sums: [Int: [Int32]] = [:]
    /// The LM head's logits, `[step rows × vocab]`.
    var logits: [Float]
    /// What each KV slot (by SRAM base) was last filled with.
    var slotContents: [Int64: (layer: Int, block: InstructionOrigin.AttentionBlock)] = [:]
    /// Attention in progress, per scores node and slice (first row).
    var attention: [AttentionKey: AttentionInProgress] = [:]

    /// One column block's int32 sums for one slice, from one array's run of row blocks.
    struct PartialSums {
        let key: PartialKey
        let rows: Range<Int>
        let width: Int
        var rowBlocks: [Int]
        var values: [Int32]
    }

    struct PartialKey: Hashable {
        let node: Int
        let firstRow: Int
        let columnBlock: Int
    }

    struct AttentionKey: Hashable {
        let node: Int
        let firstRow: Int
    }

    init(compiled: CompiledProgram, chip: ResolvedChip, image: FunctionalMemory, rope: RotaryEmbedding, tokens: [Int],
         cache: ChipKVCache) throws {
        let config = chip.config
        let instructions = compiled.program.instructions.count
        guard compiled.origins.count == instructions else {
            throw InputError(source: "functional run", location: "program",
                             expected: "what each instruction computes (a program compiled with recordsOrigins)",
                             found: "\(compiled.origins.count) origins for \(instructions) instructions")
        }
        let rows = compiled.graph.phase.tokensPerStep
        if let bad = compiled.origins.firstIndex(where: { origin in
            origin.role != .unannotated && (!compiled.graph.nodes.indices.contains(origin.node)
                || origin.tokens.lowerBound < 0 || origin.tokens.upperBound > rows)
        }) {
            throw InputError(source: "functional run", location: "instruction \(bad)",
                             expected: "an origin naming a node of the graph and rows of the step (0..<\(rows))",
                             found: "node \(compiled.origins[bad].node), rows \(compiled.origins[bad].tokens)")
        }
        guard tokens.count == rows else {
            throw InputError(source: "functional run", location: "tokens", expected: "one token id per step row (\(rows))",
                             found: "\(tokens.count)")
        }
        if let bad = tokens.first(where: { $0 < 0 || $0 >= compiled.graph.model.vocabSize }) {
            throw InputError(source: "functional run", location: "tokens",
                             expected: "token ids in 0..<\(compiled.graph.model.vocabSize)", found: "\(bad)")
        }
        self.compiled = compiled
        graph = compiled.graph
        model = compiled.graph.model
        self.image = image
        self.rope = rope
        self.tokens = tokens
        self.cache = cache
        hasOffChipMemory = config.hasOffChipMemory
        arrayRows = config.ternaryArray.rows
        arrayColumns = config.ternaryArray.columns
        format = config.weightFormat
        sram = config.hasOffChipMemory ? FunctionalMemory(name: "SRAM", capacity: config.sram.totalBytes) : image
        tensors = StepTensors(rows: rows)
        switch compiled.graph.phase {
        case .prefill:
            isDecode = false
            firstPosition = 0
        case let .decode(_, context):
            isDecode = true
            firstPosition = context
        }
        var tileAt: [Int64: (node: Int, row: Int, column: Int)] = [:]
        for tensor in compiled.image.ternary {
            for column in 0..<tensor.columnBlocks {
                for row in 0..<tensor.rowBlocks { tileAt[tensor.tile(row: row, column: column).base] = (tensor.node, row, column) }
            }
        }
        self.tileAt = tileAt
        logits = [Float](repeating: .nan, count: rows * compiled.graph.model.vocabSize)
        if !hasOffChipMemory, let embedding = compiled.graph.nodes.firstIndex(where: { $0.category == .embedding }) {
            // An SRAM-only chip reads the embedding rows in place where the table lives (no gather
            // instruction): they are there from the start.
            try embed(node: embedding, rows: 0 ..< rows)
        }
    }

    /// The sequence and position of step row `row`.
    func place(ofRow row: Int) -> (sequence: Int, position: Int) {
        isDecode ? (row, firstPosition) : (0, firstPosition + row)
    }

    /// The name of node `node` for messages.
    func name(_ node: Int) -> String {
        graph.nodes.indices.contains(node) ? graph.nodes[node].name : "node \(node)"
    }

    /// Executes instruction `index`.
    mutating func execute(_ index: Int) throws {
        let instruction = compiled.program.instructions[index]
        let origin = compiled.origins[index]
        switch instruction.operation {
        case let .dmaLoad(stream, dram, sramRange) where stream == .ternaryWeights || stream == .fullPrecisionWeights:
            // Weight loads are exact: copy the image's bytes. (The embedding gather's DRAM range is
            // not exact yet; the gather is executed by meaning below.)
            if origin.role == .unannotated {
                try sram.copy(bytes: dram.bytes, from: image, at: dram.base, to: sramRange.base)
                loadedFrom[sramRange.base] = dram.base
                return
            }
        case let .ternaryTile(rows, columns, tileTokens, weights, _, _, accumulate):
            try tile(instruction: instruction, origin: origin, rows: Int(rows), columns: Int(columns), tokens: Int(tileTokens),
                     weights: weights, accumulate: accumulate)
            return
        case let .matrix(.dense, macs, input, _, _):
            try dense(origin: origin, macs: macs, weights: input)
            return
        default:
            break
        }
        try executeByMeaning(instruction, origin)
    }

    /// The SRAM range's image address: where the DMA that filled it read from (or, on an SRAM-only
    /// chip, the address itself: the image lies at SRAM 0).
    func imageAddress(ofSRAM base: Int64) -> Int64? {
        hasOffChipMemory ? loadedFrom[base] : base
    }

    /// Executes the instructions whose work is given by their origin.
    mutating func executeByMeaning(_ instruction: Instruction, _ origin: InstructionOrigin) throws {
        let rows = origin.tokens
        switch origin.role {
        case .unannotated:
            return
        case .embedding:
            try embed(node: origin.node, rows: rows)
        case let .dequantize(columnBlock, residual):
            try dequantize(node: origin.node, rows: rows, columnBlock: columnBlock, residual: residual)
        case let .gatedDequantize(columnBlock):
            try gatedDequantize(node: origin.node, rows: rows, columnBlock: columnBlock)
        case let .rmsNorm(fusedQuantize):
            try normalise(node: origin.node, rows: rows, fusedQuantize: fusedQuantize)
        case .quantize:
            try quantize(node: origin.node, rows: rows)
        case .rope:
            try rotate(node: origin.node, rows: rows)
        case .gating:
            try gate(node: origin.node, rows: rows)
        case .residualAdd:
            try addResidual(node: origin.node, rows: rows)
        case let .kvStore(layer):
            try storeKV(node: origin.node, layer: layer, rows: rows)
        case let .kvLoad(layer, block):
            guard case let .dmaLoad(_, _, slot) = instruction.operation else { return }
            try loadKV(layer: layer, block: block, slot: slot)
        case let .scores(layer, block):
            try scores(node: origin.node, layer: layer, block: block, rows: rows, instruction: instruction)
        case let .softmax(layer, block):
            try softmax(node: origin.node, layer: layer, block: block, rows: rows)
        case let .values(layer, block, last):
            try values(node: origin.node, layer: layer, block: block, rows: rows, last: last)
        case .tile, .dense:
            return  // executed by address (`execute`)
        }
    }

    /// Ends the step: every dequantisation has consumed its partial sums, and on a chip with
    /// off-chip memory every layer's keys and values of the step were stored; on an SRAM-only chip
    /// (whose cache is written in place) they are added to the cache.
    mutating func finishStep() throws {
        let leftover = openPartials.values.map(\.key) + finishedPartials.filter { !$0.value.isEmpty }.map(\.key)
        if let key = leftover.min(by: { ($0.node, $0.firstRow, $0.columnBlock) < ($1.node, $1.firstRow, $1.columnBlock) }) {
            throw FunctionalError(problem: "the step ends with partial sums of \(name(key.node)) column block \(key.columnBlock) (rows from \(key.firstRow)) that no dequantisation read")
        }
        for (index, node) in graph.nodes.enumerated() {
            guard case .kvAppend = node.operation, let layer = node.layer else { continue }
            if !hasOffChipMemory {
                try storeKV(node: index, layer: layer, rows: 0 ..< tensors.rows)
            }
            for row in 0 ..< tensors.rows {
                let (sequence, position) = place(ofRow: row)
                guard cache.length(layer: layer, sequence: sequence) > position else {
                    throw FunctionalError(problem: "the step ends without storing the keys and values of layer \(layer), sequence \(sequence), position \(position)")
                }
            }
        }
    }

    /// What the step computed.
    func output() -> ChipExecution.Output {
        var result: [Int: Matrix<Int32>] = [:]
        for (node, values) in sums {
            guard case let .bitLinear(_, _, outFeatures) = graph.nodes[node].operation,
                  let matrix = try? Matrix(rows: tensors.rows, columns: outFeatures, elements: values) else { continue }
            result[node] = matrix
        }
        var computed: [Int: Matrix<Float>] = [:]
        for index in graph.nodes.indices {
            if let tensor = tensors.complete(node: index) { computed[index] = tensor }
        }
        let logitMatrix = (try? Matrix(rows: tensors.rows, columns: model.vocabSize, elements: logits))
            ?? Matrix(rows: 0, columns: model.vocabSize, repeating: 0)
        return ChipExecution.Output(sums: result, logits: logitMatrix, tensors: computed)
    }
}
