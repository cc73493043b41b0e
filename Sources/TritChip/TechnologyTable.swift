import Foundation
import TritCore

/// Energy per action at one process node, in picojoules, read from `Configs/technology/<node>.json`.
///
/// Every number carries a source in the JSON's `sources` object. The BitNet papers' 7 nm values
/// (FP16 add 0.16, mul 0.34; INT8 add 0.007 pJ) give the published 71.4× arithmetic-energy ratio
/// (0.16 + 0.34) / 0.007 (BitNet b1.58, arXiv 2402.17764; BitNet arXiv 2310.11453 Table 2).
public struct TechnologyTable: Equatable, Sendable {
    /// Node name, e.g. `7nm`.
    public var node: String
    /// INT8 add (pJ): the cost of one ternary add/subtract in the adder tree.
    public var int8AddPicojoules: Double
    /// INT8 multiply (pJ).
    public var int8MultiplyPicojoules: Double
    /// INT32 add (pJ): partial-sum accumulation.
    public var int32AddPicojoules: Double
    /// FP16 add (pJ).
    public var fp16AddPicojoules: Double
    /// FP16 multiply (pJ).
    public var fp16MultiplyPicojoules: Double
    /// FP32 add (pJ).
    public var fp32AddPicojoules: Double
    /// FP32 multiply (pJ).
    public var fp32MultiplyPicojoules: Double
    /// One special-function evaluation (exp, rsqrt, sin/cos) on the vector unit (pJ).
    public var specialFunctionPicojoules: Double
    /// Energy to decode one weight from a multi-trit code (TL2, base-3) in the unpack stage (pJ).
    public var weightUnpackPicojoulesPerWeight: Double
    /// Energy of one table lookup in the `lut` datapath (pJ): a column selects one entry (≤ 10 bits)
    /// of its group's broadcast table and passes it, with its sign, to the accumulating add (which
    /// is priced separately as an INT8 add). See `LUTDatapath`.
    public var lutLookupPicojoules: Double
    /// SRAM read energy per byte (pJ/B).
    public var sramReadPicojoulesPerByte: Double
    /// SRAM write energy per byte (pJ/B).
    public var sramWritePicojoulesPerByte: Double
    /// Field → source text, as written in the JSON.
    public var sources: [String: String]

    static let fields = ["node", "int8AddPicojoules", "int8MultiplyPicojoules", "int32AddPicojoules",
                         "fp16AddPicojoules", "fp16MultiplyPicojoules", "fp32AddPicojoules", "fp32MultiplyPicojoules",
                         "specialFunctionPicojoules", "weightUnpackPicojoulesPerWeight", "lutLookupPicojoules",
                         "sramReadPicojoulesPerByte", "sramWritePicojoulesPerByte", "sources", "notes"]

    /// Loads a technology table.
    /// - Throws: `InputError` naming the file and field for a missing file, bad JSON, an unknown
    ///   field, a `node` other than the file's name, or an energy outside 0.0001...10000 pJ.
    public static func load(file url: URL) throws -> TechnologyTable {
        let json = try JSONObjectReader.load(file: url)
        try json.rejectUnknownKeys(fields)
        let stem = url.deletingPathExtension().lastPathComponent
        let node = try json.string("node")
        guard node == stem else {
            throw json.error("node", expected: "the file's own name \"\(stem)\" (chips name tables by file)", found: "\"\(node)\"")
        }
        // Energies from 0.0001 pJ to 10 nJ per action cover every node and memory ever tabulated.
        func energy(_ key: String) throws -> Double {
            try json.double(key, in: 1e-4...1e4, describing: "pJ in 0.0001...10000")
        }
        var sources: [String: String] = [:]
        if json.contains("sources") {
            let s = try json.object("sources")
            for key in s.keys { sources[key] = try s.string(key) }
        }
        return TechnologyTable(
            node: node,
            int8AddPicojoules: try energy("int8AddPicojoules"),
            int8MultiplyPicojoules: try energy("int8MultiplyPicojoules"),
            int32AddPicojoules: try energy("int32AddPicojoules"),
            fp16AddPicojoules: try energy("fp16AddPicojoules"),
            fp16MultiplyPicojoules: try energy("fp16MultiplyPicojoules"),
            fp32AddPicojoules: try energy("fp32AddPicojoules"),
            fp32MultiplyPicojoules: try energy("fp32MultiplyPicojoules"),
            specialFunctionPicojoules: try energy("specialFunctionPicojoules"),
            weightUnpackPicojoulesPerWeight: try energy("weightUnpackPicojoulesPerWeight"),
            lutLookupPicojoules: try energy("lutLookupPicojoules"),
            sramReadPicojoulesPerByte: try energy("sramReadPicojoulesPerByte"),
            sramWritePicojoulesPerByte: try energy("sramWritePicojoulesPerByte"),
            sources: sources)
    }

    /// Energy of one FP16 multiply-accumulate (mul + add), pJ.
    public var fp16MACPicojoules: Double { fp16AddPicojoules + fp16MultiplyPicojoules }

    /// Arithmetic energy of an FP16 MAC over a ternary (INT8 add) MAC: the BitNet b1.58 paper's
    /// 71.4× at 7 nm. Source: arXiv 2402.17764 §3, with the energy model of Horowitz ISSCC 2014
    /// and PokeBNN (CVPR 2022).
    public var fp16ToTernaryArithmeticEnergyRatio: Double { fp16MACPicojoules / int8AddPicojoules }
}
