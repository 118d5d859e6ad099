/// Appends one stream's records to a Redis Stream: per record
/// `XADD <key> MAXLEN ~ <maxLength> * record <json>`, a batch per round trip (pipelined).
///
/// After a lost connection the last entry of the stream (`XREVRANGE <key> + - COUNT 1`) tells
/// which of the records in flight Redis had already appended; those are not sent again, so
/// with one writer per key every record is in the stream exactly once, in order. (With
/// several writers on one key, or a stream trimmed past them, records in flight are resent:
/// at least once.)
public final class RedisStreamTransport: BrokerTransport {
    public let url: BrokerURL
    public let key: String
    public let maxLength: Int
    private let timeout: Double
    private var connection: RedisConnection?

    public init(url: BrokerURL, key: String, maxLength: Int, timeout: Double = 2) {
        self.url = url
        self.key = key
        self.maxLength = maxLength
        self.timeout = timeout
    }

    public var target: String { "\(url) \(key)" }

    public func connect(pending: [BrokerRecord]) throws -> [UInt64] {
        let c = try RedisConnection(url: url, timeout: timeout)
        let last = try c.command(["XREVRANGE", key, "+", "-", "COUNT", "1"])
        connection = c
        // [[id, [field, value, …]]]: the newest entry's `record` field.
        let fields = last.elements.first?.elements.dropFirst().first?.elements ?? []
        guard let i = fields.firstIndex(of: .string("record")), i + 1 < fields.count,
              let stored = fields[i + 1].string,
              let held = pending.lastIndex(where: { $0.payload == stored }) else { return [] }
        return pending[...held].map(\.seq)
    }

    public func send(_ records: [BrokerRecord]) throws -> [UInt64] {
        guard let c = connection else { throw MaskstreamError(.network, "not connected to \(url)") }
        let commands = records.map { ["XADD", key, "MAXLEN", "~", String(maxLength), "*", "record", $0.payload] }
        let replies = try c.pipeline(commands)
        if let i = replies.firstIndex(where: { if case .error = $0 { true } else { false } }),
           case .error(let why) = replies[i] {
            throw MaskstreamError(.invalidInput, "XADD \(key) on \(url) failed: \(why): is '\(key)' a stream? "
                + "(redis-cli type \(key)); use another sinks[].stream")
        }
        return records.map(\.seq)
    }

    public func poll(seconds: Double) throws -> [UInt64] { [] }

    public func reset() { connection = nil }

    public func close(finished: Bool) { connection = nil }
}
