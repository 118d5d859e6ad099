import Foundation
import MaskstreamServer

/// Streams every frame record as one WebSocket text message to the clients of
/// `ws://host:port/ws`; the same server answers Prometheus `GET /metrics`.
/// A slow client never blocks the pipeline (its own bounded buffer drops oldest).
public final class WebSocketSink: FrameSink {
    public let name = "websocket"
    public let server: LiveStreamServer
    /// The port actually bound (the configured one, or a free one for port 0).
    public private(set) var port: Int = 0

    public init(host: String, port: Int, metrics: PipelineMetrics) throws {
        server = LiveStreamServer(host: host, port: port, metrics: { metrics.render() })
        self.port = try blockingAwait { [server] in try await server.start() }
    }

    public func write(_ record: FrameRecord, frame: VideoFrame) throws {
        server.broadcast(try record.jsonLine())
    }

    public func finish() throws {
        try blockingAwait { [server] in await server.shutdown() }
    }
}

/// Runs an async operation to completion from a plain thread (the pipeline's stage threads).
func blockingAwait<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        do { box.set(.success(try await operation())) } catch { box.set(.failure(error)) }
        done.signal()
    }
    done.wait()
    return try box.get()
}

final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, any Error>?
    func set(_ r: Result<T, any Error>) { lock.withLock { result = r } }
    func get() throws -> T {
        guard let r = lock.withLock({ result }) else { throw MaskstreamError(.internal, "async operation produced no result") }
        return try r.get()
    }
}
