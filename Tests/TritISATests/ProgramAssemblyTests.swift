import Testing
import TritCore
import TritISA

/// `.tasm` errors: each names the file, line and column (columns in Unicode scalars from 1).
@Suite struct ProgramAssemblyTests {
    static let line7 = "dma.0 dma.load stream=kv_cache dram=0+64 sram=0+64 tag=ffn signal=0"
    static let line8 = "array.0 tile rows=1 columns=1 tokens=1 weights=0+1 input=0+1 accumulator=0+4 accumulate=true tag=ffn wait=0 signal=1"
    static let base = [".tritsim-asm 1", ".unit dma.0 dma", ".unit array.0 ternary_array", ".tag ffn", ".tag \"é\"", ".tokens 2",
                       line7, line8]

    /// `base` with line `number` (1-based) replaced by `line`.
    static func text(replacing number: Int, with line: String) -> String {
        var lines = base
        lines[number - 1] = line
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func baseTextAssembles() throws {
        let program = try Program.assemble(Self.base.joined(separator: "\n"), source: "base.tasm")
        #expect(program.instructions.count == 2)
        #expect(program.tags == ["ffn", "é"])
    }

    // Expected columns counted by hand against `line7` / `line8` (1-based, each character one column).
    @Test(arguments: [
        // bad mnemonic: points at the mnemonic
        (7, line7.replacing("dma.load", with: "dma.lod"), "line 7, column 7", "dma.lod"),
        // unknown unit: the first field
        (7, line7.replacing("dma.0", with: "dma.9"), "line 7, column 1", "dma.9"),
        // wait on a token beyond `.tokens 2`: the `5` of `wait=0,5`
        (8, line8.replacing("wait=0", with: "wait=0,5"), "line 8, column 109", "`5`"),
        // malformed number: the `x` of `0+6x4`
        (7, line7.replacing("dram=0+64", with: "dram=0+6x4"), "line 7, column 40", "6x4"),
        // token 0 signalled again (line 7 signalled it): the value after `signal=`
        (8, line8.replacing("signal=1", with: "signal=0"), "line 8, column 116", "line 7"),
        // undeclared tag: the value after `tag=`
        (7, line7.replacing("tag=ffn", with: "tag=attn"), "line 7, column 56", "attn"),
        // negative size: the `-`
        (7, line7.replacing("sram=0+64", with: "sram=0+-64"), "line 7, column 49", "negative"),
        // rows beyond Int32: the value
        (8, line8.replacing("rows=1", with: "rows=2147483648"), "line 8, column 19", "2147483648"),
        // base beyond Int64: the value
        (7, line7.replacing("dram=0+64", with: "dram=99999999999999999999+64"), "line 7, column 37", "99999999999999999999"),
        // missing operand: the mnemonic
        (8, line8.replacing(" columns=1", with: ""), "line 8, column 9", "none"),
        // repeated operand: the second `rows=`
        (8, line8.replacing("tokens=1", with: "tokens=1 rows=2"), "line 8, column 40", "rows"),
        // operand of another mnemonic
        (7, line7.replacing("signal=0", with: "macs=4 signal=0"), "line 7, column 60", "macs"),
        // range without `+`
        (7, line7.replacing("sram=0+64", with: "sram=64"), "line 7, column 47", "64"),
        (8, line8.replacing("accumulate=true", with: "accumulate=yes"), "line 8, column 89", "yes"),
        (7, line7.replacing("kv_cache", with: "kv"), "line 7, column 23", "kv"),
        // unterminated quote: the opening quote
        (7, line7.replacing("tag=ffn", with: "tag=\"ffn"), "line 7, column 56", "end of the line"),
        // columns count characters, not bytes: `"é"` is three columns
        (7, line7.replacing("tag=ffn signal=0", with: "tag=\"é\" signal=0x"), "line 7, column 68", "0x"),
        (2, ".foo 1", "line 2, column 1", ".foo"),
        (6, ".tokens 2147483649", "line 6, column 9", "2147483649"),
        (4, ".tag \"é\"", "line 5, column 6", "\"é\""),
        (3, ".unit array.0 systolic", "line 3, column 15", "systolic"),
        (1, ".tritsim-asm 2", "line 1, column 14", "2"),
        (1, "; no header", "line 2, column 1", ".unit"),
        (8, "\(line8) extra", "line 8, column 118", "extra"),
    ])
    func errorsCarryLineAndColumn(line: Int, replacement: String, location: String, found: String) {
        let text = Self.text(replacing: line, with: replacement)
        do {
            _ = try Program.assemble(text, source: "broken.tasm")
            Issue.record("assembled: \(replacement)")
        } catch let error as InputError {
            #expect(error.source == "broken.tasm")
            #expect(error.location == location, "\(error)")
            #expect(error.found.contains(found), "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    /// A vector's optional `params=` range is read like `input2=`: the same errors, at its value.
    @Test(arguments: [
        ("params=64", "line 6, column 74", "params as `base+bytes`", "64"),
        ("params= ", "line 6, column 74", "params as `base+bytes`", "``"),
        ("params=0+-8", "line 6, column 76", "a byte count ≥ 0", "negative"),
        ("params=0+8x", "line 6, column 77", "a byte count (decimal digits)", "8x"),
        ("params=99999999999999999999+8", "line 6, column 74", "a byte address ≤", "99999999999999999999"),
        ("params=0+8 params=0+8", "line 6, column 78", "each operand once", "a second `params=`"),
    ])
    func malformedParamsAreErrors(operand: String, location: String, expected: String, found: String) {
        let text = [".tritsim-asm 1", ".unit v vector", ".unit m attention", ".tag t", ".tokens 0",
                    "v vector.rms_norm operations=1 special_ops=0 input=0+8 output=8+8 \(operand) tag=t"].joined(separator: "\n")
        do {
            _ = try Program.assemble(text, source: "p.tasm")
            Issue.record("assembled: \(operand)")
        } catch let error as InputError {
            #expect(error.location == location, "\(error)")
            #expect(error.expected.contains(expected), "\(error)")
            #expect(error.found.contains(found), "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    /// `params` belongs to vector instructions only.
    @Test func paramsOnAMatrixInstructionIsAnError() {
        let text = ".tritsim-asm 1\n.unit m attention\n.tag t\n.tokens 0\nm matrix.scores macs=1 input=0+8 output=8+8 params=0+8 tag=t\n"
        #expect(throws: InputError(source: "p.tasm", location: "line 5, column 45",
                                   expected: "an operand of matrix.scores (macs, input, output, input2, tag, wait, signal)",
                                   found: "`params`")) {
            try Program.assemble(text, source: "p.tasm")
        }
    }

    @Test func errorsAtTheEndOfTheFile() {
        for (text, location) in [("", "line 1, column 1"), (".tritsim-asm 1\n", "line 2, column 1"),
                                 (".tritsim-asm 1\n.tag x", "line 2, column 7")] {
            #expect(throws: InputError.self) { try Program.assemble(text, source: "e.tasm") }
            do {
                _ = try Program.assemble(text, source: "e.tasm")
            } catch let error as InputError {
                #expect(error.location == location, "\(error)")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test func directiveAfterAnInstructionIsAnError() {
        let text = Self.base.joined(separator: "\n") + "\n.tag late\n"
        #expect(throws: InputError(source: "d.tasm", location: "line 9, column 1", expected: "directives before the first instruction",
                                   found: "`.tag` after instructions")) {
            try Program.assemble(text, source: "d.tasm")
        }
    }

    @Test func errorPrintsAsOneLine() {
        do {
            _ = try Program.assemble(Self.text(replacing: 7, with: Self.line7.replacing("dma.load", with: "dma.lod")), source: "p.tasm")
        } catch {
            #expect("\(error)" == "p.tasm: line 7, column 7: expected a mnemonic (dma.load, dma.store, tile, vector.<kind>, matrix.<kind>, link.<kind>), found `dma.lod`")
        }
    }

    /// Random edits of valid text never trap: the assembler returns a program or throws `InputError`.
    @Test func randomEditsNeverTrap() {
        var random = SplitMix64(seed: 42)
        let alphabet: [String] = [";", "\"", "=", "+", "-", ",", "9", "0", "\n", " ", "\\", "é", ".", "x", "\\u{", "}", "\r", "\t"]
        var thrown = 0
        for _ in 0 ..< 400 {
            let program = RandomPrograms.program(&random, maxInstructions: 6)
            var characters = Array(program.assembly())
            for _ in 0 ..< 1 + random.below(3) {
                let index = random.below(characters.count)
                switch random.below(3) {
                case 0: characters.replaceSubrange(index ... index, with: random.pick(alphabet))
                case 1: characters.remove(at: index)
                default: characters.insert(contentsOf: random.pick(alphabet), at: index)
                }
            }
            do {
                _ = try Program.assemble(String(characters), source: "fuzz.tasm")
            } catch is InputError {
                thrown += 1
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        #expect(thrown > 200)
    }
}
