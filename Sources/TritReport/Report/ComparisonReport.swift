import TritCore

/// A complete chip-versus-GPU comparison, ready to print or write as `report.md`, `summary.json`
/// and `layers.csv`.
///
/// The report is a plain value: it formats the numbers it is given and derives only ratios and
/// shares from them. Every rendering is deterministic — the same report gives the same bytes.
/// Renderings live in facet files: `+Terminal`, `+Markdown`, `+JSON`, `+CSV`, `+Write`.
public struct ComparisonReport: Sendable {
    /// Headline of the report, e.g. `"BitNet b1.58 2B4T: ternary chip vs FP16 GPU"`.
    public var title: String
    /// Short name of the model (used in `folderName`, so it should be a file-name-safe stem).
    public var modelName: String
    /// Short name of the chip configuration (used in `folderName`).
    public var chipName: String
    /// Short name of the GPU configuration (used in `folderName`; for several GPUs it should say
    /// so, e.g. `a100-80gb-sxm-tp2`).
    public var gpuName: String
    /// GPUs on the GPU side (several split the model by tensor parallelism); 1 for one GPU.
    public var gpuCount: Int
    /// Run settings shown in the header, in display order (`("prompt tokens", "512")`, …).
    public var settings: [(key: String, value: String)]
    /// One comparison per phase, in display order (normally prefill, then decode).
    public var phases: [PhaseComparison]
    /// Per-layer-category rows, in display order.
    public var layers: [LayerRow]
    /// Modelling assumptions and caveats, printed under the tables.
    public var notes: [String]
    /// The fully resolved configurations (model, chip, GPU, technology, …) by name, embedded in
    /// `summary.json` so a run can be reproduced.
    public var resolvedConfigs: [String: JSONOutput]
    /// For a multi-chip system, per phase and per group of chips running the same program: SRAM
    /// high-water, off-chip and link bytes. Empty for a single chip (and then not rendered).
    public var chipUsage: [ChipUsageRow]

    /// Creates a report; see the properties.
    public init(title: String, modelName: String, chipName: String, gpuName: String,
                settings: [(key: String, value: String)], phases: [PhaseComparison], layers: [LayerRow],
                notes: [String], resolvedConfigs: [String: JSONOutput], chipUsage: [ChipUsageRow] = [], gpuCount: Int = 1) {
        self.title = title
        self.modelName = modelName
        self.chipName = chipName
        self.gpuName = gpuName
        self.gpuCount = gpuCount
        self.settings = settings
        self.phases = phases
        self.layers = layers
        self.notes = notes
        self.resolvedConfigs = resolvedConfigs
        self.chipUsage = chipUsage
    }

    /// The report's folder name inside the output folder: `<model>__<chip>__<gpu>`.
    public var folderName: String { Self.folderName(modelName: modelName, chipName: chipName, gpuName: gpuName) }

    /// `<model>__<chip>__<gpu>`: the report folder of a run, known before the run is simulated.
    public static func folderName(modelName: String, chipName: String, gpuName: String) -> String {
        "\(modelName)__\(chipName)__\(gpuName)"
    }
}
