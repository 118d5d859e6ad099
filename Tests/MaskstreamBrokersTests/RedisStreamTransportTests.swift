import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamBrokers

/// The Redis transport against a real redis-server: what it sends, and how a reconnect tells
/// which records in flight Redis already appended (exactly once with one writer per key).
@Suite(.serialized, .timeLimit(.minutes(2))) struct RedisStreamTransportTests {
    func records(_ range: Range<Int>) -> [BrokerRecord] {
        range.map { BrokerRecord(seq: UInt64($0), payload: "{\"frame\":\($0)}") }
    }

    @Test func sendAppendsInOrderAndTrimsApproximately() throws {
        let server = try RedisTestServer()
        try server.start()
        let transport = RedisStreamTransport(url: try BrokerURL(server.url, scheme: .redis), key: "maskstream:x",
                                             maxLength: 100)
        #expect(try transport.connect(pending: []) == [])
        let sent = records(0..<1000)
        #expect(try transport.send(sent) == sent.map(\.seq))
        let stored = try server.streamRecords("maskstream:x")
        #expect(stored.count >= 100 && stored.count < 1000, "MAXLEN ~ 100 trims, approximately: \(stored.count)")
        #expect(stored == sent.suffix(stored.count).map(\.payload), "the newest, in order")
    }

    /// Records 0–9 reached Redis but their replies were lost with the connection: after the
    /// reconnect the stream's newest entry (record 9) marks 0–9 as held; 10–14 are sent.
    @Test func reconnectSkipsWhatRedisAlreadyHeld() throws {
        let server = try RedisTestServer()
        try server.start()
        let url = try BrokerURL(server.url, scheme: .redis)
        let pending = records(0..<15)
        for r in pending[..<10] { _ = try server.cli(["XADD", "maskstream:y", "*", "record", r.payload]) }
        let transport = RedisStreamTransport(url: url, key: "maskstream:y", maxLength: 1000)
        let held = try transport.connect(pending: pending)
        #expect(held == Array(0..<10))
        _ = try transport.send(pending.filter { !held.contains($0.seq) })
        #expect(try server.streamRecords("maskstream:y") == pending.map(\.payload), "each record once, in order")

        // A stream whose newest entry is none of the pending records: everything is sent.
        let other = RedisStreamTransport(url: url, key: "maskstream:y", maxLength: 1000)
        #expect(try other.connect(pending: records(100..<105)) == [])
    }
}
