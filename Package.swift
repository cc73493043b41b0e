// swift-tools-version:6.0
// tritsim: a cycle-approximate simulator of a ternary (BitNet b1.58) LLM inference chip,
// compared side by side with a modelled FP16 GPU. No package dependencies (see README).
import PackageDescription

let package = Package(
    name: "tritsim",
    products: [
        .executable(name: "tritsim", targets: ["tritsim"]),
        .library(name: "TritCLI", targets: ["TritCLI"]),
    ],
    targets: [
        // Shared plumbing with no domain knowledge: typed input errors, a strict JSON reader
        // and a deterministic JSON writer, atomic file output.
        .target(name: "TritCore", exclude: ["README.md"]),
        // Model configs and the operator graph of one transformer step. Knows no hardware.
        .target(name: "TritModel", dependencies: ["TritCore"], exclude: ["README.md"]),
        // The chip's instruction set. Knows no models and no timing.
        .target(name: "TritISA", dependencies: ["TritCore"], exclude: ["README.md"]),
        // Chip description, technology tables, energy function. Knows no programs.
        .target(name: "TritChip", dependencies: ["TritCore"], exclude: ["README.md"]),
        // Lowering a graph onto a chip: tiling, SRAM allocation, DMA double buffering.
        .target(name: "TritCompiler", dependencies: ["TritModel", "TritISA", "TritChip"], exclude: ["README.md"]),
        // Event-driven cycle-approximate execution of a program.
        .target(name: "TritSim", dependencies: ["TritISA", "TritChip"], exclude: ["README.md"]),
        // The FP16 GPU baseline: per-kernel time and energy for the same graph.
        .target(name: "GPUBaseline", dependencies: ["TritCore", "TritModel"], exclude: ["README.md"]),
        // Model files: safetensors (single or sharded) and GGUF v3 readers, and the model a file
        // describes. Knows no hardware.
        .target(name: "TritWeights", dependencies: ["TritCore", "TritModel"], exclude: ["README.md"]),
        // The plain reference forward pass of BitNet b1.58 (fp32 + int8 × ternary with int32 sums)
        // that the chip's functional execution is checked against. Knows no hardware.
        .target(name: "TritReference", dependencies: ["TritCore", "TritModel"], exclude: ["README.md"]),
        // Functional mode's building blocks: a sparse memory that tracks how each byte was written,
        // and the exact int8 × ternary tile kernel. Knows no timing.
        .target(name: "TritFunctional", dependencies: ["TritCore", "TritChip", "TritISA", "TritModel", "TritCompiler", "TritReference", "TritWeights"],
                exclude: ["README.md"]),
        // Tables, CSV, JSON, Markdown. Knows nothing of how numbers were made.
        .target(name: "TritReport", dependencies: ["TritCore"], exclude: ["README.md"]),
        // The command line: parse arguments, call the libraries, print, exit codes.
        .target(name: "TritCLI", dependencies: [
            "TritCore", "TritModel", "TritISA", "TritChip", "TritCompiler", "TritSim", "GPUBaseline", "TritReport", "TritWeights",
            "TritReference", "TritFunctional",
        ], exclude: ["README.md"]),
        .executableTarget(name: "tritsim", dependencies: ["TritCLI"]),

        // Test helpers shared by the test targets: repository paths and the model-file fixture
        // generator (`WeightFixtures`, which writes `Tests/Fixtures/weights/`).
        .target(name: "TritTestSupport", dependencies: ["TritCore", "TritWeights"], path: "Tests/TritTestSupport"),
        .testTarget(name: "TritCoreTests", dependencies: ["TritCore", "TritTestSupport"]),
        .testTarget(name: "TritModelTests", dependencies: ["TritModel", "TritTestSupport"]),
        .testTarget(name: "TritWeightsTests", dependencies: ["TritWeights", "TritModel", "TritCore", "TritTestSupport"]),
        .testTarget(name: "TritChipTests", dependencies: ["TritChip", "TritCore", "TritTestSupport"]),
        .testTarget(name: "TritCompilerTests", dependencies: [
            "TritCompiler", "TritModel", "TritChip", "TritISA", "TritTestSupport",
        ]),
        .testTarget(name: "TritSimTests", dependencies: [
            "TritSim", "TritCompiler", "TritModel", "TritChip", "TritISA", "TritTestSupport",
        ]),
        .testTarget(name: "GPUBaselineTests", dependencies: ["GPUBaseline", "TritModel", "TritTestSupport"]),
        .testTarget(name: "TritReportTests", dependencies: ["TritReport", "TritTestSupport"]),
        .testTarget(name: "TritCLITests", dependencies: ["TritCLI", "GPUBaseline", "TritTestSupport"]),
        .testTarget(name: "TritReferenceTests", dependencies: ["TritReference", "TritModel", "TritCore", "TritTestSupport"]),
        .testTarget(name: "TritISATests", dependencies: ["TritISA", "TritCore", "TritTestSupport"]),
        .testTarget(name: "TritFunctionalTests", dependencies: [
            "TritFunctional", "TritChip", "TritCore", "TritReference", "TritModel", "TritCompiler", "TritISA", "TritWeights", "TritTestSupport",
        ]),
    ]
)
