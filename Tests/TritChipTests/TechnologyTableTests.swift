import Foundation
import Testing
import TritChip
import TritCore
import TritTestSupport

@Suite struct TechnologyTableTests {
    /// BitNet b1.58 (arXiv 2402.17764): "71.4 times" arithmetic energy saving at 7 nm
    /// = (FP16 add 0.16 + FP16 mul 0.34) / INT8 add 0.007.
    @Test func sevenNanometreTableReproducesThePublished71Point4xRatio() throws {
        let table = try TechnologyTable.load(file: RepositoryPaths.technology.appendingPathComponent("7nm.json"))
        #expect(abs(table.fp16ToTernaryArithmeticEnergyRatio - 71.4) < 0.05)
    }

    /// Horowitz ISSCC 2014 at 45 nm: FP16 add 0.4 + mul 1.1 over INT8 add 0.03 = 50×.
    @Test func fortyFiveNanometreTableIsHorowitz() throws {
        let table = try TechnologyTable.load(file: RepositoryPaths.technology.appendingPathComponent("45nm.json"))
        #expect(abs(table.fp16ToTernaryArithmeticEnergyRatio - 50) < 1e-9)
        #expect(table.int32AddPicojoules == 0.1)
    }

    @Test func everyFieldOfEveryTableHasASource() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: RepositoryPaths.technology.path).filter { $0.hasSuffix(".json") }
        #expect(files.count >= 2)
        for file in files {
            let table = try TechnologyTable.load(file: RepositoryPaths.technology.appendingPathComponent(file))
            let fields = ["int8AddPicojoules", "int8MultiplyPicojoules", "int32AddPicojoules", "fp16AddPicojoules",
                          "fp16MultiplyPicojoules", "fp32AddPicojoules", "fp32MultiplyPicojoules", "specialFunctionPicojoules", "weightUnpackPicojoulesPerWeight", "lutLookupPicojoules",
                          "sramReadPicojoulesPerByte", "sramWritePicojoulesPerByte"]
            for field in fields { #expect(!(table.sources[field] ?? "").isEmpty, "\(file): \(field)") }
        }
    }

    @Test func negativeEnergyIsRefusedWithItsField() throws {
        let text = try String(contentsOf: RepositoryPaths.technology.appendingPathComponent("7nm.json"), encoding: .utf8)
            .replacingOccurrences(of: "\"int8AddPicojoules\": 0.007", with: "\"int8AddPicojoules\": -0.007")
        let url = try RepositoryPaths.temporaryFile(named: "7nm.json", contents: text)
        do {
            _ = try TechnologyTable.load(file: url)
            Issue.record("accepted a negative energy")
        } catch let error as InputError {
            #expect(error.location == "int8AddPicojoules")
            #expect(error.source == url.path)
        }
    }

    @Test func aTableMustBeNamedAfterItsNode() throws {
        let text = try String(contentsOf: RepositoryPaths.technology.appendingPathComponent("7nm.json"), encoding: .utf8)
        let url = try RepositoryPaths.temporaryFile(named: "5nm.json", contents: text)
        #expect(throws: InputError.self) { try TechnologyTable.load(file: url) }
    }
}
