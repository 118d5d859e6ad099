import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamBrokers

/// The spooled delivery against real brokers that are down at start, die and come back.
@Suite(.serialized, .timeLimit(.minutes(3))) struct BrokerDeliveryTests {
    let log: @Sendable (String) -> Void = { _ in }

    /// Redis is not running when the first records arrive: they are spooled, and delivered in
    /// order, each exactly once, once Redis starts; then Redis is SIGKILLed and restarted
    /// under the stream: the records of the outage follow, still exactly once and in order.
    @Test func redisDownAtStartThenRestartedDeliversEveryRecordOnceInOrder() throws {
        let server = try RedisTestServer()
        let url = try BrokerURL(server.url, scheme: .redis)
        let lines = Locked([String]())
        let delivery = BrokerDelivery(transport: RedisStreamTransport(url: url, key: "maskstream:t", maxLength: 1000),
                                      capacity: 1000, log: { line in lines.withLock { $0.append(line) } })
        let records = (0..<300).map { "{\"frame\":\($0)}" }
        for r in records[0..<100] { try delivery.submit(r) }
        #expect(delivery.current.delivered == 0)
        try server.start()
        for r in records[100..<150] { try delivery.submit(r) }
        try waitUntil { delivery.current.delivered == 150 }
        server.stop()
        for r in records[150..<250] { try delivery.submit(r) }
        try server.start()
        for r in records[250...] { try delivery.submit(r) }
        let stats = try delivery.finish(drainTimeout: 20)
        #expect(stats.delivered == 300)
        #expect(stats.dropped == 0)
        #expect(stats.reconnects >= 1)
        #expect(try server.streamRecords("maskstream:t") == records, "every record once, in order")
        let log = lines.withLock { $0 }
        #expect(log.contains { $0.contains("cannot reach the broker") }, "\(log)")
        #expect(log.contains { $0.contains("lost the broker") }, "\(log)")
        #expect(log.contains { $0.contains("reconnected; delivering") }, "\(log)")
    }

    /// Past the spool the oldest records are dropped and counted; what is left is delivered
    /// in order once the broker is back; records still spooled at the drain deadline count as dropped.
    @Test func fullSpoolDropsTheOldestAndCountsThem() throws {
        let server = try RedisTestServer()
        let url = try BrokerURL(server.url, scheme: .redis)
        let lines = Locked([String]())
        let delivery = BrokerDelivery(transport: RedisStreamTransport(url: url, key: "maskstream:d", maxLength: 1000),
                                      capacity: 10, log: { line in lines.withLock { $0.append(line) } })
        let records = (0..<25).map { "{\"frame\":\($0)}" }
        for r in records { try delivery.submit(r) }
        #expect(delivery.current.dropped == 15)
        #expect(lines.withLock { $0 }.contains { $0.contains("spool full (10 records)") })
        try server.start()
        let stats = try delivery.finish(drainTimeout: 20)
        #expect(stats == {
            var s = BrokerDelivery.Stats()
            s.submitted = 25
            s.delivered = 10
            s.dropped = 15
            return s
        }())
        #expect(try server.streamRecords("maskstream:d") == Array(records[15...]), "the newest ten, in order")

        let down = BrokerDelivery(transport: RedisStreamTransport(url: url, key: "maskstream:e", maxLength: 10),
                                  capacity: 10, log: log)
        server.stop()
        for r in records[..<5] { try down.submit(r) }
        let left = try down.finish(drainTimeout: 0.3)
        #expect(left.dropped == 5 && left.delivered == 0, "undelivered at the deadline: counted, not lost silently")
    }

    /// A key that is not a stream makes XADD fail: a fatal, typed error naming the call (not
    /// an endless retry).
    @Test func redisRefusingTheRecordsIsATypedError() throws {
        let server = try RedisTestServer()
        try server.start()
        _ = try server.cli(["SET", "maskstream:s", "not a stream"])
        let url = try BrokerURL(server.url, scheme: .redis)
        let delivery = BrokerDelivery(transport: RedisStreamTransport(url: url, key: "maskstream:s", maxLength: 10),
                                      capacity: 10, log: log)
        try delivery.submit("{}")
        #expect {
            try delivery.finish(drainTimeout: 10)
        } throws: { error in
            let e = error as? MaskstreamError
            return e?.code == .invalidInput && e?.message.contains("XADD maskstream:s") == true
        }
    }

    /// MQTT: mosquitto restarts under the stream; the subscriber (its own persistent session)
    /// gets every record at least once, first occurrences in order; a repeat is only ever a
    /// resend of records not acknowledged before the loss.
    @Test func mqttRestartDeliversEveryRecordAtLeastOnceInOrder() throws {
        let broker = try MosquittoTestServer()
        try broker.start()
        let subscriber = try MQTTTestSubscriber(broker: broker, topic: "maskstream/t/frames")
        let url = try BrokerURL(broker.url, scheme: .mqtt)
        let transport = MQTTStreamTransport(url: url, stream: "t")
        let delivery = BrokerDelivery(transport: transport, capacity: 1000, log: log)
        let records = (0..<200).map { "{\"frame\":\($0)}" }
        for r in records[..<80] { try delivery.submit(r) }
        try waitUntil { delivery.current.delivered == 80 }
        broker.stop()
        for r in records[80..<150] { try delivery.submit(r) }
        try broker.start()
        for r in records[150...] { try delivery.submit(r) }
        let stats = try delivery.finish(drainTimeout: 20)
        #expect(stats.delivered == 200 && stats.dropped == 0 && stats.reconnects >= 1)
        try waitUntil { Set(subscriber.payloads()).count == 200 }
        checkAtLeastOnceInOrder(subscriber.payloads(), records)
        let state = try broker.retained("maskstream/t/state")
        #expect(state?.contains("\"state\":\"finished\"") == true, "\(state ?? "no state")")
    }
}

/// Every record arrived; first arrivals are in order; a repeat never jumps ahead.
func checkAtLeastOnceInOrder(_ got: [String], _ sent: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    let index = Dictionary(uniqueKeysWithValues: sent.enumerated().map { ($1, $0) })
    var seen = Set<Int>()
    var firsts: [Int] = []
    var newest = -1
    for payload in got {
        guard let i = index[payload] else {
            Issue.record("unexpected payload \(payload)", sourceLocation: sourceLocation)
            continue
        }
        #expect(i <= newest + 1, "record \(i) arrived before record \(newest + 1)", sourceLocation: sourceLocation)
        newest = max(newest, i)
        if seen.insert(i).inserted { firsts.append(i) }
    }
    #expect(firsts == Array(sent.indices), "every record, first arrivals in order", sourceLocation: sourceLocation)
}

/// Waits (polling) until `condition` holds; throws after `timeout` so a broken delivery fails
/// the test instead of hanging it (the assertions are on what arrived, not on time).
func waitUntil(timeout: Double = 30, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while try !condition() {
        guard Date() < deadline else { throw TestFailure("condition not reached within \(timeout) s") }
        Thread.sleep(forTimeInterval: 0.05)
    }
}
