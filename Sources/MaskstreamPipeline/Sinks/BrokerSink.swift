import Foundation
import MaskstreamBrokers

/// What one broker stream (one source of a `redis` or `mqtt` sink) delivered.
public struct BrokerStreamReport: Sendable, Equatable {
    /// `redis` or `mqtt`.
    public var sink: String
    /// The broker and key or topic: `redis://127.0.0.1:6379 maskstream:0`.
    public var target: String
    public var stats: BrokerDelivery.Stats
}

/// The `redis` and `mqtt` sinks: every frame's record, per source, to a broker (Redis Stream
/// `maskstream:<stream>`, or MQTT topic `maskstream/<stream>/frames` at QoS 1). Writing never
/// waits for the broker: each source's ``BrokerDelivery`` spools records while the broker is
/// unreachable (also at start) and delivers them in order after reconnecting; past the spool
/// the oldest are dropped, counted in `/metrics`, the log and the run summary. `finish` waits
/// up to `drain_timeout` for the spool to empty.
public final class BrokerSink: FrameSink, @unchecked Sendable {
    public let name: String
    private let sink: PipelineConfig.Sink
    private let url: BrokerURL
    private let sourceCount: Int
    private let sourceNames: [String?]
    private let deliveries = Locked([Int: (target: String, delivery: BrokerDelivery)]())
    private let finalReports = Locked([BrokerStreamReport]?.none)

    /// `sink` is a validated `redis` or `mqtt` entry.
    init(_ sink: PipelineConfig.Sink, sourceNames: [String?] = [], sourceCount: Int) throws {
        guard let scheme = sink.brokerScheme, let text = sink.url else {
            throw MaskstreamError(.internal, "sink '\(sink.kind.rawValue)' is no broker sink with a url")
        }
        self.name = sink.kind.rawValue
        self.sink = sink
        self.url = try BrokerURL(text, scheme: scheme)
        self.sourceCount = sourceCount
        self.sourceNames = sourceNames
    }

    public func begin(source: SourceContext) throws {
        let log = source.log
        deliveries.withLock { all in
            guard all[source.id] == nil else { return }  // a live source's reconnect begins again
            let name = source.id < sourceNames.count ? sourceNames[source.id] : nil
            let stream = sink.streamName(source: source.id, sourceName: name, sourceCount: sourceCount)
            let transport: any BrokerTransport = switch url.scheme {
            case .redis: RedisStreamTransport(url: url, key: "maskstream:\(stream)", maxLength: sink.maxLength)
            case .mqtt: MQTTStreamTransport(url: url, stream: stream)
            }
            let target = transport.target
            all[source.id] = (target, BrokerDelivery(transport: transport, capacity: sink.spool,
                                                     log: { log("\(self.name): \($0)") }))
        }
    }

    public func write(_ frame: Emission) throws {
        guard let delivery = deliveries.withLock({ $0[frame.record.source]?.delivery }) else {
            throw MaskstreamError(.internal, "\(name) sink: a record of source \(frame.record.source) before its begin")
        }
        try delivery.submit(frame.json)
    }

    public func finish() throws {
        let all = deliveries.withLock { $0.sorted { $0.key < $1.key }.map(\.value) }
        var reports: [BrokerStreamReport] = []
        var failure: (any Error)?
        for (target, delivery) in all {
            do {
                reports.append(BrokerStreamReport(sink: name, target: target,
                                                  stats: try delivery.finish(drainTimeout: sink.drainTimeout)))
            } catch {
                failure = failure ?? error
                reports.append(BrokerStreamReport(sink: name, target: target, stats: delivery.current))
            }
        }
        finalReports.withLock { $0 = reports }
        if let failure { throw failure }
    }

    /// Every stream's counters (final once the sink finished).
    public var reports: [BrokerStreamReport] {
        if let done = finalReports.withLock({ $0 }) { return done }
        return deliveries.withLock { $0.sorted { $0.key < $1.key }.map(\.value) }
            .map { BrokerStreamReport(sink: name, target: $0.target, stats: $0.delivery.current) }
    }
}
