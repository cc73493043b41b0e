import Foundation
import GPUBaseline
import Testing
import TritCore
import TritModel
import TritTestSupport

/// Issue 5, item 1: the GPU catalogue. Every file in `Configs/gpus/` loads with a source for every
/// datasheet (and interconnect) number, and the 7B FP16 model never runs faster than physics allows
/// on any catalogue GPU. Tests iterate over the catalogue's names, so a GPU added later is covered.
@Suite struct GPUCatalogueTests {
    /// The FP16 model of the roofline acceptance test (`Configs/models/llama-2-7b.json`).
    static let fp16ModelName = "llama-2-7b"

    /// Prompt length of the prefill step and context length of the decode step, in tokens.
    static let promptTokens = 512

    /// Catalogue GPUs that cannot hold the 7B FP16 model plus its KV cache. Such a GPU is checked on
    /// an idealised copy with enough memory (the bounds depend only on bandwidth and compute), and
    /// its refusal is checked too. Empty today: the smallest catalogue GPUs have 24 GB, and the 7B
    /// model needs 13.5 GB of FP16 weights + 0.27 GB of KV cache. A GPU added with less memory fails
    /// `fitsUnlessListed` until it is listed here, so nothing is skipped silently.
    static let gpusTooSmallForTheFP16Model: Set<String> = []

    @Test func catalogueListsTheSevenGPUs() {
        #expect(GPUTestFixtures.catalog.names() == [
            "a100-40gb-sxm", "a100-80gb-sxm", "h100-sxm", "h200-sxm", "jetson-agx-orin-64gb", "l4", "rtx-4090",
        ])
    }

    @Test(arguments: GPUTestFixtures.catalog.names())
    func loadsWithEverySourcedFieldSourced(_ name: String) throws {
        let gpu = try GPUTestFixtures.catalog.load(name)
        #expect(gpu.id == name)
        #expect(Set(GPUConfig.datasheetFields).isSubset(of: Set(gpu.sourcedFields)))
        for field in gpu.sourcedFields {
            #expect(!(gpu.sources[field] ?? "").isEmpty, "\(name): \(field) has no source")
        }
        // Interconnect sources exist exactly when the GPU has an interconnect.
        let linkSources = Set(gpu.sources.keys).intersection(GPUInterconnect.sourcedFields)
        #expect(linkSources == (gpu.interconnect == nil ? [] : Set(GPUInterconnect.sourcedFields)), "\(name)")
        if let link = gpu.interconnect { #expect(!link.name.isEmpty, "\(name)") }
        // Every source carries one of the project's tags, so [C]/[M]/[D]/[U] status is never implicit.
        // (Untagged sources of the first three files cite hw-anchors directly, whose rows carry the tag.)
        for field in gpu.sourcedFields {
            let source = gpu.sources[field] ?? ""
            let tagged = ["[C]", "[M]", "[D]", "[U]"].contains { source.contains($0) } || source.hasPrefix("docs/reference/hw-anchors.md")
            #expect(tagged, "\(name): sources.\(field) has no tag and no hw-anchors reference: \(source)")
        }
        #expect(!gpu.calibration.note.isEmpty)
    }

    /// Unmeasured GPUs reuse the H200 fit unchanged (issue 5: "the H200 fit unchanged").
    @Test(arguments: GPUTestFixtures.catalog.names())
    func unmeasuredGPUsReuseTheH200Fit(_ name: String) throws {
        let h200 = try GPUTestFixtures.catalog.load("h200-sxm")
        let gpu = try GPUTestFixtures.catalog.load(name)
        var reused = gpu.calibration
        reused.note = h200.calibration.note
        #expect(reused == h200.calibration, "\(name)")
    }

    @Test(arguments: GPUTestFixtures.catalog.names())
    func fitsUnlessListed(_ name: String) throws {
        let gpu = GPUModel(config: try GPUTestFixtures.catalog.load(name))
        let model = try GPUTestFixtures.model(Self.fp16ModelName)
        for graph in try Self.steps(model) {
            let fits = try gpu.memoryShortfall(graph) == nil
            #expect(fits == !Self.gpusTooSmallForTheFP16Model.contains(name), "\(name) \(graph.phase)")
        }
    }

    /// Decode (batch 1, context 512) and prefill (512 tokens) of the 7B FP16 model are never faster
    /// than the bytes they must read over the peak bandwidth, nor than the FLOPs they must do over
    /// the peak FP16 tensor rate. The minimal bytes and FLOPs are counted from the model config
    /// alone (not from the graph the GPU model times), and the graph's own counts must cover them.
    @Test(arguments: GPUTestFixtures.catalog.names())
    func fp16ModelRespectsRooflineBounds(_ name: String) throws {
        let config = try GPUTestFixtures.catalog.load(name)
        let gpu = GPUModel(config: config)
        let model = try GPUTestFixtures.model(Self.fp16ModelName)
        let tooSmall = Self.gpusTooSmallForTheFP16Model.contains(name)
        for graph in try Self.steps(model) {
            let minimum = Self.minimumWork(model, graph.phase)
            let bound = max(minimum.bytes / config.peakMemoryBandwidthBytesPerSecond, minimum.flops / config.peakFP16TensorFLOPS)
            for mode in ExecutionMode.allCases {
                let what = "\(name) \(Self.fp16ModelName) \(graph.phase) \(mode)"
                if tooSmall {
                    // Refused as it should be; the bounds are then checked on the idealised GPU.
                    #expect(throws: InputError.self, "\(what) should not fit") { try gpu.run(graph, mode: mode) }
                }
                let r = try gpu.run(graph, mode: mode, checkingMemory: !tooSmall)
                #expect(Double(r.bytes) >= minimum.bytes, "\(what): graph bytes below the weights it must read")
                #expect(Double(r.flops) >= minimum.flops, "\(what): graph FLOPs below the minimum")
                #expect(r.seconds >= bound, "\(what): \(r.seconds) s < roofline bound \(bound) s")
                switch graph.phase {
                case .decode:
                    #expect(r.seconds >= minimum.bytes / config.peakMemoryBandwidthBytesPerSecond, "\(what)")
                case .prefill:
                    #expect(r.seconds >= minimum.flops / config.peakFP16TensorFLOPS, "\(what)")
                }
            }
        }
    }

    // MARK: bad input for the new fields

    @Test func missingSourceOfANewDatasheetFieldNamesFileAndField() throws {
        for field in ["peakINT8TensorOPS", "l2CacheBytes", "boostClockHz"] {
            let url = try Self.h200Copy(named: "no-source-\(field).json", droppingLinePrefix: "    \"\(field)\": \"")
            Self.expectError(url, location: "sources.\(field)", mentioning: "a non-empty source for \(field)")
        }
    }

    @Test func missingInterconnectSourceNamesFileAndDottedField() throws {
        let url = try Self.h200Copy(named: "no-link-source.json", droppingLinePrefix: "    \"interconnect.latencySeconds\": \"")
        Self.expectError(url, location: "sources.interconnect.latencySeconds", mentioning: "a non-empty source")
    }

    @Test func interconnectSourceWithoutInterconnectIsRejected() throws {
        let text = try Self.text("jetson-agx-orin-64gb.json")
            .replacingOccurrences(of: "  \"sources\": {\n", with: "  \"sources\": {\n    \"interconnect.latencySeconds\": \"made up\",\n")
        #expect(text.contains("made up"), "fixture replacement failed")
        let url = try RepositoryPaths.temporaryFile(named: "orphan-link-source.json", contents: text)
        Self.expectError(url, location: "sources.interconnect.latencySeconds", mentioning: "no \"interconnect\" object")
    }

    @Test func negativeNewFieldsNameFileFieldAndRange() throws {
        let cases: [(from: String, to: String, location: String, range: String)] = [
            ("\"peakINT8TensorOPS\": 1.9789e15", "\"peakINT8TensorOPS\": -1.9789e15", "peakINT8TensorOPS", "operations/s in 1e+09...1e+18"),
            ("\"l2CacheBytes\": 62914560", "\"l2CacheBytes\": -62914560", "l2CacheBytes", "an integer in 1...1099511627776"),
            ("\"boostClockHz\": 1.98e9", "\"boostClockHz\": -1.98e9", "boostClockHz", "Hz in 1e+07...1e+10"),
            ("\"bandwidthBytesPerSecond\": 4.5e11", "\"bandwidthBytesPerSecond\": -4.5e11", "interconnect.bandwidthBytesPerSecond",
             "bytes/s per direction in 1e+06...1e+15"),
            ("\"latencySeconds\": 8.92e-06", "\"latencySeconds\": -8.92e-06", "interconnect.latencySeconds", "s in 1e-09...1"),
        ]
        for c in cases {
            let text = try GPUTestFixtures.h200Text().replacingOccurrences(of: c.from, with: c.to)
            #expect(text.contains(c.to), "fixture replacement failed for \(c.from)")
            let url = try RepositoryPaths.temporaryFile(named: "negative.json", contents: text)
            Self.expectError(url, location: c.location, mentioning: c.range)
        }
    }

    @Test func unknownKeyInInterconnectNamesFileAndDottedField() throws {
        let text = try GPUTestFixtures.h200Text()
            .replacingOccurrences(of: "\"latencySeconds\": 8.92e-06", with: "\"latencyMicroseconds\": 8.92")
        #expect(text.contains("latencyMicroseconds"), "fixture replacement failed")
        let url = try RepositoryPaths.temporaryFile(named: "link-typo.json", contents: text)
        Self.expectError(url, location: "interconnect.latencyMicroseconds", mentioning: "unknown field \"latencyMicroseconds\"")
    }

    @Test func missingNewFieldNamesFileAndField() throws {
        let url = try Self.h200Copy(named: "no-clock.json", droppingLinePrefix: "  \"boostClockHz\": ")
        Self.expectError(url, location: "boostClockHz", mentioning: "field missing")
    }

    @Test func interconnectMustBeAnObject() throws {
        let text = try Self.text("jetson-agx-orin-64gb.json")
            .replacingOccurrences(of: "  \"sources\": {\n", with: "  \"interconnect\": \"NVLink\",\n  \"sources\": {\n")
        #expect(text.contains("\"interconnect\": \"NVLink\""), "fixture replacement failed")
        let url = try RepositoryPaths.temporaryFile(named: "link-string.json", contents: text)
        Self.expectError(url, location: "interconnect", mentioning: "an object")
    }

    // MARK: helpers

    private static func steps(_ model: ModelConfig) throws -> [Graph] {
        [try Graph.decode(model, batch: 1, context: promptTokens), try Graph.prefill(model, tokens: promptTokens)]
    }

    /// The least a step must do on any hardware, from the model config alone: read every FP16 weight
    /// of the transformer blocks and the LM head once (the embedding table contributes only gathered
    /// rows, left out; so are norm weights), and do 2 FLOPs per multiply-accumulate of the block
    /// linears for every token, of causal attention (each query scores itself and every earlier or
    /// cached key, then weights as many values), and of the LM head for at least one token.
    private static func minimumWork(_ m: ModelConfig, _ phase: Phase) -> (bytes: Double, flops: Double) {
        let (hidden, layers) = (Double(m.hiddenSize), Double(m.layers))
        let blockLinearWeights = layers * hidden * (2 * Double(m.queryWidth) + 2 * Double(m.kvWidth) + 3 * Double(m.intermediateSize))
        let lmHeadWeights = Double(m.vocabSize) * hidden
        let bytes = Double(Precision.fp16Everywhere.fullPrecisionWeightBytes) * (blockLinearWeights + lmHeadWeights)
        let tokens: Double, scoredPairs: Double
        switch phase {
        case .prefill(let count):
            tokens = Double(count)
            scoredPairs = tokens * (tokens + 1) / 2
        case .decode(let batch, let context):
            tokens = Double(batch)
            scoredPairs = tokens * Double(context + 1)
        }
        // Scores (Q·K) and values (P·V): queryWidth MACs per scored pair each, per layer.
        let attentionMACs = layers * 2 * Double(m.queryWidth) * scoredPairs
        let flops = 2 * (tokens * blockLinearWeights + attentionMACs + lmHeadWeights)
        return (bytes, flops)
    }

    private static func text(_ file: String) throws -> String {
        try String(contentsOf: RepositoryPaths.gpus.appendingPathComponent(file), encoding: .utf8)
    }

    /// A copy of `h200-sxm.json` without the one line starting with `prefix`.
    private static func h200Copy(named name: String, droppingLinePrefix prefix: String) throws -> URL {
        let lines = try GPUTestFixtures.h200Text().split(separator: "\n", omittingEmptySubsequences: false)
        let kept = lines.filter { !$0.hasPrefix(prefix) }
        #expect(kept.count == lines.count - 1, "fixture: expected one line starting with \(prefix)")
        return try RepositoryPaths.temporaryFile(named: name, contents: kept.joined(separator: "\n"))
    }

    /// Loading `url` throws an `InputError` whose text names the file and `location`, and mentions `detail`.
    private static func expectError(_ url: URL, location: String, mentioning detail: String,
                                    sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try GPUConfig.load(file: url)
            Issue.record("\(url.lastPathComponent) loaded; expected an error at \(location)", sourceLocation: sourceLocation)
        } catch let error as InputError {
            #expect(error.source == url.path, sourceLocation: sourceLocation)
            #expect(error.location == location, "\(error)", sourceLocation: sourceLocation)
            #expect(String(describing: error).contains("\(url.path): \(location): expected"), sourceLocation: sourceLocation)
            #expect(String(describing: error).contains(detail), "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected InputError, got \(error)", sourceLocation: sourceLocation)
        }
    }
}
