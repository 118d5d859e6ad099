import Foundation

/// Delivers one stream's records to a broker without ever blocking the frame path:
/// ``submit(_:)`` only appends to a bounded ``RecordSpool``; one thread of its own connects,
/// sends in order, and moves confirmed records out. While the broker is unreachable (also at
/// start) records wait in the spool and the thread retries with capped backoff; after a
/// reconnect the spool is delivered in order, and what the broker already held is not sent
/// again where the transport can tell. A full spool drops its oldest record, counted in
/// ``Stats/dropped`` and logged (first drop of each outage), never silently.
///
/// ```swift
/// let delivery = BrokerDelivery(transport: RedisStreamTransport(url: url, key: "maskstream:cam", maxLength: 10_000),
///                               capacity: 10_000, log: { print($0) })
/// try delivery.submit(json)                      // per frame; never waits for the broker
/// let stats = delivery.finish(drainTimeout: 10)  // waits until delivered, or the timeout
/// ```
public final class BrokerDelivery: @unchecked Sendable {
    /// What a delivery did so far.
    public struct Stats: Sendable, Equatable {
        public var submitted = 0
        public var delivered = 0
        /// Records dropped: the spool was full, or the broker was still down at the drain deadline.
        public var dropped = 0
        /// Records in the spool now.
        public var spooled = 0
        /// Connections made after the first one.
        public var reconnects = 0
        public var connected = false
        public init() {}
    }

    /// Records sent per round trip at most.
    static let batch = 256

    private let transport: any BrokerTransport
    private let log: @Sendable (String) -> Void
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var spool: RecordSpool
    private var stats = Stats()
    private var closing = false
    private var drainDeadline = Date.distantFuture
    private var fatal: MaskstreamError?
    private var outage = false
    /// Whether this outage's (or the connection's) first drop was logged.
    private var dropLogged = false
    private let capacity: Int
    private let done = DispatchSemaphore(value: 0)
    private var finished: Stats?

    /// Starts the delivery thread; `capacity` bounds the spool (records).
    public init(transport: any BrokerTransport, capacity: Int, log: @escaping @Sendable (String) -> Void) {
        self.transport = transport
        self.spool = RecordSpool(capacity: capacity)
        self.capacity = capacity
        self.log = log
        let thread = Thread { [self] in run() }
        thread.name = "maskstream.broker"
        thread.start()
    }

    /// Queues one record. Never waits for the broker.
    /// - Throws: the fatal error that stopped the delivery (a broker refusing the records).
    public func submit(_ payload: String) throws {
        condition.lock()
        defer { condition.unlock() }
        if let fatal { throw fatal }
        stats.submitted += 1
        if spool.append(payload), !dropLogged {
            log("\(transport.target): spool full (\(capacity) records): dropping the oldest "
                + "(counted in maskstream_broker_dropped_records_total)")
            dropLogged = true
        }
        condition.signal()
    }

    /// The counters now.
    public var current: Stats {
        condition.lock()
        defer { condition.unlock() }
        return snapshot()
    }

    /// Stops taking records, waits until the spool is delivered or `drainTimeout` seconds
    /// passed (the rest are counted as dropped and logged), closes the connection, and returns
    /// the final counters. Idempotent.
    /// - Throws: the fatal error that stopped the delivery, if any.
    @discardableResult
    public func finish(drainTimeout: Double) throws -> Stats {
        condition.lock()
        if let finished { condition.unlock(); return finished }
        closing = true
        drainDeadline = Date().addingTimeInterval(drainTimeout)
        condition.broadcast()
        condition.unlock()
        done.wait()
        condition.lock()
        defer { condition.unlock() }
        let left = spool.abandon()
        if left > 0 {
            log("\(transport.target): \(left) records not delivered within \(drainTimeout) s of the end: dropped")
        }
        let final = snapshot()
        finished = final
        if let fatal { throw fatal }
        return final
    }

    private func snapshot() -> Stats {
        var s = stats
        s.delivered = spool.delivered
        s.dropped = spool.dropped
        s.spooled = spool.count
        return s
    }

    // MARK: the delivery thread

    private func run() {
        var backoff = Backoff()
        var connected = false
        var everConnected = false
        while true {
            condition.lock()
            if spool.isEmpty && !closing { _ = condition.wait(until: Date().addingTimeInterval(0.1)) }
            let pending = spool.pending(Self.batch)
            let stop = fatal != nil || (closing && (pending.isEmpty || Date() >= drainDeadline))
            condition.unlock()
            if stop { break }
            do {
                if !connected {
                    let held = try transport.connect(pending: pending)
                    connected = true
                    backoff.reset()
                    let waiting = confirm(held, reconnected: everConnected)
                    if everConnected {
                        log("\(transport.target): reconnected; delivering \(waiting) spooled records in order")
                    }
                    everConnected = true
                    continue
                }
                let confirmed = pending.isEmpty ? try transport.poll(seconds: 0.1) : try transport.send(pending)
                _ = confirm(confirmed, reconnected: false)
            } catch let e as MaskstreamError where e.code == .network {
                if connected || !everConnected && !outage {
                    let verb = connected ? "lost" : "cannot reach"
                    log("\(transport.target): \(verb) the broker (\(e.message)); spooling up to "
                        + "\(capacity) records and retrying")
                }
                if connected { transport.reset() }
                connected = false
                condition.locked { outage = true; stats.connected = false }
                let delay = backoff.next()
                condition.lock()
                let until = min(Date().addingTimeInterval(delay), drainDeadline)
                while !(closing && Date() >= drainDeadline), Date() < until { _ = condition.wait(until: until) }
                condition.unlock()
            } catch {
                let e = (error as? MaskstreamError) ?? MaskstreamError(.internal, "\(error)")
                log("\(transport.target): \(e.message): the sink stops")
                condition.locked { fatal = e }
            }
        }
        let undelivered = condition.locked { spool.count > 0 || fatal != nil }
        transport.close(finished: connected && !undelivered)
        condition.locked { stats.connected = false }
        done.signal()
    }

    /// Confirms records under the lock, marks the connection up; returns the records left.
    private func confirm(_ seqs: [UInt64], reconnected: Bool) -> Int {
        condition.lock()
        defer { condition.unlock() }
        spool.confirm(seqs)
        if !stats.connected { dropLogged = false }
        stats.connected = true
        outage = false
        if reconnected { stats.reconnects += 1 }
        return spool.count
    }
}

extension NSCondition {
    fileprivate func locked<R>(_ body: () throws -> R) rethrows -> R {
        lock()
        defer { unlock() }
        return try body()
    }
}
