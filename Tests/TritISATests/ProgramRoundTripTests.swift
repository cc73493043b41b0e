import Testing
import TritCore
import TritISA

/// Property tests: `.tasm` and `.tbin` both reproduce the in-memory program exactly.
@Suite struct ProgramRoundTripTests {
    @Test func randomProgramsRoundTripThroughBothEncodings() throws {
        var random = SplitMix64(seed: 0x7121_5150)
        var opcodes = Set<Opcode>(), streams = Set<DMAStream>(), vectorKinds = Set<VectorKind>()
        var matrixKinds = Set<MatrixKind>(), unitKinds = Set<UnitKind>(), accumulateFlags = Set<Bool>()
        var linkKinds = Set<LinkKind>(), vectorParameters = Set<Bool>()
        var instructionTotal = 0, waitTotal = 0
        for index in 0 ..< 200 {
            let program = RandomPrograms.program(&random)
            let text = program.assembly()
            let assembled = try Program.assemble(text, source: "random-\(index).tasm")
            #expect(assembled == program, "program \(index) via .tasm")
            let bytes = program.binary()
            #expect(bytes.count == 40 + program.units.reduce(0) { $0 + 5 + $1.name.utf8.count }
                + program.tags.reduce(0) { $0 + 4 + $1.utf8.count } + 112 * program.instructions.count + 4 * program.waitTokens.count)
            let decoded = try Program.decode(bytes, source: "random-\(index).tbin")
            #expect(decoded == program, "program \(index) via .tbin")
            #expect(decoded.assembly() == text, "program \(index): text of the decoded program")
            #expect(assembled.binary() == bytes, "program \(index): bytes of the assembled program")

            instructionTotal += program.instructions.count
            waitTotal += program.waitTokens.count
            unitKinds.formUnion(program.units.map(\.kind))
            for instruction in program.instructions {
                opcodes.insert(instruction.operation.opcode)
                switch instruction.operation {
                case let .dmaLoad(stream, _, _), let .dmaStore(stream, _, _): streams.insert(stream)
                case let .vector(kind, _, _, _, _, _, parameters):
                    vectorKinds.insert(kind)
                    vectorParameters.insert(parameters != .empty)
                case let .matrix(kind, _, _, _, _): matrixKinds.insert(kind)
                case let .ternaryTile(_, _, _, _, _, _, accumulate): accumulateFlags.insert(accumulate)
                case let .link(kind, _, _): linkKinds.insert(kind)
                }
            }
        }
        // The generator really covered every case.
        #expect(opcodes == Set(Opcode.allCases))
        #expect(streams == Set(DMAStream.allCases))
        #expect(vectorKinds == Set(VectorKind.allCases))
        #expect(matrixKinds == Set(MatrixKind.allCases))
        #expect(linkKinds == Set(LinkKind.allCases))
        #expect(unitKinds == Set(UnitKind.allCases))
        #expect(accumulateFlags == [false, true])
        #expect(vectorParameters == [false, true], "vector instructions with and without parameters")
        #expect(instructionTotal > 2000 && waitTotal > 1000)
    }

    @Test func everyEnumNameIsDistinctAndParsedBack() throws {
        #expect(Set(Opcode.allCases.map(\.mnemonic)).count == Opcode.allCases.count)
        #expect(Set(DMAStream.allCases.map(\.name)).count == DMAStream.allCases.count)
        #expect(Set(VectorKind.allCases.map(\.name)).count == VectorKind.allCases.count)
        #expect(Set(MatrixKind.allCases.map(\.name)).count == MatrixKind.allCases.count)
        #expect(Set(LinkKind.allCases.map(\.name)).count == LinkKind.allCases.count)
        #expect(Set(UnitKind.allCases.map(\.name)).count == UnitKind.allCases.count)
        #expect(Set(UnitKind.allCases.map(\.binaryCode)).count == UnitKind.allCases.count)
        for kind in UnitKind.allCases { #expect(UnitKind(binaryCode: kind.binaryCode) == kind) }

        let range = SRAMRange(base: 64, bytes: 128)
        var operations: [(Instruction.Operation, String)] = []
        for stream in DMAStream.allCases {
            operations.append((.dmaLoad(stream: stream, dram: DRAMRange(base: 1, bytes: 2), sram: range),
                               "dma.load stream=\(stream.name) dram=1+2 sram=64+128"))
            operations.append((.dmaStore(stream: stream, sram: range, dram: DRAMRange(base: 3, bytes: 4)),
                               "dma.store stream=\(stream.name) sram=64+128 dram=3+4"))
        }
        for accumulate in [false, true] {
            operations.append((.ternaryTile(rows: 1, columns: 2, tokens: 3, weights: range, input: range, accumulator: range,
                                            accumulate: accumulate),
                               "tile rows=1 columns=2 tokens=3 weights=64+128 input=64+128 accumulator=64+128 accumulate=\(accumulate)"))
        }
        for kind in VectorKind.allCases {
            operations.append((.vector(kind: kind, operations: 5, specialOps: 6, input: range, output: range),
                               "vector.\(kind.name) operations=5 special_ops=6 input=64+128 output=64+128"))
        }
        // The optional operands, written after `output` in this order, only when non-empty.
        let other = SRAMRange(base: 9, bytes: 10)
        operations.append((.vector(kind: .rmsNorm, operations: 5, specialOps: 6, input: range, output: range, parameters: other),
                           "vector.rms_norm operations=5 special_ops=6 input=64+128 output=64+128 params=9+10"))
        operations.append((.vector(kind: .dequantize, operations: 5, specialOps: 6, input: range, output: range, input2: range,
                                   parameters: other),
                           "vector.dequantize operations=5 special_ops=6 input=64+128 output=64+128 input2=64+128 params=9+10"))
        for kind in MatrixKind.allCases {
            operations.append((.matrix(kind: kind, macs: 7, input: range, output: range),
                               "matrix.\(kind.name) macs=7 input=64+128 output=64+128"))
        }
        for kind in LinkKind.allCases {
            operations.append((.link(kind: kind, chips: 8, data: range), "link.\(kind.name) chips=8 data=64+128"))
        }
        for kind in UnitKind.allCases {
            for (operation, line) in operations {
                var builder = ProgramBuilder(units: [UnitDescriptor(kind: kind, name: "u")], tags: ["t"])
                builder.emit(operation, on: 0, tag: 0, waits: [])
                let program = builder.build()
                let text = program.assembly()
                #expect(text == ".tritsim-asm 1\n.unit u \(kind.name)\n.tag t\n.tokens 1\nu \(line) tag=t signal=0\n")
                #expect(try Program.assemble(text, source: "t.tasm") == program)
                #expect(try Program.decode(program.binary(), source: "t.tbin") == program)
            }
        }
    }

    /// The example in `Program+Assembly.swift`'s doc comment, verbatim.
    static let documentedExample = """
        .tritsim-asm 1                ; header: format version 1, first non-blank line
        .unit dma.weights dma         ; units in UnitID order: name, kind
        .unit array.0 ternary_array
        .unit vector vector
        .unit attention attention
        .tag ffn                      ; tags in order (Instruction.tag 0, 1, …)
        .tag attention
        .tokens 3                     ; token count: token IDs are 0 ..< 3
        dma.weights dma.load stream=ternary_weights dram=0+4096 sram=0+4096 tag=ffn signal=0
        array.0 tile rows=128 columns=128 tokens=1 weights=0+4096 input=4096+128 accumulator=8192+512 accumulate=false tag=ffn wait=0 signal=1
        vector vector.rms_norm operations=2560 special_ops=1 input=8192+512 output=12288+2560 tag=ffn wait=1 signal=2
        attention matrix.scores macs=65536 input=0+1024 output=2048+256 tag=attention wait=0,2

        """

    @Test func documentedExampleAssemblesAndPrintsBackWithoutComments() throws {
        let program = try Program.assemble(Self.documentedExample, source: "example.tasm")
        #expect(program.units.map(\.kind) == [.dma, .ternaryArray, .vector, .attention])
        #expect(program.tags == ["ffn", "attention"])
        #expect(program.tokenCount == 3)
        #expect(program.waitTokens == [0, 1, 0, 2])
        #expect(program.instructions.map(\.waitStart) == [0, 0, 1, 2])
        #expect(program.instructions.map(\.signal) == [0, 1, 2, -1])
        let stripped = Self.documentedExample.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            String(line.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]).trimmingSuffixSpaces()
        }.joined(separator: "\n")
        #expect(program.assembly() == stripped)
    }

    @Test func namesThatNeedQuotesAreQuotedAndReadBack() throws {
        let names = ["", "with space", "quote\"d", "back\\slash", "tab\there", "ctl\u{1}\u{7F}", "émoji😀", ".leading",
                     "semi;colon", "a=b,c+d", "new\nline", "\u{10FFFF}"]
        let program = Program(units: names.map { UnitDescriptor(kind: .vector, name: $0) }, instructions: [], waitTokens: [],
                              tokenCount: 0, tags: names)
        let text = program.assembly()
        #expect(text.contains(#".unit "" vector"#))
        #expect(text.contains(#".tag "ctl\u{1}\u{7F}""#))
        #expect(text.contains(#".tag "new\u{A}line""#))
        #expect(text.contains(#".tag ".leading""#))
        #expect(text.split(separator: "\n").count == 2 + 2 * names.count)
        #expect(try Program.assemble(text, source: "q.tasm") == program)
        #expect(try Program.decode(program.binary(), source: "q.tbin") == program)
    }

    @Test func assemblerAcceptsCommentsBlankLinesCRLFAndAnyOperandOrder() throws {
        let text = "; leading comment\r\n\r\n  .tritsim-asm 1\r\n.unit \"d 0\" dma ; the only unit\r\n.tag x\r\n.tokens 2\r\n"
            + "\"d 0\"\tdma.load signal=1 tag=x sram=5+6 dram=007+8 stream=activations ; trailing\r\n"
            + "\"d 0\" dma.store wait=1,1 stream=kv_cache dram=0+0 sram=0+0 tag=\"x\"\n"
        let program = try Program.assemble(text, source: "c.tasm")
        #expect(program.units == [UnitDescriptor(kind: .dma, name: "d 0")])
        #expect(program.instructions[0].operation == .dmaLoad(stream: .activations, dram: DRAMRange(base: 7, bytes: 8),
                                                              sram: SRAMRange(base: 5, bytes: 6)))
        #expect(program.instructions[0].signal == 1)
        #expect(program.instructions[1].signal == -1)
        #expect(program.waitTokens == [1, 1])
        #expect(program.instructions[1].waitStart == 0 && program.instructions[1].waitCount == 2)
    }

    @Test func emptyProgramRoundTrips() throws {
        let program = Program(units: [], instructions: [], waitTokens: [], tokenCount: 0, tags: [])
        #expect(program.assembly() == ".tritsim-asm 1\n.tokens 0\n")
        #expect(try Program.assemble(program.assembly(), source: "e.tasm") == program)
        #expect(program.binary().count == 40)
        #expect(try Program.decode(program.binary(), source: "e.tbin") == program)
    }
}

extension String {
    func trimmingSuffixSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
