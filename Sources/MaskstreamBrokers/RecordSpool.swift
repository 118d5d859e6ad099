/// One record waiting for a broker: its payload and its place in the stream's order.
public struct BrokerRecord: Sendable, Equatable {
    /// 0, 1, 2, … in submission order (unique within one spool).
    public var seq: UInt64
    public var payload: String
}

/// The bounded FIFO of records a broker has not confirmed yet, in submission order. A full
/// spool drops its oldest record (counted): the freshest records are the ones kept, as a live
/// source's buffer keeps its newest frames. Records leave when the broker confirms them, in
/// any order; ``pending(_:)`` never returns a confirmed one.
///
/// ```swift
/// var spool = RecordSpool(capacity: 2)
/// spool.append("a"); spool.append("b"); spool.append("c")   // drops "a"
/// spool.pending(10).map(\.payload)                          // ["b", "c"]
/// spool.confirm([2])                                        // "c" delivered; "b" still pending
/// ```
/// A value type without locking: its owner guards it.
public struct RecordSpool: Sendable {
    public let capacity: Int
    private var items: [BrokerRecord] = []
    private var head = 0
    /// Confirmed records still behind an unconfirmed one.
    private var confirmedAhead: Set<UInt64> = []
    public private(set) var nextSeq: UInt64 = 0
    /// Records dropped because the spool was full (or abandoned by ``abandon()``).
    public private(set) var dropped = 0
    /// Records the broker confirmed.
    public private(set) var delivered = 0

    public init(capacity: Int) {
        precondition(capacity >= 1, "a spool holds at least one record")
        self.capacity = capacity
    }

    /// Records in the spool, confirmed or not.
    public var count: Int { items.count - head }
    public var isEmpty: Bool { count == confirmedAhead.count }

    /// Appends a record; returns whether the oldest was dropped to make room.
    /// - Complexity: amortized O(1).
    @discardableResult
    public mutating func append(_ payload: String) -> Bool {
        var droppedOne = false
        if count == capacity {
            let oldest = items[head].seq
            if confirmedAhead.remove(oldest) == nil { dropped += 1; droppedOne = true }
            head += 1
        }
        items.append(BrokerRecord(seq: nextSeq, payload: payload))
        nextSeq += 1
        compact()
        return droppedOne
    }

    /// The oldest `limit` records not confirmed yet, in order.
    /// - Complexity: O(limit + confirmed records among them).
    public func pending(_ limit: Int) -> [BrokerRecord] {
        var out: [BrokerRecord] = []
        var i = head
        while i < items.count, out.count < limit {
            if !confirmedAhead.contains(items[i].seq) { out.append(items[i]) }
            i += 1
        }
        return out
    }

    /// Marks records delivered by their sequence numbers (unknown or dropped ones are ignored).
    /// - Complexity: O(seqs + records that leave).
    public mutating func confirm<S: Sequence>(_ seqs: S) where S.Element == UInt64 {
        guard head < items.count else { return }
        let first = items[head].seq
        for s in seqs where s >= first && s < nextSeq && !confirmedAhead.contains(s) {
            confirmedAhead.insert(s)
            delivered += 1
        }
        while head < items.count, confirmedAhead.remove(items[head].seq) != nil { head += 1 }
        compact()
    }

    /// Gives up on every unconfirmed record (counted as dropped); returns how many.
    public mutating func abandon() -> Int {
        let n = count - confirmedAhead.count
        dropped += n
        items.removeAll()
        head = 0
        confirmedAhead.removeAll()
        return n
    }

    private mutating func compact() {
        if head > 1024, head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
    }
}
