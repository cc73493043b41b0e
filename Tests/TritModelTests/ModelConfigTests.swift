import Foundation
import Testing
import TritCore
import TritModel
import TritTestSupport

@Suite struct ModelConfigTests {
    @Test func readsTheReal2B4TConfig() throws {
        let model = try ModelCatalog(folder: RepositoryPaths.models).load("bitnet-b1.58-2B-4T")
        #expect(model.hiddenSize == 2560)
        #expect(model.intermediateSize == 6912)
        #expect(model.layers == 30)
        #expect(model.attentionHeads == 20)
        #expect(model.kvHeads == 5)
        #expect(model.headDim == 128)
        #expect(model.vocabSize == 128256)
        #expect(model.tieWordEmbeddings)
        #expect(model.activation == .relu2)
        #expect(model.ropeTheta == 500000)
        #expect(model.maxPositionEmbeddings == 4096)
        #expect(model.rmsNormEps == 1e-5)
        #expect(model.subNorms)
    }

    @Test func llamaConversionsHaveNoSubNormsAndUntiedHeads() throws {
        let catalog = ModelCatalog(folder: RepositoryPaths.models)
        let llama = try catalog.load("Llama3-8B")
        #expect(!llama.subNorms)
        #expect(!llama.tieWordEmbeddings)
        #expect(llama.queriesPerKVHead == 4)
        let falcon = try catalog.load("falcon3-7b")
        #expect(falcon.headDim == 256)
        #expect(falcon.activation == .silu)
    }

    private func load(_ json: String) throws -> ModelConfig {
        try ModelConfig.load(huggingFace: try RepositoryPaths.temporaryFile(named: "config.json", contents: json))
    }

    private let valid = """
    {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
     "num_key_value_heads": 2, "vocab_size": 100, "hidden_act": "silu"}
    """

    /// A Hugging Face folder's config.json, given by path, is named after its folder.
    @Test func aConfigJSONPathIsNamedAfterItsFolder() throws {
        let folder = try RepositoryPaths.temporaryFolder("tritsim-named").appendingPathComponent("my-bitnet")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let path = folder.appendingPathComponent("config.json")
        try valid.write(to: path, atomically: true, encoding: .utf8)
        #expect(try ModelCatalog(folder: RepositoryPaths.models).load(path.path).name == "my-bitnet")
        let other = folder.appendingPathComponent("small.json")
        try valid.write(to: other, atomically: true, encoding: .utf8)
        #expect(try ModelCatalog(folder: RepositoryPaths.models).load(other.path).name == "small")
    }

    @Test func appliesTransformersDefaults() throws {
        let model = try load(valid)
        #expect(model.headDim == 16)
        #expect(model.ropeTheta == 10000)
        #expect(model.name == "config")
    }

    @Test(arguments: [
        ("\"hidden_size\": 64", "\"hidden_size\": -64", "hidden_size"),
        ("\"hidden_size\": 64", "\"hidden_size\": 0", "hidden_size"),
        ("\"num_hidden_layers\": 2, ", "", "num_hidden_layers"),
        ("\"silu\"", "\"gelu\"", "hidden_act"),
        ("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3", "num_key_value_heads"),
        ("\"vocab_size\": 100", "\"vocab_size\": \"100\"", "vocab_size"),
        ("\"vocab_size\": 100", "\"vocab_size\": 1.5", "vocab_size"),
    ])
    func badFieldsAreNamed(original: String, replacement: String, field: String) throws {
        let text = valid.replacingOccurrences(of: original, with: replacement)
        #expect(text != valid)
        do {
            _ = try load(text)
            Issue.record("accepted a config with a bad \(field)")
        } catch let error as InputError {
            #expect(error.location == field)
            #expect(error.source.hasSuffix("config.json"))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func missingFileAndBadJSONAreReported() throws {
        do {
            _ = try ModelConfig.load(huggingFace: URL(fileURLWithPath: "/nonexistent/config.json"))
            Issue.record("loaded a missing file")
        } catch let error as InputError {
            #expect(error.source == "/nonexistent/config.json")
            #expect(error.found == "no such file")
        }
        do {
            _ = try load("{\"hidden_size\": 64,, }")
            Issue.record("parsed bad JSON")
        } catch let error as InputError {
            #expect(error.location == "line 1, column 20")
        }
    }

    @Test func unknownAndAmbiguousNamesAreErrors() throws {
        let catalog = ModelCatalog(folder: RepositoryPaths.models)
        do {
            _ = try catalog.load("gpt-5")
            Issue.record("loaded an unknown model")
        } catch let error as InputError {
            #expect(error.source == "command line")
            #expect(error.location == "--model")
            #expect(error.expected.contains("bitnet-b1.58-2B-4T"))
        }
        do {
            _ = try catalog.load("falcon3")
            Issue.record("loaded an ambiguous model")
        } catch let error as InputError {
            #expect(error.found.contains("Falcon3-10B-Base-1.58bit"))
        }
    }
}
