import Testing
import TritCore
import TritFunctional

/// The functional memory: sparse pages, never-written tracking, raw bytes, int32s, float slots at
/// full precision, DMA copies, and the refusals with their messages.
@Suite struct FunctionalMemoryTests {
    private let page = FunctionalMemory.pageBytes

    /// The one-line message `body` threw, or a marker.
    private func message(_ body: () throws -> Any) -> String {
        do {
            _ = try body()
            return "no error"
        } catch let error as FunctionalError {
            return error.description
        } catch {
            return "not a FunctionalError: \(error)"
        }
    }

    // MARK: Sparse storage

    /// 1 GiB of DRAM allocates only the pages written: first byte, last 4 bytes, 4 bytes across the
    /// page boundary at 512 MiB → 4 pages (4 × 128 KiB of bytes + kinds), not 1 GiB.
    @Test func aOneGibibyteMemoryAllocatesOnlyThePagesWritten() throws {
        let capacity: Int64 = 1 << 30
        var memory = FunctionalMemory(name: "DRAM", capacity: capacity)
        #expect(memory.allocatedPages == 0)
        try memory.writeBytes([7], at: 0)
        try memory.writeBytes([1, 2, 3, 4], at: capacity - 4)
        try memory.writeBytes([9, 8, 7, 6], at: (1 << 29) - 2)
        #expect(memory.allocatedPages == 4)
        #expect(try memory.readBytes(count: 1, at: 0) == [7])
        #expect(try memory.readBytes(count: 4, at: capacity - 4) == [1, 2, 3, 4])
        #expect(try memory.readBytes(count: 4, at: (1 << 29) - 2) == [9, 8, 7, 6])
        #expect(message { try memory.readBytes(count: 1, at: 1 << 28) }
            == "DRAM reads 268435456+1: byte 268435456 was never written")
        // Reads allocate nothing.
        #expect(memory.allocatedPages == 4)
        // 16 MiB written densely: exactly 256 more pages.
        try memory.writeBytes([UInt8](repeating: 1, count: 1 << 24), at: 1 << 25)
        #expect(memory.allocatedPages == 4 + 256)
    }

    @Test func copiesOfTheMemoryAreIndependentValues() throws {
        var memory = FunctionalMemory(name: "SRAM", capacity: 1 << 20)
        try memory.writeBytes([1, 2, 3], at: 10)
        let snapshot = memory
        try memory.writeBytes([9], at: 11)
        try memory.writeFloats([1.5], at: 100, slotBytes: 4)
        #expect(try snapshot.readBytes(count: 3, at: 10) == [1, 2, 3])
        #expect(!snapshot.isWritten(100))
        #expect(try memory.readBytes(count: 3, at: 10) == [1, 9, 3])
    }

    // MARK: Written tracking

    @Test func tracksWhichBytesWereWritten() throws {
        var memory = FunctionalMemory(name: "SRAM", capacity: 4 * page)
        try memory.writeBytes(Array(0 ..< 10), at: 10)
        #expect(!memory.isWritten(9))
        #expect(memory.isWritten(10))
        #expect(memory.isWritten(19))
        #expect(!memory.isWritten(20))
        #expect(!memory.isWritten(-1))
        #expect(!memory.isWritten(4 * page))
        #expect(message { try memory.readBytes(count: 12, at: 9) } == "SRAM reads 9+12: byte 9 was never written")
        #expect(message { try memory.readBytes(count: 11, at: 10) } == "SRAM reads 10+11: byte 20 was never written")
        #expect(try memory.readBytes(count: 10, at: 10) == Array(0 ..< 10))
        // An empty read anywhere in 0 … capacity is fine.
        #expect(try memory.readBytes(count: 0, at: 4 * page) == [])
    }

    @Test func theUnwrittenReadMessageNamesMemoryRangeByteAndInstruction() throws {
        var memory = FunctionalMemory(name: "SRAM", capacity: 8192)
        try memory.writeBytes([UInt8](repeating: 0, count: 104), at: 4096)
        let error = #expect(throws: FunctionalError.self) { try memory.readBytes(count: 512, at: 4096) }
        #expect(error == FunctionalError(memory: "SRAM", access: "reads", address: 4096, bytes: 512,
                                         problem: "byte 4200 was never written"))
        #expect(error?.description == "SRAM reads 4096+512: byte 4200 was never written")
        #expect(error?.with(instruction: 17).description == "instruction 17: SRAM reads 4096+512: byte 4200 was never written")
        #expect(error?.with(instruction: 17).instruction == 17)
    }

    // MARK: Raw bytes and int32s

    @Test func int32sAreLittleEndianRawBytes() throws {
        var memory = FunctionalMemory(name: "SRAM", capacity: 2 * page)
        // 1 → 01 00 00 00; −2 → FE FF FF FF; 0x01020304 → 04 03 02 01. Across a page boundary.
        let address = page - 5
        try memory.writeInt32s([1, -2, 0x0102_0304], at: address)
        #expect(try memory.readBytes(count: 12, at: address) == [1, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF, 4, 3, 2, 1])
        try memory.writeBytes([0x78, 0x56, 0x34, 0x12, 0, 0, 0, 0x80], at: 3)
        #expect(try memory.readInt32s(count: 2, at: 3) == [0x1234_5678, Int32.min])
        #expect(try memory.readInt32s(count: 3, at: address) == [1, -2, 0x0102_0304])
    }

    // MARK: Float slots

    /// Values fp16 cannot hold survive an fp16 slot bit for bit: 1 + 2⁻²³, 65,520 (> fp16's 65,504),
    /// 1e−8 (below fp16's smallest subnormal), −0, ∞, a NaN with a payload.
    @Test(arguments: [2, 4])
    func floatSlotsKeepFullFp32Precision(slotBytes: Int) throws {
        var memory = FunctionalMemory(name: "SRAM", capacity: 3 * page)
        let values: [Float] = [Float(1).nextUp, 65_520, 1e-8, -0.0, .infinity, Float(bitPattern: 0x7FC0_1234), -3.25]
        // At an odd address, straddling the page boundary.
        let address = page - 7
        try memory.writeFloats(values, at: address, slotBytes: slotBytes)
        let read = try memory.readFloats(count: values.count, at: address, slotBytes: slotBytes)
        #expect(read.map(\.bitPattern) == values.map(\.bitPattern))
        // Slots are slotBytes apart: slot 3 alone.
        let third = try memory.readFloats(count: 1, at: address + Int64(3 * slotBytes), slotBytes: slotBytes)
        #expect(third.map(\.bitPattern) == [Float(-0.0).bitPattern])
        for byte in address ..< address + Int64(values.count * slotBytes) { #expect(memory.isWritten(byte)) }
        #expect(!memory.isWritten(address + Int64(values.count * slotBytes)))
    }

    @Test func readsMustMatchTheKindOfTheLastWrite() throws {
        var memory = FunctionalMemory(name: "SRAM", capacity: page)
        try memory.writeBytes([1, 2, 3, 4], at: 0)
        #expect(message { try memory.readFloats(count: 1, at: 0, slotBytes: 2) }
            == "SRAM reads 0+2: byte 0 holds raw bytes, not the start of an fp16 slot")
        try memory.writeFloats([1, 2], at: 100, slotBytes: 4)
        #expect(message { try memory.readBytes(count: 4, at: 100) }
            == "SRAM reads 100+4: byte 100 starts an fp32 slot, not raw bytes")
        #expect(message { try memory.readBytes(count: 1, at: 101) }
            == "SRAM reads 101+1: byte 101 is inside a float slot that starts before it, not raw bytes")
        #expect(message { try memory.readFloats(count: 2, at: 100, slotBytes: 2) }
            == "SRAM reads 100+4: byte 100 starts an fp32 slot, not the start of an fp16 slot")
        #expect(message { try memory.readFloats(count: 1, at: 102, slotBytes: 4) }
            == "SRAM reads 102+4: byte 102 is inside a float slot that starts before it, not the start of an fp32 slot")
        try memory.writeFloats([1, 2], at: 200, slotBytes: 2)
        #expect(message { try memory.readFloats(count: 1, at: 200, slotBytes: 4) }
            == "SRAM reads 200+4: byte 200 starts an fp16 slot, not the start of an fp32 slot")
        #expect(message { try memory.readFloats(count: 3, at: 200, slotBytes: 2) }
            == "SRAM reads 200+6: byte 204 was never written")
        #expect(try memory.readFloats(count: 2, at: 200, slotBytes: 2) == [1, 2])
    }

    @Test func aPartlyOverwrittenSlotIsNoLongerReadable() throws {
        var memory = FunctionalMemory(name: "SRAM", capacity: page)
        try memory.writeFloats([1, 2], at: 0, slotBytes: 4)
        try memory.writeBytes([7], at: 5)
        #expect(message { try memory.readFloats(count: 2, at: 0, slotBytes: 4) }
            == "SRAM reads 0+8: byte 5 holds raw bytes, not the rest of the fp32 slot at 4")
        #expect(try memory.readFloats(count: 1, at: 0, slotBytes: 4) == [1])
        #expect(try memory.readBytes(count: 1, at: 5) == [7])
        // An fp16 slot written over the second half of an fp32 slot.
        try memory.writeFloats([10, 20], at: 16, slotBytes: 4)
        try memory.writeFloats([5], at: 18, slotBytes: 2)
        #expect(message { try memory.readFloats(count: 1, at: 16, slotBytes: 4) }
            == "SRAM reads 16+4: byte 18 starts an fp16 slot, not the rest of the fp32 slot at 16")
        #expect(try memory.readFloats(count: 1, at: 18, slotBytes: 2) == [5])
        #expect(try memory.readFloats(count: 1, at: 20, slotBytes: 4) == [20])
        // Rewriting the whole slot makes it readable again, with the new value.
        try memory.writeFloats([3], at: 16, slotBytes: 4)
        #expect(try memory.readFloats(count: 2, at: 16, slotBytes: 4) == [3, 20])
    }

    // MARK: Copies

    /// SRAM → DRAM → SRAM at other alignments and across page boundaries: fp16 and fp32 slots keep
    /// their full-precision values, raw bytes stay raw, a never-written gap stays never written.
    @Test func copiesCarryFloatSlotsRawBytesAndNeverWrittenGaps() throws {
        var sram = FunctionalMemory(name: "SRAM", capacity: 4 * page)
        var dram = FunctionalMemory(name: "DRAM", capacity: 1 << 30)
        var rng = SplitMix64(seed: 5)
        let halves = (0 ..< 3000).map { _ in rng.nextFloat(from: -1, to: 1) }
        let singles = (0 ..< 1000).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) }
        let raw = (0 ..< 777).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let base = page - 1001
        try sram.writeFloats(halves, at: base, slotBytes: 2)  // base ..< base + 6000
        // base + 6000 ..< base + 6010: never written
        try sram.writeBytes(raw, at: base + 6010)  // ..< base + 6787
        try sram.writeFloats(singles, at: base + 6787, slotBytes: 4)  // ..< base + 10787
        let length: Int64 = 10787

        let dramAddress: Int64 = 3 * page - 4321
        try dram.copy(bytes: length, from: sram, at: base, to: dramAddress)
        #expect(try dram.readFloats(count: 3000, at: dramAddress, slotBytes: 2) == halves)
        #expect(!dram.isWritten(dramAddress + 6000))
        #expect(try dram.readBytes(count: 777, at: dramAddress + 6010) == raw)

        var back = FunctionalMemory(name: "SRAM", capacity: 4 * page)
        let backAddress = 2 * page - 3
        try back.copy(bytes: length, from: dram, at: dramAddress, to: backAddress)
        #expect(try back.readFloats(count: 3000, at: backAddress, slotBytes: 2) == halves)
        #expect(try back.readBytes(count: 777, at: backAddress + 6010) == raw)
        let singlesBack = try back.readFloats(count: 1000, at: backAddress + 6787, slotBytes: 4)
        #expect(singlesBack.map(\.bitPattern) == singles.map(\.bitPattern))
        for gap in backAddress + 6000 ..< backAddress + 6010 { #expect(!back.isWritten(gap)) }
        #expect(message { try back.readBytes(count: 20, at: backAddress + 5994) }
            == "SRAM reads \(backAddress + 5994)+20: byte \(backAddress + 5994) starts an fp16 slot, not raw bytes")
        #expect(message { try back.readBytes(count: 20, at: backAddress + 5995) }
            == "SRAM reads \(backAddress + 5995)+20: byte \(backAddress + 5995) is inside a float slot that starts before it, not raw bytes")
    }

    @Test func copyingNeverWrittenBytesUnwritesTheDestinationAndAllocatesNothing() throws {
        var source = FunctionalMemory(name: "DRAM", capacity: 1 << 30)
        var target = FunctionalMemory(name: "SRAM", capacity: 4 * page)
        try target.copy(bytes: 2 * page, from: source, at: 1 << 29, to: 0)
        #expect(target.allocatedPages == 0)
        try target.writeBytes([1, 2, 3], at: 10)
        try source.writeBytes([4], at: 5)
        try target.copy(bytes: 8, from: source, at: 0, to: 8)  // source bytes 0–4, 6, 7 never written
        #expect(!target.isWritten(10))
        #expect(try target.readBytes(count: 1, at: 13) == [4])
    }

    /// A copy that cuts a float slot (its start or its end outside the range) leaves bytes that
    /// read neither as floats nor as raw bytes, even where the destination held a matching slot.
    @Test func aCopyThatCutsASlotLeavesItUnreadable() throws {
        var source = FunctionalMemory(name: "SRAM", capacity: page)
        try source.writeFloats([1, 2], at: 0, slotBytes: 4)
        var target = FunctionalMemory(name: "DRAM", capacity: page)
        try target.writeFloats([8, 9], at: 100, slotBytes: 4)
        // The start of slot 0 and half of it: byte 100 is a cut slot, bytes 102–103 still the old slot's.
        try target.copy(bytes: 2, from: source, at: 0, to: 100)
        #expect(message { try target.readFloats(count: 1, at: 100, slotBytes: 4) }
            == "DRAM reads 100+4: byte 100 is part of a float slot cut by a copy, not the start of an fp32 slot")
        // The end of slot 0 without its start, onto the middle of the old slot at 104.
        try target.copy(bytes: 6, from: source, at: 2, to: 105)
        #expect(message { try target.readFloats(count: 1, at: 104, slotBytes: 4) }
            == "DRAM reads 104+4: byte 105 is part of a float slot cut by a copy, not the rest of the fp32 slot at 104")
        #expect(message { try target.readBytes(count: 1, at: 106) }
            == "DRAM reads 106+1: byte 106 is part of a float slot cut by a copy, not raw bytes")
        // Bytes 107 ..< 111 are slot 1 of the source, whole: readable.
        #expect(try target.readFloats(count: 1, at: 107, slotBytes: 4) == [2])
    }

    /// A copy within one memory whose ranges overlap behaves as if through a temporary buffer.
    @Test func anOverlappingCopyWithinOneMemoryMovesTheOriginalBytes() throws {
        var memory = FunctionalMemory(name: "SRAM", capacity: 4 * page)
        let bytes = (0 ..< 100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try memory.writeBytes(bytes, at: 10)
        try memory.copy(bytes: 100_000, from: memory, at: 10, to: 5010)
        #expect(try memory.readBytes(count: 100_000, at: 5010) == bytes)
        #expect(try memory.readBytes(count: 5000, at: 10) == Array(bytes[0 ..< 5000]))
    }

    // MARK: Refusals

    @Test func accessesOutsideTheMemoryOrWithOverflowingAddressesAreRefused() throws {
        var memory = FunctionalMemory(name: "SRAM", capacity: 1000)
        #expect(message { try memory.writeBytes([1, 2], at: 999) } == "SRAM writes 999+2: ends at 1001, past the capacity of 1000 bytes")
        #expect(message { try memory.writeBytes([1], at: -1) } == "SRAM writes -1+1: starts before address 0")
        #expect(message { try memory.readBytes(count: 1, at: Int64.max) } == "SRAM reads 9223372036854775807+1: the end address overflows Int64")
        #expect(message { try memory.readBytes(count: -1, at: 0) } == "SRAM reads 0+-1: a negative count -1")
        #expect(message { try memory.writeFloats([1, 2], at: Int64.max - 4, slotBytes: 4) }
            == "SRAM writes 9223372036854775803+8: the end address overflows Int64")
        #expect(message { try memory.readFloats(count: Int.max, at: 0, slotBytes: 4) }
            == "SRAM reads 0+9223372036854775807: 9223372036854775807 values of 4 bytes overflow Int64")
        #expect(message { try memory.readInt32s(count: Int.max / 2, at: 0) }
            == "SRAM reads 0+9223372036854775807: 4611686018427387903 values of 4 bytes overflow Int64")
        #expect(message { try memory.readInt32s(count: 300, at: 0) } == "SRAM reads 0+1200: ends at 1200, past the capacity of 1000 bytes")
        #expect(message { try memory.writeFloats([1], at: 0, slotBytes: 3) } == "SRAM writes 0+3: slot size 3 bytes: expected 2 (fp16) or 4 (fp32)")
        #expect(message { try memory.readFloats(count: -2, at: 0, slotBytes: 2) } == "SRAM reads 0+-4: a negative count -2")
        let dram = FunctionalMemory(name: "DRAM", capacity: 1 << 30)
        #expect(message { try memory.copy(bytes: 10, from: dram, at: (1 << 30) - 5, to: 0) }
            == "DRAM copy reads 1073741819+10: ends at 1073741829, past the capacity of 1073741824 bytes")
        #expect(message { try memory.copy(bytes: 10, from: dram, at: 0, to: 995) }
            == "SRAM copy writes 995+10: ends at 1005, past the capacity of 1000 bytes")
        #expect(message { try memory.copy(bytes: Int64.max, from: dram, at: 1, to: 0) }
            == "DRAM copy reads 1+9223372036854775807: the end address overflows Int64")
        #expect(message { try memory.copy(bytes: -1, from: dram, at: 0, to: 0) } == "DRAM copy reads 0+-1: a negative length")
        // Nothing was written by the refused accesses.
        #expect(memory.allocatedPages == 0)
        #expect(FunctionalMemory(name: "X", capacity: -5).capacity == 0)
    }

    // MARK: Differential test against a byte-by-byte model

    /// What the last write left in one byte, in the model.
    private enum ModelByte: Equatable {
        case unwritten
        case raw(UInt8)
        case start(size: Int, bits: UInt32)
        case continuation
        case cut
    }

    /// The memory's rules restated byte by byte, with no pages: a float slot is readable when its
    /// first byte is a start of that size and the next size − 1 bytes are continuations; a copy
    /// moves bytes and then marks as cut every start whose slot ends outside the range and every
    /// continuation not preceded, within the range and through continuations only, by a start
    /// whose slot covers it.
    private struct Model {
        var bytes: [ModelByte]

        mutating func writeBytes(_ values: [UInt8], at address: Int) {
            for (i, v) in values.enumerated() { bytes[address + i] = .raw(v) }
        }

        mutating func writeFloats(_ values: [Float], at address: Int, size: Int) {
            for (i, v) in values.enumerated() {
                bytes[address + i * size] = .start(size: size, bits: v.bitPattern)
                for j in 1 ..< size { bytes[address + i * size + j] = .continuation }
            }
        }

        func readBytes(count: Int, at address: Int) -> [UInt8]? {
            var result: [UInt8] = []
            for b in bytes[address ..< address + count] {
                guard case .raw(let v) = b else { return nil }
                result.append(v)
            }
            return result
        }

        func readFloats(count: Int, at address: Int, size: Int) -> [UInt32]? {
            var result: [UInt32] = []
            for i in 0 ..< count {
                let a = address + i * size
                guard case .start(size, let bits) = bytes[a] else { return nil }
                for j in 1 ..< size where bytes[a + j] != .continuation { return nil }
                result.append(bits)
            }
            return result
        }

        mutating func copy(_ count: Int, from source: Model, at sourceAddress: Int, to address: Int) {
            var moved = Array(source.bytes[sourceAddress ..< sourceAddress + count])
            let original = moved
            for p in 0 ..< count {
                switch original[p] {
                case .start(let size, _):
                    if p + size > count { moved[p] = .cut }
                case .continuation:
                    var q = p - 1
                    while q >= 0, original[q] == .continuation { q -= 1 }
                    let covered: Bool
                    if q >= 0, case .start(let size, _) = original[q], p < q + size, q + size <= count {
                        covered = true
                    } else {
                        covered = false
                    }
                    if !covered { moved[p] = .cut }
                default:
                    break
                }
            }
            for p in 0 ..< count { bytes[address + p] = moved[p] }
        }
    }

    /// 3000 random writes, reads and copies on two memories, half of them within 64 bytes of a
    /// page boundary, some longer than a page, small writes into recent ones, copies cutting
    /// slots, half the reads where something was recently written or copied: every read succeeds
    /// or fails as in the model and returns the model's values; every byte's written mark matches
    /// at the end. (Checked to fail when the copy's cut-slot marking or the read's continuation
    /// check is removed.)
    @Test func randomOperationsMatchAByteByByteModel() throws {
        let capacity = Int(2 * page + 3000)
        var memories = [FunctionalMemory(name: "A", capacity: Int64(capacity)), FunctionalMemory(name: "B", capacity: Int64(capacity))]
        var models = [Model(bytes: Array(repeating: .unwritten, count: capacity)), Model(bytes: Array(repeating: .unwritten, count: capacity))]
        var rng = SplitMix64(seed: 0xF00D)
        func random(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        func address(room: Int) -> Int {
            let limit = capacity - room
            if random(2) == 0 {
                let boundary = Int(page) * (1 + random(2))
                return min(max(boundary - 64 + random(128), 0), limit)
            }
            return random(limit + 1)
        }
        // Recent writes and copies per memory (start, 1 for raw bytes or the slot size, elements):
        // half the reads and copies start at one of the last 3, a few elements in, reading what was
        // written there, so that reads of floats carried by copies often succeed.
        var recent: [[(address: Int, size: Int, count: Int)]] = [[], []]
        var reads = 0, failedReads = 0, floatsRead = 0
        for _ in 0 ..< 3000 {
            let m = random(2)
            let size = [2, 4][random(2)]
            let count = random(40) == 0 ? 1 + random(70_000) / size : random(24)
            switch random(6) {
            case 5:
                // A small write into the middle of a recent one: raw bytes or one slot, at any alignment.
                guard let entry = recent[m].suffix(3).randomElement(using: &rng) else { continue }
                let a = min(entry.address + random(8), capacity - 4)
                if random(2) == 0 {
                    let values = (0 ..< 1 + random(3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                    try memories[m].writeBytes(values, at: Int64(a))
                    models[m].writeBytes(values, at: a)
                } else {
                    let value = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
                    try memories[m].writeFloats([value], at: Int64(a), slotBytes: size)
                    models[m].writeFloats([value], at: a, size: size)
                }
            case 0:
                let values = (0 ..< count * size).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                let a = address(room: values.count)
                try memories[m].writeBytes(values, at: Int64(a))
                models[m].writeBytes(values, at: a)
                recent[m].append((a, 1, values.count))
            case 1:
                let values = (0 ..< count).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) }
                let a = address(room: count * size)
                try memories[m].writeFloats(values, at: Int64(a), slotBytes: size)
                models[m].writeFloats(values, at: a, size: size)
                recent[m].append((a, size, count))
            case 2, 3:
                // Raw bytes (element size 1) or floats of `size`, where something was written or anywhere.
                var a: Int, element: Int, n: Int
                if random(2) == 0, let entry = recent[m].suffix(3).randomElement(using: &rng) {
                    let skip = random(3)
                    (a, element, n) = (entry.address + entry.size * skip, entry.size, max(entry.count - skip, 0))
                } else {
                    (element, n) = (random(2) == 0 ? 1 : size, random(24))
                    a = address(room: n * element)
                }
                a = min(a, capacity)
                n = min(n, 24, (capacity - a) / element)
                let expected: [UInt32]?, actual: [UInt32]?
                if element == 1 {
                    expected = models[m].readBytes(count: n, at: a)?.map { UInt32($0) }
                    actual = (try? memories[m].readBytes(count: n, at: Int64(a)))?.map { UInt32($0) }
                } else {
                    expected = models[m].readFloats(count: n, at: a, size: element)
                    actual = try? memories[m].readFloats(count: n, at: Int64(a), slotBytes: element).map(\.bitPattern)
                    if let expected, !expected.isEmpty { floatsRead += 1 }
                }
                #expect(actual == expected, "read \(n)×\(element) at \(a)")
                reads += 1
                if expected == nil { failedReads += 1 }
            default:
                let from = random(2)
                var source: Int, length: Int, carried: (size: Int, count: Int)? = nil
                if random(2) == 0, let entry = recent[from].suffix(3).randomElement(using: &rng) {
                    // Whole elements, or (one time in four) cut by a byte at either end.
                    let skip = random(2), cut = random(4) == 0
                    source = min(entry.address + entry.size * skip + (cut ? random(2) : 0), capacity)
                    length = max(max(entry.count - skip, 0) * entry.size + random(3) - (cut ? random(3) : 0), 0)
                    length = min(length, capacity - source)
                    carried = (entry.size, max(entry.count - skip, 0))
                } else {
                    length = count * size + random(4)
                    source = address(room: length)
                }
                // Onto a recent write half the time, where slots at the same alignment may be left.
                var target = address(room: length)
                if random(2) == 0, let entry = recent[m].suffix(3).randomElement(using: &rng) {
                    target = min(entry.address + random(5), capacity - length)
                }
                let sourceMemory = memories[from], sourceModel = models[from]
                try memories[m].copy(bytes: Int64(length), from: sourceMemory, at: Int64(source), to: Int64(target))
                models[m].copy(length, from: sourceModel, at: source, to: target)
                if let carried { recent[m].append((target, carried.size, carried.count)) }
            }
        }
        // Both outcomes were exercised.
        #expect(reads > 800 && failedReads > 100 && reads - failedReads > 300, "\(reads) reads, \(failedReads) failed")
        #expect(floatsRead > 100, "\(floatsRead) non-empty float reads succeeded")
        for m in 0 ..< 2 {
            for a in 0 ..< capacity where memories[m].isWritten(Int64(a)) != (models[m].bytes[a] != .unwritten) {
                Issue.record("memory \(m) byte \(a): written mark differs")
                break
            }
        }
    }
}
