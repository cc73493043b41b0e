import TritCore
import TritModel

/// One FP16 GPU kernel before timing: what it moves, what it computes and the shape that sets its
/// efficiency. Built from graph nodes by `FP16Kernel.kernels(of:)`.
struct FP16Kernel: Sendable {
    /// The shape class that selects the efficiency rules.
    enum Shape: Sendable {
        /// A GEMM/GEMV `F.linear(x[m, k], W[n, k])`: memory-bound with few output rows,
        /// tile- and wave-quantised on tensor cores.
        case linear(m: Int, k: Int, n: Int)
        /// Fused attention: tensor-core GEMMs of `rows` query rows per KV head (padded to a tile).
        case attention(rows: Int)
        /// Elementwise, reduction or gather work with no tensor-core math.
        case elementwise
    }

    var name: String
    var category: LayerCategory
    var layer: Int?
    /// Bytes read plus bytes written in memory.
    var bytes: Int64
    /// 2 × MACs, on tensor cores.
    var tensorFLOPs: Int64
    /// Elementwise operations, on the vector (CUDA-core) units.
    var vectorFLOPs: Int64
    var shape: Shape
    /// Index (in the node list the kernels were built from) of the last node the kernel computes.
    var node: Int = -1

    /// All FLOPs: 2 × MACs + vector operations.
    var flops: Int64 { tensorFLOPs + vectorFLOPs }

    /// The kernels of one step: one per graph node, except that the three attention nodes of a
    /// layer (scores, softmax, values) become one FlashAttention-style kernel whose scores never
    /// reach memory (bytes = Q read + new K/V read + KV-cache read + output write).
    /// - Throws: `InputError` if a byte or FLOP count overflows `Int64`.
    static func kernels(of graph: Graph) throws -> [FP16Kernel] {
        try kernels(of: graph.nodes)
    }

    /// The kernels of a list of nodes in graph order (see `kernels(of:)`).
    static func kernels(of nodes: [GraphNode]) throws -> [FP16Kernel] {
        let precision = Precision.fp16Everywhere
        var kernels: [FP16Kernel] = []
        kernels.reserveCapacity(nodes.count)
        for (index, node) in nodes.enumerated() {
            defer { if !kernels.isEmpty { kernels[kernels.count - 1].node = index } }
            let tensorFLOPs = try Checked.multiply(2, try Checked.add(node.ternaryMACs, node.fullPrecisionMACs, "\(node.name) MACs"),
                                                   "\(node.name) FLOPs")
            switch node.operation {
            case .attentionScores(let a):
                let rows = a.queries * max(1, a.heads / max(1, a.kvHeads))
                let qRead = node.activationReadBytes(precision)
                let newKV = precision.kvBytes(try Checked.product([2, Int64(a.sequences), Int64(a.queries), Int64(a.kvHeads), Int64(a.headDim)],
                                                                  "\(node.name) new keys and values"))
                let cacheRead = node.kvCacheReadBytes(precision)
                kernels.append(FP16Kernel(
                    name: fusedName(node), category: node.category, layer: node.layer,
                    bytes: try Checked.add(try Checked.add(qRead, newKV, node.name), cacheRead, node.name),
                    tensorFLOPs: tensorFLOPs, vectorFLOPs: node.vectorOps, shape: .attention(rows: rows)))
            case .softmax, .attentionValues:
                guard var fused = kernels.last, fused.name == fusedName(node) else {
                    kernels.append(try standalone(node, precision, tensorFLOPs))
                    continue
                }
                fused.tensorFLOPs = try Checked.add(fused.tensorFLOPs, tensorFLOPs, fused.name)
                fused.vectorFLOPs = try Checked.add(fused.vectorFLOPs, node.vectorOps, fused.name)
                fused.bytes = try Checked.add(fused.bytes, node.kvCacheReadBytes(precision), fused.name)
                if case .attentionValues = node.operation {
                    fused.bytes = try Checked.add(fused.bytes, node.activationWriteBytes(precision), fused.name)
                }
                kernels[kernels.count - 1] = fused
            default:
                kernels.append(try standalone(node, precision, tensorFLOPs))
            }
        }
        return kernels
    }

    /// The fused attention kernel's name: the layer prefix plus `self_attn.flash_attention`.
    private static func fusedName(_ node: GraphNode) -> String {
        let prefix = node.layer.map { "model.layers.\($0)." } ?? ""
        return prefix + "self_attn.flash_attention"
    }

    private static func standalone(_ node: GraphNode, _ precision: Precision, _ tensorFLOPs: Int64) throws -> FP16Kernel {
        let bytes = try [node.weightBytes(precision), node.activationReadBytes(precision), node.activationWriteBytes(precision),
                         node.kvCacheReadBytes(precision), node.kvCacheWriteBytes(precision)]
            .reduce(Int64(0)) { try Checked.add($0, $1, "\(node.name) bytes") }
        let shape: Shape
        switch node.operation {
        case let .bitLinear(tokens, inFeatures, outFeatures), let .denseLinear(tokens, inFeatures, outFeatures, _):
            shape = .linear(m: tokens, k: inFeatures, n: outFeatures)
        case let .attentionScores(a), let .softmax(a), let .attentionValues(a):
            shape = .attention(rows: a.queries * max(1, a.heads / max(1, a.kvHeads)))
        default:
            shape = .elementwise
        }
        return FP16Kernel(name: node.name, category: node.category, layer: node.layer, bytes: bytes,
                          tensorFLOPs: tensorFLOPs, vectorFLOPs: node.vectorOps, shape: shape)
    }

    /// The node categories whose kernels `ElementwiseFusion.fused` chains.
    static let fusableCategories: Set<LayerCategory> = [.norm, .quantize, .residual, .ffnActivation]

    /// `kernels` (built from `nodes`, in order) with every chain of fusable elementwise kernels —
    /// each consuming the previous one's output — merged into one kernel (`ElementwiseFusion.fused`):
    /// one launch; the intermediate tensor is not read back, and not written either unless another
    /// node also reads it; FLOPs add up. The merged kernel keeps the first kernel's name (with the
    /// others' last name parts appended) and category.
    static func fusingElementwise(_ kernels: [FP16Kernel], nodes: [GraphNode]) -> [FP16Kernel] {
        let precision = Precision.fp16Everywhere
        var readers = [Int](repeating: 0, count: nodes.count)
        for node in nodes {
            for input in node.inputs where nodes.indices.contains(input) { readers[input] += 1 }
        }
        func fusable(_ kernel: FP16Kernel) -> Bool {
            if case .elementwise = kernel.shape { return fusableCategories.contains(kernel.category) }
            return false
        }
        var result: [FP16Kernel] = []
        result.reserveCapacity(kernels.count)
        for kernel in kernels {
            guard fusable(kernel), var chain = result.last, fusable(chain), nodes.indices.contains(kernel.node),
                  nodes.indices.contains(chain.node), nodes[kernel.node].inputs.contains(chain.node) else {
                result.append(kernel)
                continue
            }
            let intermediate = nodes[chain.node].activationWriteBytes(precision)
            let saved = readers[chain.node] > 1 ? intermediate : 2 * intermediate
            chain.bytes = max(0, chain.bytes &+ kernel.bytes &- saved)
            chain.tensorFLOPs &+= kernel.tensorFLOPs
            chain.vectorFLOPs &+= kernel.vectorFLOPs
            chain.name += "+" + (kernel.name.split(separator: ".").last.map(String.init) ?? kernel.name)
            chain.node = kernel.node
            result[result.count - 1] = chain
        }
        return result
    }
}
