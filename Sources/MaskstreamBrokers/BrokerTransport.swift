/// How one stream's records reach one broker: the part of a broker sink that speaks the
/// protocol. ``BrokerDelivery`` calls it from its one thread only, so implementations hold
/// their C handles without locking. Connection losses are `MaskstreamError`s with code
/// `.network` (the delivery reconnects and resends what was not confirmed); any other error
/// is fatal for the sink.
public protocol BrokerTransport: AnyObject {
    /// The address and key or topic, for log lines: `redis://127.0.0.1:6379 maskstream:cam`.
    var target: String { get }
    /// Connects (bounded by timeouts). `pending` are the oldest unconfirmed records; returns
    /// the sequence numbers of those the broker already holds (sent before a lost connection,
    /// confirmed now), which are not sent again.
    func connect(pending: [BrokerRecord]) throws -> [UInt64]
    /// Sends `records` (the oldest unconfirmed, in order; some may have been sent already on
    /// this connection) and returns the sequence numbers confirmed so far.
    func send(_ records: [BrokerRecord]) throws -> [UInt64]
    /// Keeps an idle connection alive for up to `seconds`; returns late confirmations.
    func poll(seconds: Double) throws -> [UInt64]
    /// Drops the connection after a failure (the next ``connect(pending:)`` makes a new one).
    func reset()
    /// Ends the stream: says so where the protocol can (`finished` is false when records were
    /// left undelivered) and disconnects cleanly.
    func close(finished: Bool)
}
