/// A byte-addressed memory of the functional executor (the chip's SRAM or its DRAM) that remembers,
/// for every byte, whether and how it was last written.
///
/// Two kinds of contents:
/// - raw bytes (`writeBytes`, `writeInt32s`: int8 activations, packed weights, int32 sums);
/// - float slots (`writeFloats`): value i of a write goes to the slot of `slotBytes` bytes at
///   address + i × slotBytes, 2 bytes for an fp16 slot, 4 for fp32. The value is kept at full fp32
///   precision whatever the slot size: functional mode checks dataflow (every value read is the one
///   the program wrote there), not fp16 rounding. The raw bytes under a float slot are unspecified.
///
/// A read must match the last write of every byte it covers: raw reads need raw bytes, a float read
/// needs a slot of the same size starting exactly at each slot address and not overwritten since.
/// Anything else throws `FunctionalError` naming the first offending byte (never written, raw bytes
/// read as floats, floats read as raw bytes, an fp32 slot read as fp16, a slot partly overwritten).
///
/// Storage is sparse: pages of `pageBytes` bytes, allocated on their first write (a read of a page
/// never written finds "never written"), so a 1 GiB DRAM costs nothing until used. A page costs
/// 128 KiB (64 KiB bytes + 64 KiB per-byte kinds), plus 128 KiB of fp32 values once it holds a
/// float slot: at most 4 bytes of host memory per byte of written page. A copy of the memory shares
/// its pages until one side writes (copy-on-write).
public struct FunctionalMemory: Sendable {
    /// Bytes per page: the unit of allocation, 64 KiB.
    public static let pageBytes: Int64 = 65_536

    /// What the memory is (`SRAM`, `DRAM`), for error messages.
    public let name: String
    /// Size, bytes: addresses 0 ..< capacity are valid.
    public let capacity: Int64

    private var pages: [Int64: Page] = [:]

    /// Creates an empty memory (every byte never written).
    /// - Parameters:
    ///   - name: what the memory is, for error messages (`SRAM`, `DRAM`).
    ///   - capacity: size in bytes; a negative capacity counts as 0.
    public init(name: String, capacity: Int64) {
        self.name = name
        self.capacity = max(capacity, 0)
    }

    /// Pages allocated so far (each `pageBytes` bytes of address space that has been written).
    public var allocatedPages: Int { pages.count }

    /// Whether byte `address` has been written (as raw bytes or as part of a float slot); false
    /// outside 0 ..< capacity. A copy of never-written bytes leaves its destination never written.
    public func isWritten(_ address: Int64) -> Bool {
        guard address >= 0, address < capacity, let page = pages[address / Self.pageBytes] else { return false }
        return page.kinds[Int(address % Self.pageBytes)] != Kind.unwritten
    }

    // MARK: Raw bytes

    /// Writes raw bytes at `address ..< address + bytes.count`.
    /// - Throws: `FunctionalError` if the range is not inside 0 ..< capacity.
    public mutating func writeBytes(_ bytes: [UInt8], at address: Int64) throws {
        try bytes.withUnsafeBytes { try writeBytes($0, at: address) }
    }

    /// Writes raw bytes from a buffer (e.g. an `[Int8]`'s `withUnsafeBytes`) at `address ..< address + buffer.count`.
    /// - Throws: `FunctionalError` if the range is not inside 0 ..< capacity.
    public mutating func writeBytes(_ buffer: UnsafeRawBufferPointer, at address: Int64) throws {
        try checkRange("writes", address, Int64(buffer.count))
        Self.forEachChunk(address, Int64(buffer.count)) { index, offset, position, length in
            modifyPage(index) { page in
                page.bytes.withUnsafeMutableBytes { target in
                    UnsafeMutableRawBufferPointer(rebasing: target[offset ..< offset + length])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[position ..< position + length]))
                }
                page.kinds.withUnsafeMutableBufferPointer { kinds in
                    for j in offset ..< offset + length { kinds[j] = Kind.raw }
                }
            }
        }
    }

    /// Reads `count` raw bytes at `address`.
    /// - Throws: `FunctionalError` if the range is not inside 0 ..< capacity, `count` is negative,
    ///   or a byte was never written or was last written as part of a float slot.
    public func readBytes(count: Int, at address: Int64) throws -> [UInt8] {
        guard count >= 0 else { throw error("reads", address, Int64(count), "a negative count \(count)") }
        var result = [UInt8](repeating: 0, count: count)
        try result.withUnsafeMutableBytes { try readBytes(into: $0, at: address) }
        return result
    }

    /// Reads raw bytes at `address ..< address + buffer.count` into the caller's buffer.
    /// - Throws: `FunctionalError` as `readBytes(count:at:)` does; the buffer's contents are then unspecified.
    public func readBytes(into buffer: UnsafeMutableRawBufferPointer, at address: Int64) throws {
        let bytes = Int64(buffer.count)
        try checkRange("reads", address, bytes)
        try Self.forEachChunk(address, bytes) { index, offset, position, length in
            guard let page = pages[index] else {
                throw error("reads", address, bytes, "byte \(address + Int64(position)) was never written")
            }
            try page.kinds.withUnsafeBufferPointer { kinds in
                for j in 0 ..< length where kinds[offset + j] != Kind.raw {
                    let byte = address + Int64(position + j), kind = kinds[offset + j]
                    let problem = kind == Kind.unwritten ? "byte \(byte) was never written"
                        : "byte \(byte) \(Kind.describe(kind)), not raw bytes"
                    throw error("reads", address, bytes, problem)
                }
            }
            page.bytes.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: buffer[position ..< position + length])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset ..< offset + length]))
            }
        }
    }

    /// Writes int32 values as raw little-endian bytes: value i at address + 4i … address + 4i + 3.
    /// - Throws: `FunctionalError` if the range is not inside 0 ..< capacity.
    public mutating func writeInt32s(_ values: [Int32], at address: Int64) throws {
        let littleEndian = values.map { $0.littleEndian }
        try littleEndian.withUnsafeBytes { try writeBytes($0, at: address) }
    }

    /// Reads `count` int32 values stored as raw little-endian bytes at `address`.
    /// - Throws: `FunctionalError` as `readBytes(count:at:)` does, or if `4 × count` overflows.
    public func readInt32s(count: Int, at address: Int64) throws -> [Int32] {
        _ = try elementRange("reads", address, count: count, elementBytes: 4)
        var values = [Int32](repeating: 0, count: count)
        try values.withUnsafeMutableBytes { try readBytes(into: $0, at: address) }
        return values.map { Int32(littleEndian: $0) }
    }

    // MARK: Float slots

    /// Writes `values` into float slots: value i into the slot of `slotBytes` bytes at
    /// address + i × slotBytes, kept at full fp32 precision whatever the slot size.
    /// - Parameter slotBytes: 2 (an fp16 slot) or 4 (fp32).
    /// - Throws: `FunctionalError` for another slot size or a range not inside 0 ..< capacity.
    public mutating func writeFloats(_ values: [Float], at address: Int64, slotBytes: Int) throws {
        let bytes = try elementRange("writes", address, count: values.count, elementBytes: slotBytes, floatSlots: true)
        let start = Kind.slotStart(slotBytes)
        values.withUnsafeBufferPointer { values in
            Self.forEachChunk(address, bytes) { index, offset, position, length in
                modifyPage(index) { page in
                    let startsHere = (0 ..< length).contains { (position + $0) % slotBytes == 0 }
                    if startsHere && page.floats.isEmpty { page.floats = Page.emptyFloats() }
                    page.kinds.withUnsafeMutableBufferPointer { kinds in
                        page.floats.withUnsafeMutableBufferPointer { floats in
                            for j in 0 ..< length {
                                let relative = position + j
                                if relative % slotBytes == 0 {
                                    kinds[offset + j] = start
                                    floats[(offset + j) >> 1] = values[relative / slotBytes]
                                } else {
                                    kinds[offset + j] = Kind.continuation
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Reads `count` float slots of `slotBytes` bytes at `address`: the values last written there
    /// by `writeFloats` (or carried there by `copy`) with the same slot size.
    /// - Parameter slotBytes: 2 (an fp16 slot) or 4 (fp32).
    /// - Throws: `FunctionalError` for another slot size, a negative count, a range not inside
    ///   0 ..< capacity, or a byte that was never written, holds raw bytes, or is not where a slot
    ///   of this size written at this address would put it (another size, another alignment, a
    ///   slot partly overwritten or cut by a copy).
    public func readFloats(count: Int, at address: Int64, slotBytes: Int) throws -> [Float] {
        let bytes = try elementRange("reads", address, count: count, elementBytes: slotBytes, floatSlots: true)
        let start = Kind.slotStart(slotBytes), slotType = Kind.slotType(slotBytes)
        var result = [Float](repeating: 0, count: count)
        try result.withUnsafeMutableBufferPointer { result in
            try Self.forEachChunk(address, bytes) { index, offset, position, length in
                guard let page = pages[index] else {
                    throw error("reads", address, bytes, "byte \(address + Int64(position)) was never written")
                }
                try page.kinds.withUnsafeBufferPointer { kinds in
                    for j in 0 ..< length {
                        let relative = position + j, kind = kinds[offset + j]
                        let wanted = relative % slotBytes == 0 ? start : Kind.continuation
                        if kind == wanted {
                            if kind == start { result[relative / slotBytes] = page.floats[(offset + j) >> 1] }
                            continue
                        }
                        let byte = address + Int64(relative), slot = byte - Int64(relative % slotBytes)
                        let problem: String
                        if kind == Kind.unwritten {
                            problem = "byte \(byte) was never written"
                        } else if wanted == start {
                            problem = "byte \(byte) \(Kind.describe(kind)), not the start of an \(slotType) slot"
                        } else {
                            problem = "byte \(byte) \(Kind.describe(kind)), not the rest of the \(slotType) slot at \(slot)"
                        }
                        throw error("reads", address, bytes, problem)
                    }
                }
            }
        }
        return result
    }

    // MARK: Copies

    /// Copies `bytes` bytes from `source` at `sourceAddress` to this memory at `address`, as a DMA
    /// does: raw bytes stay raw, float slots keep their size and full-precision values, bytes never
    /// written make their destination never written. A float slot the range cuts (its start or its
    /// end outside the range) becomes unreadable at the destination, as raw bytes and as floats.
    ///
    /// `source` may be this memory itself (pass it by value; overlapping ranges copy as if through a
    /// temporary buffer).
    /// - Throws: `FunctionalError` if either range is not inside its memory's 0 ..< capacity.
    /// - Complexity: O(bytes), in blocks of `pageBytes`.
    public mutating func copy(bytes: Int64, from source: FunctionalMemory, at sourceAddress: Int64, to address: Int64) throws {
        try source.checkRange("copy reads", sourceAddress, bytes)
        try checkRange("copy writes", address, bytes)
        var done: Int64 = 0
        var continuationLeft = 0
        while done < bytes {
            let length = Int(min(bytes - done, Self.pageBytes))
            var block = Block(length: length)
            source.gather(at: sourceAddress + done, into: &block)
            // Cut slots: a start whose slot ends past the range, a continuation without its start.
            for j in 0 ..< length {
                let kind = block.kinds[j]
                if kind == Kind.slotStart(2) || kind == Kind.slotStart(4) {
                    if done + Int64(j) + Int64(kind) > bytes {
                        block.kinds[j] = Kind.cutSlot
                        continuationLeft = 0
                    } else {
                        continuationLeft = Int(kind) - 1
                    }
                } else if kind == Kind.continuation {
                    if continuationLeft > 0 { continuationLeft -= 1 } else { block.kinds[j] = Kind.cutSlot }
                } else {
                    continuationLeft = 0
                }
            }
            scatter(block, at: address + done)
            done += Int64(length)
        }
    }

    // MARK: Internals

    /// What the last write of a byte left there.
    private enum Kind {
        static let unwritten: UInt8 = 0
        static let raw: UInt8 = 1
        /// The first byte of a float slot of `slotBytes` bytes: 2 or 4.
        static func slotStart(_ slotBytes: Int) -> UInt8 { UInt8(truncatingIfNeeded: slotBytes) }
        /// A byte after the first of a float slot.
        static let continuation: UInt8 = 5
        /// A byte of a float slot that a copy cut (its start or end outside the copied range).
        static let cutSlot: UInt8 = 6

        static func slotType(_ slotBytes: Int) -> String { slotBytes == 2 ? "fp16" : "fp32" }

        /// "byte N …" continued: what a byte of this kind holds.
        static func describe(_ kind: UInt8) -> String {
            switch kind {
            case unwritten: return "was never written"
            case raw: return "holds raw bytes"
            case slotStart(2), slotStart(4): return "starts an \(slotType(Int(kind))) slot"
            case continuation: return "is inside a float slot that starts before it"
            default: return "is part of a float slot cut by a copy"
            }
        }
    }

    private struct Page: Sendable {
        var bytes = [UInt8](repeating: 0, count: Int(FunctionalMemory.pageBytes))
        var kinds = [UInt8](repeating: Kind.unwritten, count: Int(FunctionalMemory.pageBytes))
        /// The value of the float slot starting at byte offset o is `floats[o / 2]` (live slots are
        /// ≥ 2 bytes apart, so no two share an index); empty until the page holds a slot start.
        var floats: [Float] = []

        static func emptyFloats() -> [Float] { [Float](repeating: 0, count: Int(FunctionalMemory.pageBytes / 2)) }
    }

    /// Up to `pageBytes` bytes in transit during a copy.
    private struct Block {
        var bytes: [UInt8]
        var kinds: [UInt8]
        /// The value of a slot starting at block byte j, at j.
        var floats: [Float]

        init(length: Int) {
            bytes = [UInt8](repeating: 0, count: length)
            kinds = [UInt8](repeating: Kind.unwritten, count: length)
            floats = [Float](repeating: 0, count: length)
        }
    }

    private func gather(at address: Int64, into block: inout Block) {
        Self.forEachChunk(address, Int64(block.kinds.count)) { index, offset, position, length in
            guard let page = pages[index] else { return }  // never written: the block's zero kinds
            for j in 0 ..< length {
                let kind = page.kinds[offset + j]
                block.kinds[position + j] = kind
                block.bytes[position + j] = page.bytes[offset + j]
                if kind == Kind.slotStart(2) || kind == Kind.slotStart(4) {
                    block.floats[position + j] = page.floats[(offset + j) >> 1]
                }
            }
        }
    }

    private mutating func scatter(_ block: Block, at address: Int64) {
        Self.forEachChunk(address, Int64(block.kinds.count)) { index, offset, position, length in
            let chunk = position ..< position + length
            if pages[index] == nil && block.kinds[chunk].allSatisfy({ $0 == Kind.unwritten }) { return }
            modifyPage(index) { page in
                let starts = chunk.filter { block.kinds[$0] == Kind.slotStart(2) || block.kinds[$0] == Kind.slotStart(4) }
                if !starts.isEmpty && page.floats.isEmpty { page.floats = Page.emptyFloats() }
                for j in 0 ..< length {
                    page.kinds[offset + j] = block.kinds[position + j]
                    page.bytes[offset + j] = block.bytes[position + j]
                }
                for p in starts { page.floats[(offset + p - position) >> 1] = block.floats[p] }
            }
        }
    }

    /// Runs `body` on page `index`, allocating it first if it was never written.
    private mutating func modifyPage(_ index: Int64, _ body: (inout Page) -> Void) {
        body(&pages[index, default: Page()])
    }

    /// Splits `address ..< address + bytes` (inside 0 ..< capacity) at page boundaries: `body(page
    /// index, offset in the page, position in the range, length)` for each piece, in order.
    private static func forEachChunk(_ address: Int64, _ bytes: Int64,
                                     _ body: (Int64, Int, Int, Int) throws -> Void) rethrows {
        var position: Int64 = 0
        while position < bytes {
            let byte = address + position
            let offset = byte % pageBytes, length = min(bytes - position, pageBytes - offset)
            try body(byte / pageBytes, Int(offset), Int(position), Int(length))
            position += length
        }
    }

    private func error(_ access: String, _ address: Int64, _ bytes: Int64, _ problem: String) -> FunctionalError {
        FunctionalError(memory: name, access: access, address: address, bytes: bytes, problem: problem)
    }

    /// Checks that `address ..< address + bytes` lies inside 0 ..< capacity without overflowing.
    private func checkRange(_ access: String, _ address: Int64, _ bytes: Int64) throws {
        guard bytes >= 0 else { throw error(access, address, bytes, "a negative length") }
        guard address >= 0 else { throw error(access, address, bytes, "starts before address 0") }
        let (end, overflow) = address.addingReportingOverflow(bytes)
        guard !overflow else { throw error(access, address, bytes, "the end address overflows Int64") }
        guard end <= capacity else {
            throw error(access, address, bytes, "ends at \(end), past the capacity of \(capacity) bytes")
        }
    }

    /// The byte length of `count` elements of `elementBytes` bytes at `address`, checked as
    /// `checkRange` does; with `floatSlots`, `elementBytes` must be 2 or 4.
    private func elementRange(_ access: String, _ address: Int64, count: Int, elementBytes: Int,
                              floatSlots: Bool = false) throws -> Int64 {
        let (product, overflow) = Int64(count).multipliedReportingOverflow(by: Int64(elementBytes))
        let bytes = overflow ? Int64.max : product
        if floatSlots && elementBytes != 2 && elementBytes != 4 {
            throw error(access, address, bytes, "slot size \(elementBytes) bytes: expected 2 (fp16) or 4 (fp32)")
        }
        guard count >= 0 else { throw error(access, address, bytes, "a negative count \(count)") }
        guard !overflow else {
            throw error(access, address, bytes, "\(count) values of \(elementBytes) bytes overflow Int64")
        }
        try checkRange(access, address, bytes)
        return bytes
    }
}
