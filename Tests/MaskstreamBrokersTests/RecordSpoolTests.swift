import Testing
@testable import MaskstreamBrokers

/// The spool as a value: order, drop-oldest at capacity, confirmations in any order.
struct RecordSpoolTests {
    @Test func keepsOrderAndDropsTheOldestWhenFull() {
        var spool = RecordSpool(capacity: 3)
        let dropped = (0..<5).map { spool.append("r\($0)") }
        #expect(dropped == [false, false, false, true, true])
        #expect(spool.pending(10).map(\.payload) == ["r2", "r3", "r4"])
        #expect(spool.pending(10).map(\.seq) == [2, 3, 4])
        #expect(spool.dropped == 2)
    }

    @Test func confirmationsLeaveInAnyOrder() {
        var spool = RecordSpool(capacity: 10)
        for i in 0..<4 { spool.append("r\(i)") }
        spool.confirm([2])
        #expect(spool.pending(10).map(\.payload) == ["r0", "r1", "r3"], "a confirmed record is never pending")
        #expect(spool.count == 4, "r2 waits behind r0 and r1")
        spool.confirm([0, 1, 99])
        #expect(spool.pending(10).map(\.payload) == ["r3"])
        #expect(spool.count == 1)
        #expect(spool.delivered == 3)
        spool.confirm([1, 2])
        #expect(spool.delivered == 3, "confirming twice counts once")
    }

    @Test func pendingIsBoundedAndAbandonCountsTheRest() {
        var spool = RecordSpool(capacity: 100)
        for i in 0..<50 { spool.append("r\(i)") }
        #expect(spool.pending(8).map(\.seq) == Array(0..<8))
        spool.confirm(Array(0..<8))
        #expect(spool.abandon() == 42)
        #expect(spool.dropped == 42)
        #expect(spool.isEmpty)
    }

    /// A dropped record that was already confirmed out of order is not counted as dropped.
    @Test func droppingAConfirmedRecordIsNoDrop() {
        var spool = RecordSpool(capacity: 2)
        spool.append("a")
        spool.append("b")
        spool.confirm([0])
        spool.append("c")
        spool.append("d")
        #expect(spool.dropped == 1)
        #expect(spool.pending(10).map(\.payload) == ["c", "d"])
    }

    @Test func manyRecordsCompactWithoutLosingOrder() {
        var spool = RecordSpool(capacity: 5000)
        for i in 0..<20_000 {
            spool.append("r\(i)")
            if i % 3 == 0 { spool.confirm(spool.pending(2).map(\.seq)) }
        }
        let seqs = spool.pending(10_000).map(\.seq)
        #expect(seqs == seqs.sorted())
        #expect(spool.delivered + spool.dropped + spool.count == 20_000)
    }
}
