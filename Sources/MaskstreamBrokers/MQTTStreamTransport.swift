import Foundation

/// Publishes one stream's records to an MQTT broker: each record at QoS 1 on
/// `maskstream/<stream>/frames` (confirmed by the broker's PUBACK), and the stream's state,
/// retained, on `maskstream/<stream>/state`: `{"state":"live",…}` on every connect,
/// `{"state":"finished",…}` at the end (`incomplete` when records were left undelivered), and
/// `{"state":"offline",…}` as the connection's will
/// (the broker publishes it when the process dies).
///
/// Reconnection is clean: a lost connection's client is dropped and a new one (clean session)
/// connects; records not acknowledged are published again, in order. QoS 1 is at least once: a
/// record the broker received but whose PUBACK was lost with the connection arrives twice
/// (consumers drop a repeated `frame`).
public final class MQTTStreamTransport: BrokerTransport {
    public let url: BrokerURL
    public let stream: String
    private var client: MQTTClient?
    /// Message id → record sequence number, for records published on this connection.
    private var inFlight: [Int32: UInt64] = [:]
    /// The newest sequence number published on this connection.
    private var publishedThrough: UInt64?
    /// The newest sequence number ever published (records of the stream so far, minus one).
    private var highest: UInt64?

    public init(url: BrokerURL, stream: String) {
        self.url = url
        self.stream = stream
    }

    public var framesTopic: String { "maskstream/\(stream)/frames" }
    public var stateTopic: String { "maskstream/\(stream)/state" }
    public var target: String { "\(url) \(framesTopic)" }

    private func state(_ word: String) -> String {
        "{\"state\":\"\(word)\",\"stream\":\(Self.quoted(stream)),\"records\":\(highest.map { $0 + 1 } ?? 0)}"
    }

    public func connect(pending: [BrokerRecord]) throws -> [UInt64] {
        let id = "maskstream-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        let c = try MQTTClient(url: url, clientID: id,
                               will: MQTTClient.Will(topic: stateTopic, payload: state("offline"), retain: true))
        try c.publish(topic: stateTopic, payload: state("live"), qos: 1, retain: true)
        client = c
        inFlight.removeAll()
        publishedThrough = nil
        return []
    }

    public func send(_ records: [BrokerRecord]) throws -> [UInt64] {
        guard let c = client else { throw MaskstreamError(.network, "not connected to \(url)") }
        var fresh = false
        for r in records where publishedThrough.map({ r.seq > $0 }) ?? true {
            let mid = try c.publish(topic: framesTopic, payload: r.payload, qos: 1, retain: false)
            inFlight[mid] = r.seq
            publishedThrough = r.seq
            highest = r.seq
            fresh = true
        }
        return try collect(c.poll(seconds: fresh ? 0 : 0.05))
    }

    public func poll(seconds: Double) throws -> [UInt64] {
        guard let c = client else { throw MaskstreamError(.network, "not connected to \(url)") }
        return try collect(c.poll(seconds: seconds))
    }

    private func collect(_ mids: [Int32]) -> [UInt64] { mids.compactMap { inFlight.removeValue(forKey: $0) } }

    public func reset() { client = nil }

    public func close(finished: Bool) {
        guard let c = client else { return }
        let word = finished ? "finished" : "incomplete"
        if let mid = try? c.publish(topic: stateTopic, payload: state(word), qos: 1, retain: true) {
            let deadline = Date().addingTimeInterval(2)
            while Date() < deadline, let acked = try? c.poll(seconds: 0.05), !acked.contains(mid) {}
        }
        c.disconnect()
        client = nil
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text])) ?? Data("[\"\"]".utf8)
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }
}
