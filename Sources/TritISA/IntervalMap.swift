import TritCore

/// An ordered map from disjoint half-open byte ranges to values, covering a fixed address range:
/// every address in `bounds` belongs to exactly one segment. Used by `HazardCheck` to remember,
/// for every SRAM byte, the instruction that last wrote it.
///
/// Storage: a treap (a binary search tree on segment starts, heap-ordered on random priorities)
/// in one array of nodes with a free list, so every operation below costs O(log segments)
/// expected plus O(1) per segment it visits. The priorities come from a generator seeded at
/// random for each map, so no program can choose addresses that make the tree deep (the
/// results never depend on the tree's shape, only the cost does).
///
/// Marks: each segment carries 64 mark bits, and every subtree the AND of its segments' marks, so
/// `forEachUnmarked` can skip whole runs of segments that already carry a bit. A segment keeps its
/// marks when it is split and starts with none when `assign` creates it.
struct IntervalMap<Value> {
    private struct Node {
        var start: Int64
        var end: Int64
        var value: Value
        var marks: UInt64
        /// AND of `marks` over this node's subtree.
        var subtreeMarks: UInt64
        var left: Int32
        var right: Int32
        var priority: UInt64
    }

    /// The address range the segments cover.
    let bounds: Range<Int64>
    private var nodes: [Node] = []
    private var freeNodes: [Int32] = []
    private var root: Int32 = -1
    private var random = SplitMix64(seed: UInt64.random(in: 0 ... UInt64.max))

    /// A map whose single segment `bounds` holds `initial`.
    init(bounds: Range<Int64>, initial: Value) {
        self.bounds = bounds
        if !bounds.isEmpty { root = makeNode(start: bounds.lowerBound, end: bounds.upperBound, value: initial, marks: 0) }
    }

    /// Segments currently stored.
    var segmentCount: Int { nodes.count - freeNodes.count }
    /// Nodes allocated, stored or free (freed nodes are reused).
    var allocatedNodes: Int { nodes.count }

    // MARK: Queries

    /// Calls `body` with every segment that overlaps `range`, in address order, with the segment's
    /// full extent (which may reach beyond `range`), until `body` returns false.
    /// - Returns: false if `body` stopped the visit.
    @discardableResult
    func forEach(in range: Range<Int64>, _ body: (Range<Int64>, Value) -> Bool) -> Bool {
        guard !range.isEmpty else { return true }
        return visit(root, range, body)
    }

    private func visit(_ t: Int32, _ range: Range<Int64>, _ body: (Range<Int64>, Value) -> Bool) -> Bool {
        guard t >= 0 else { return true }
        let (start, end) = (nodes[Int(t)].start, nodes[Int(t)].end)
        if range.lowerBound < start, !visit(nodes[Int(t)].left, range, body) { return false }
        if start < range.upperBound, end > range.lowerBound, !body(start ..< end, nodes[Int(t)].value) { return false }
        if end < range.upperBound { return visit(nodes[Int(t)].right, range, body) }
        return true
    }

    // MARK: Updates

    /// Calls `body` with every segment overlapping `range` that does not carry mark `bit` (0 ..< 64),
    /// in address order, until `body` returns false, and marks each segment for which it returned
    /// true. Subtrees whose segments all carry the bit are skipped without being visited.
    /// - Returns: false if `body` stopped the visit.
    @discardableResult
    mutating func forEachUnmarked(in range: Range<Int64>, bit: Int, _ body: (Range<Int64>, Value) -> Bool) -> Bool {
        guard !range.isEmpty, bit >= 0, bit < 64 else { return true }
        var marked = false
        return visitUnmarked(root, range, UInt64(1) << UInt64(bit), &marked, body)
    }

    /// Sets `marked` if it marked a segment of subtree `t` (whose ancestors then need `update`).
    private mutating func visitUnmarked(_ t: Int32, _ range: Range<Int64>, _ mask: UInt64, _ marked: inout Bool,
                                        _ body: (Range<Int64>, Value) -> Bool) -> Bool {
        guard t >= 0, nodes[Int(t)].subtreeMarks & mask == 0 else { return true }
        let (start, end) = (nodes[Int(t)].start, nodes[Int(t)].end)
        var going = true
        var changed = false
        if range.lowerBound < start { going = visitUnmarked(nodes[Int(t)].left, range, mask, &changed, body) }
        if going, start < range.upperBound, end > range.lowerBound, nodes[Int(t)].marks & mask == 0 {
            going = body(start ..< end, nodes[Int(t)].value)
            if going {
                nodes[Int(t)].marks |= mask
                changed = true
            }
        }
        if going, end < range.upperBound { going = visitUnmarked(nodes[Int(t)].right, range, mask, &changed, body) }
        if changed {
            update(t)
            marked = true
        }
        return going
    }

    /// Gives `range` the single value `value` (and no marks), replacing the segments it covers and
    /// trimming those it partly overlaps. `range` must lie inside `bounds`.
    mutating func assign(_ range: Range<Int64>, _ value: Value) {
        guard !range.isEmpty, range.lowerBound >= bounds.lowerBound, range.upperBound <= bounds.upperBound else { return }
        if replaceExactly(root, range, value) { return }
        cut(at: range.lowerBound)
        cut(at: range.upperBound)
        let (before, rest) = split(root, range.lowerBound)
        let (covered, after) = split(rest, range.upperBound)
        release(covered)
        let node = makeNode(start: range.lowerBound, end: range.upperBound, value: value, marks: 0)
        root = merge(merge(before, node), after)
    }

    /// Applies `transform` to the value of every byte in `range`, splitting the segments that
    /// straddle its ends so bytes outside `range` keep their values. `range` must lie inside `bounds`.
    mutating func modify(_ range: Range<Int64>, _ transform: (inout Value) -> Void) {
        guard !range.isEmpty, range.lowerBound >= bounds.lowerBound, range.upperBound <= bounds.upperBound else { return }
        cut(at: range.lowerBound)
        cut(at: range.upperBound)
        modifyCovered(root, range, transform)
    }

    private mutating func modifyCovered(_ t: Int32, _ range: Range<Int64>, _ transform: (inout Value) -> Void) {
        guard t >= 0 else { return }
        if range.lowerBound < nodes[Int(t)].start { modifyCovered(nodes[Int(t)].left, range, transform) }
        if nodes[Int(t)].start < range.upperBound, nodes[Int(t)].end > range.lowerBound { transform(&nodes[Int(t)].value) }
        if nodes[Int(t)].end < range.upperBound { modifyCovered(nodes[Int(t)].right, range, transform) }
    }

    /// If one segment of subtree `t` is exactly `range`, gives it `value` and no marks (fixing
    /// the marks of the subtrees on the way) and returns true; else changes nothing.
    private mutating func replaceExactly(_ t: Int32, _ range: Range<Int64>, _ value: Value) -> Bool {
        guard t >= 0 else { return false }
        let start = nodes[Int(t)].start
        if range.lowerBound == start {
            guard nodes[Int(t)].end == range.upperBound else { return false }
            nodes[Int(t)].value = value
            nodes[Int(t)].marks = 0
        } else if !replaceExactly(range.lowerBound < start ? nodes[Int(t)].left : nodes[Int(t)].right, range, value) {
            return false
        }
        update(t)
        return true
    }

    // MARK: Treap

    /// Makes a segment start at `address` (unless it is a bound or already a start) by splitting
    /// the segment containing it; both halves keep the value and marks.
    private mutating func cut(at address: Int64) {
        guard address > bounds.lowerBound, address < bounds.upperBound else { return }
        var t = root
        var containing: Int32 = -1
        while t >= 0 {
            if nodes[Int(t)].start <= address {
                containing = t
                t = nodes[Int(t)].right
            } else {
                t = nodes[Int(t)].left
            }
        }
        guard containing >= 0, nodes[Int(containing)].start < address else { return }
        let old = nodes[Int(containing)]
        nodes[Int(containing)].end = address
        let node = makeNode(start: address, end: old.end, value: old.value, marks: old.marks)
        let (before, after) = split(root, address)
        root = merge(merge(before, node), after)
    }

    /// Splits subtree `t` into the segments starting before `key` and the rest.
    private mutating func split(_ t: Int32, _ key: Int64) -> (Int32, Int32) {
        guard t >= 0 else { return (-1, -1) }
        if nodes[Int(t)].start < key {
            let (left, right) = split(nodes[Int(t)].right, key)
            nodes[Int(t)].right = left
            update(t)
            return (t, right)
        }
        let (left, right) = split(nodes[Int(t)].left, key)
        nodes[Int(t)].left = right
        update(t)
        return (left, t)
    }

    /// Joins two subtrees, every segment of `a` before every segment of `b`.
    private mutating func merge(_ a: Int32, _ b: Int32) -> Int32 {
        guard a >= 0 else { return b }
        guard b >= 0 else { return a }
        if nodes[Int(a)].priority >= nodes[Int(b)].priority {
            nodes[Int(a)].right = merge(nodes[Int(a)].right, b)
            update(a)
            return a
        }
        nodes[Int(b)].left = merge(a, nodes[Int(b)].left)
        update(b)
        return b
    }

    private mutating func update(_ t: Int32) {
        let (left, right) = (nodes[Int(t)].left, nodes[Int(t)].right)
        var marks = nodes[Int(t)].marks
        if left >= 0 { marks &= nodes[Int(left)].subtreeMarks }
        if right >= 0 { marks &= nodes[Int(right)].subtreeMarks }
        nodes[Int(t)].subtreeMarks = marks
    }

    private mutating func makeNode(start: Int64, end: Int64, value: Value, marks: UInt64) -> Int32 {
        let node = Node(start: start, end: end, value: value, marks: marks, subtreeMarks: marks, left: -1, right: -1,
                        priority: random.next())
        if let reused = freeNodes.popLast() {
            nodes[Int(reused)] = node
            return reused
        }
        nodes.append(node)
        return Int32(nodes.count - 1)
    }

    /// Returns every node of subtree `t` to the free list.
    private mutating func release(_ t: Int32) {
        guard t >= 0 else { return }
        var stack = [t]
        while let node = stack.popLast() {
            freeNodes.append(node)
            if nodes[Int(node)].left >= 0 { stack.append(nodes[Int(node)].left) }
            if nodes[Int(node)].right >= 0 { stack.append(nodes[Int(node)].right) }
        }
    }
}
