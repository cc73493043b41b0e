/// When something happens in the engine.
///
/// Order: earlier `cycle` first; within a cycle, `signal` events before `unitFree` events (a unit
/// freed in the same cycle as a token then sees the token); then first-scheduled first
/// (`sequence`), so equal times pop in FIFO order and reruns are identical.
struct Event {
    enum Kind: UInt8 {
        /// A token becomes signalled; `payload` is the token.
        case signal = 0
        /// A unit finishes occupying itself; `payload` is the unit.
        case unitFree = 1
    }

    var cycle: Int64
    var kind: Kind
    var sequence: UInt64
    var payload: Int32

    @inline(__always)
    func precedes(_ other: Event) -> Bool {
        if cycle != other.cycle { return cycle < other.cycle }
        if kind != other.kind { return kind.rawValue < other.kind.rawValue }
        return sequence < other.sequence
    }
}

/// A binary min-heap of events with a total, deterministic order (see `Event`).
///
/// - Complexity: O(log n) push and pop; storage is reused, so steady-state pushes do not allocate.
struct EventQueue {
    private var heap: [Event] = []
    private var nextSequence: UInt64 = 0

    init(capacity: Int) { heap.reserveCapacity(capacity) }

    var isEmpty: Bool { heap.isEmpty }

    mutating func push(cycle: Int64, kind: Event.Kind, payload: Int32) {
        heap.append(Event(cycle: cycle, kind: kind, sequence: nextSequence, payload: payload))
        nextSequence &+= 1
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if heap[child].precedes(heap[parent]) {
                heap.swapAt(child, parent)
                child = parent
            } else {
                break
            }
        }
    }

    mutating func pop() -> Event? {
        guard let first = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var parent = 0
            let count = heap.count
            while true {
                let left = 2 * parent + 1
                if left >= count { break }
                let right = left + 1
                var smallest = left
                if right < count && heap[right].precedes(heap[left]) { smallest = right }
                if heap[smallest].precedes(heap[parent]) {
                    heap.swapAt(smallest, parent)
                    parent = smallest
                } else {
                    break
                }
            }
        }
        return first
    }
}
