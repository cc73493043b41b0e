import Foundation
import TritCore
import TritModel
import TritTestSupport
import TritWeights
import XCTest

/// Seeded random corruption of valid fixtures: every reader either reads the bytes or throws an
/// `InputError`; it never crashes, traps on overflow, or throws anything else.
///
/// A few hundred cases run by default (well under a second); `TRITSIM_FUZZ_SCALE=N` runs N times
/// as many, with other seeds, for a longer search.
final class FuzzTests: XCTestCase {
    private let scale = max(1, Int(ProcessInfo.processInfo.environment["TRITSIM_FUZZ_SCALE"] ?? "") ?? 1)

    /// One corrupted copy of `bytes`: byte flips (mostly in the first `headerBytes`), a
    /// truncation, an extreme integer written over a header field, or a byte inserted or removed.
    private func corrupt(_ bytes: [UInt8], headerBytes: Int, _ random: inout SplitMix64) -> [UInt8] {
        var out = bytes
        let header = max(1, min(headerBytes, out.count))
        func position() -> Int { random.below(4) == 0 ? random.below(out.count) : random.below(header) }
        switch random.below(5) {
        case 0:
            for _ in 0...random.below(4) { out[position()] ^= UInt8(1 + random.below(255)) }
        case 1:
            out = Array(out.prefix(random.below(out.count)))
        case 2:
            let extremes: [UInt64] = [0, 1, 255, 1 << 31, 1 << 32, 1 << 62, UInt64(Int64.max), UInt64.max, random.next()]
            let value = extremes[random.below(extremes.count)]
            let width = random.below(2) == 0 ? 4 : 8
            let at = position() & ~3
            if at + width <= out.count { out.replaceSubrange(at..<(at + width), with: ElementCoding.littleEndian(value, width: width)) }
        case 3:
            out.insert(UInt8(random.below(256)), at: position())
        default:
            out.remove(at: position())
        }
        return out
    }

    /// Reads `bytes` as GGUF and, if that works, everything derived from it.
    private func exerciseGGUF(_ bytes: [UInt8]) throws {
        let file = try GGUFFile(file: MappedFile(path: "fuzz.gguf", bytes: Data(bytes)))
        _ = try? ModelConfig.describe(gguf: file, name: "fuzz")
        for tensor in file.tensors {
            _ = try file.data(of: tensor)
            if [.f32, .f16, .bf16].contains(tensor.type) { _ = try file.floatValues(tensor.name) }
            if tensor.type == .i2S { _ = try file.i2sScale(tensor.name) }
        }
        _ = WeightFile.gguf(file).rows
    }

    /// Reads `bytes` as safetensors and, if that works, every tensor's values.
    private func exerciseSafetensors(_ bytes: [UInt8]) throws {
        let checkpoint = SafetensorsCheckpoint(file: try SafetensorsFile(file: MappedFile(path: "fuzz.safetensors", bytes: Data(bytes))))
        for entry in checkpoint.tensors {
            _ = try checkpoint.data(entry.info.name)
            switch entry.info.dtype {
            case .f32, .f16, .bf16: _ = try checkpoint.floatValues(entry.info.name)
            case .i8: _ = try checkpoint.int8Values(entry.info.name)
            case .u8 where checkpoint.isPackedTernary(entry): _ = try? checkpoint.ternaryWeights(entry.info.name)
            default: break
            }
        }
        _ = WeightFile.safetensors(checkpoint).rows
    }

    private func fuzz(_ name: String, bytes: [UInt8], headerBytes: Int, cases: Int, seed: UInt64,
                      read: ([UInt8]) throws -> Void) {
        var random = SplitMix64(seed: seed &* UInt64(scale))
        var refused = 0
        for index in 0..<(cases * scale) {
            let corrupted = corrupt(bytes, headerBytes: headerBytes, &random)
            do {
                try read(corrupted)
            } catch is InputError {
                refused += 1
            } catch {
                XCTFail("\(name) case \(index) (seed \(seed)): not an InputError: \(error)")
            }
        }
        // The corruption must actually hit: most cases are refused, some read fine.
        XCTAssertGreaterThan(refused, cases * scale / 4, name)
    }

    func testCorruptedGGUFFilesNeverCrash() throws {
        let tiny = try WeightFixtures.tinyGGUF().bytes()
        let dataStart = Int(try GGUFFile(file: MappedFile(path: "t", bytes: Data(tiny))).dataStart)
        fuzz("tiny gguf", bytes: tiny, headerBytes: dataStart, cases: 150, seed: 1, read: exerciseGGUF)
        let types = try WeightFixtures.typesGGUF().bytes()
        fuzz("types gguf", bytes: types, headerBytes: 700, cases: 100, seed: 2, read: exerciseGGUF)
    }

    func testCorruptedSafetensorsFilesNeverCrash() throws {
        let tiny = try WeightFixtures.tinySafetensors().bytes()
        let headerEnd = Int(try SafetensorsFile(file: MappedFile(path: "t", bytes: Data(tiny))).dataStart)
        fuzz("tiny safetensors", bytes: tiny, headerBytes: headerEnd, cases: 150, seed: 3, read: exerciseSafetensors)
        let dtypes = try WeightFixtures.dtypesSafetensors().bytes()
        fuzz("dtypes safetensors", bytes: dtypes, headerBytes: 620, cases: 100, seed: 4, read: exerciseSafetensors)
    }

    /// Random bytes after a valid magic or header length: refused, never a crash.
    func testRandomBytesNeverCrash() {
        var random = SplitMix64(seed: 9 &* UInt64(scale))
        for index in 0..<(100 * scale) {
            let body = (0..<random.below(200)).map { _ in UInt8(random.below(256)) }
            let gguf = Array("GGUF".utf8) + ElementCoding.littleEndian(3, width: 4) + body
            let safetensors = ElementCoding.littleEndian(UInt64(min(body.count, random.below(64))), width: 8) + [UInt8(ascii: "{")] + body
            for (bytes, read) in [(gguf, exerciseGGUF), (safetensors, exerciseSafetensors)] as [([UInt8], ([UInt8]) throws -> Void)] {
                do { try read(bytes) } catch is InputError {} catch { XCTFail("case \(index): not an InputError: \(error)") }
            }
        }
    }
}
