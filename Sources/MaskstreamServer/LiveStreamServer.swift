import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle

/// The live HTTP endpoint of a running pipeline: a WebSocket stream of per-frame JSON
/// records at `GET /ws`, Prometheus metrics at `GET /metrics`, `GET /healthz`, and the live
/// viewer at `GET /` (``viewer``, see ``ViewerChannel``).
///
/// Every client connected to `/ws` receives each ``broadcast(_:)`` text as one WebSocket
/// text message, in order. Each client sits behind its own bounded drop-oldest buffer
/// (``clientBufferCapacity`` messages), so a slow or stalled client loses its oldest
/// pending records (counted in ``droppedMessages``) and never slows the pipeline down.
///
/// ```swift
/// let server = LiveStreamServer(port: 0) { metrics.render() }
/// let port = try await server.start()          // e.g. ws://127.0.0.1:\(port)/ws
/// server.broadcast(#"{"frame_index":0,"instances":[]}"#)
/// await server.shutdown()
/// ```
///
/// The server runs in one task owned by this object, started by ``start()`` and ended by
/// ``shutdown()`` (a graceful one: clients get a WebSocket close, the listener stops).
public final class LiveStreamServer: Sendable {
    /// The content type `/metrics` is served with (Prometheus text exposition 0.0.4).
    public static let metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Default number of messages buffered per WebSocket client before the oldest is dropped.
    public static let defaultClientBufferCapacity = 256

    /// Interface the server binds to; `127.0.0.1` keeps it local, `0.0.0.0` exposes it.
    public let host: String
    /// Requested port; 0 picks a free one (``start()`` returns the one bound).
    public let port: Int
    /// Messages buffered per client before the oldest is dropped.
    public var clientBufferCapacity: Int { hub.capacity }

    private enum Phase {
        case idle
        case starting
        case running(port: Int, group: ServiceGroup, task: Task<Void, Never>)
        case stopped
    }

    private let metrics: @Sendable () -> String
    /// Who may call `/streams`.
    let access: APIAccess
    private let controller = Locked<(any StreamsController)?>(nil)
    private let models = Locked<(any ModelController)?>(nil)
    private let hub: BroadcastHub
    /// The live viewer's channel (`/`, `/viewer/ws`): stream states, records, JPEG frames.
    public let viewer = ViewerChannel()
    private let phase = Locked(Phase.idle)
    private let shutdownGrace: Duration

    /// - Parameters:
    ///   - host: interface to bind (default loopback only).
    ///   - port: TCP port, 0 for any free port.
    ///   - clientBufferCapacity: messages buffered per WebSocket client (drop-oldest beyond).
    ///   - shutdownGrace: how long ``shutdown()`` waits for clients to close before cutting them off.
    ///   - access: who may call `/streams` (a bearer token; required off loopback).
    ///   - metrics: renders the `/metrics` body (Prometheus text 0.0.4), called once per scrape
    ///     on a server thread (a `PrometheusCollectorRegistry`'s `emitToString()`).
    public init(
        host: String = "127.0.0.1",
        port: Int = 8765,
        clientBufferCapacity: Int = LiveStreamServer.defaultClientBufferCapacity,
        shutdownGrace: Duration = .seconds(2),
        access: APIAccess = APIAccess(),
        metrics: @escaping @Sendable () -> String
    ) {
        self.host = host
        self.port = port
        self.access = access
        self.metrics = metrics
        self.hub = BroadcastHub(capacity: clientBufferCapacity)
        self.shutdownGrace = shutdownGrace
    }

    deinit {
        if case .running(_, _, let task) = phase.withLock({ $0 }) { task.cancel() }
    }

    /// Binds and starts serving; returns once the listener is up.
    ///
    /// - Returns: the bound TCP port (the picked one when `port` was 0).
    /// - Throws: `MaskstreamError(.config)` for an invalid host/port or a second start,
    ///   `MaskstreamError(.network)` when the address cannot be bound (port in use, unknown host).
    public func start() async throws -> Int {
        guard (0...65535).contains(port) else {
            throw MaskstreamError(.config, "WebSocket server port \(port) is out of range: use 1...65535, or 0 to pick a free port")
        }
        guard !host.isEmpty else {
            throw MaskstreamError(.config, "WebSocket server host is empty: use 127.0.0.1 (local only) or 0.0.0.0 (all interfaces)")
        }
        guard access.token != nil || APIAccess.isLoopback(host) else {
            throw MaskstreamError(.config, "server host \(host) reaches beyond this machine and the stream API "
                                  + "would be open to it: set server.api_token, or bind 127.0.0.1")
        }
        try phase.withLock { phase in
            switch phase {
            case .idle:
                break
            case .stopped:
                throw MaskstreamError(.config, "this LiveStreamServer was shut down: create a new one to serve again")
            case .starting, .running:
                throw MaskstreamError(.config, "LiveStreamServer.start() was already called: call it once per server")
            }
            phase = .starting
        }

        var logger = Logger(label: "maskstream.server")
        logger.logLevel = .warning
        let startup = StartupSignal()
        let app = Application(
            router: makeRouter(),
            server: .http1WebSocketUpgrade(webSocketRouter: makeWebSocketRouter()),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in startup.succeed(channel.localAddress?.port ?? -1) },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let (host, port) = (self.host, self.port)
        let task = Task {
            do {
                try await group.run()
                startup.fail(MaskstreamError(.network, "WebSocket server on \(host):\(port) stopped before it started listening"))
            } catch {
                startup.fail(Self.bindError(error, host: host, port: port))
            }
        }

        let bound: Int
        do {
            bound = try await startup.wait()
        } catch {
            task.cancel()
            await task.value
            phase.withLock { $0 = .stopped }
            throw error
        }
        // `shutdown()` may have run while the listener came up: then stop it again.
        let kept = phase.withLock { phase in
            guard case .starting = phase else { return false }
            phase = .running(port: bound, group: group, task: task)
            return true
        }
        guard kept else {
            await group.triggerGracefulShutdown()
            task.cancel()
            await task.value
            throw MaskstreamError(.cancelled, "the WebSocket server was shut down while it was starting")
        }
        return bound
    }

    /// Sends `text` to every connected `/ws` client as one text message.
    ///
    /// Never blocks: a client whose buffer is full loses its oldest pending message.
    /// Callable from any thread.
    ///
    /// - Complexity: O(*c*) for *c* connected clients.
    public func broadcast(_ text: String) {
        hub.publish(text)
    }

    /// The pipeline whose streams `/streams` lists, adds and removes (until ``shutdown()``).
    public func setStreamsController(_ streams: (any StreamsController)?) {
        controller.withLock { $0 = streams }
    }

    var streamsController: (any StreamsController)? { controller.withLock { $0 } }

    /// The pipeline whose model `/model` reports and reloads (until ``shutdown()``).
    public func setModelController(_ model: (any ModelController)?) {
        models.withLock { $0 = model }
    }

    var modelController: (any ModelController)? { models.withLock { $0 } }

    /// WebSocket clients currently connected to `/ws`.
    public var clientCount: Int { hub.subscriberCount }

    /// Messages dropped so far because a client fell behind, over all clients.
    public var droppedMessages: Int { hub.droppedMessages }

    /// Per-client counters of the clients currently connected.
    public var clientStats: [BroadcastHub.SubscriberStats] { hub.stats }

    /// The bound port while running, nil before ``start()`` and after ``shutdown()``.
    public var boundPort: Int? {
        phase.withLock { phase in
            if case .running(let port, _, _) = phase { return port }
            return nil
        }
    }

    /// Closes every client socket (after its buffered messages), stops listening and waits
    /// for the server task; connections still open after `shutdownGrace` are cut off.
    /// Safe to call more than once, or without `start()`.
    public func shutdown() async {
        let running: (ServiceGroup, Task<Void, Never>)? = phase.withLock { phase in
            defer { phase = .stopped }
            if case .running(_, let group, let task) = phase { return (group, task) }
            return nil
        }
        hub.finish()
        controller.withLock { $0 = nil }
        models.withLock { $0 = nil }
        viewer.hub.finish()
        guard let (group, task) = running else { return }
        await group.triggerGracefulShutdown()
        let grace = shutdownGrace
        await withTaskGroup(of: Void.self) { waiters in
            waiters.addTask { await task.value }
            waiters.addTask {
                do {
                    try await Task.sleep(for: grace)
                    task.cancel()
                } catch {}
            }
            await waiters.next()
            waiters.cancelAll()
        }
        await task.value
    }

    // MARK: - Routes

    private func makeRouter() -> Router<BasicWebSocketRequestContext> {
        let router = Router(context: BasicWebSocketRequestContext.self)
        let metrics = self.metrics
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: Self.metricsContentType],
                body: .init(byteBuffer: ByteBuffer(string: metrics()))
            )
        }
        router.get("/healthz") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: "ok"))
            )
        }
        addStreamRoutes(to: router)
        addModelRoutes(to: router)
        addViewerRoutes(to: router)
        return router
    }

    private func makeWebSocketRouter() -> Router<BasicWebSocketRequestContext> {
        let router = Router(context: BasicWebSocketRequestContext.self)
        let hub = self.hub
        router.ws("/ws") { inbound, outbound, _ in
            let subscription = hub.subscribe()
            defer { hub.unsubscribe(subscription.id) }
            await withThrowingTaskGroup(of: Void.self) { group in
                // Reads (and discards) client frames: ends when the client goes away.
                group.addTask { for try await _ in inbound {} }
                // Writes each broadcast record; ends when the hub finishes (shutdown).
                group.addTask {
                    for await text in subscription.messages {
                        // Split into frames of the configured max frame size (16 KiB), which
                        // every client accepts; clients reassemble the message.
                        try await outbound.writeTextMessage(text)
                    }
                }
                // Whichever side ends first ends the connection; a write to a client that
                // has gone away is an ordinary disconnect, not a server error.
                _ = try? await group.next()
                group.cancelAll()
            }
        }
        addViewerWebSocket(to: router)
        return router
    }

    private static func bindError(_ error: any Error, host: String, port: Int) -> MaskstreamError {
        if let error = error as? MaskstreamError { return error }
        if let io = error as? IOError, io.errnoCode == EADDRINUSE {
            return MaskstreamError(
                .network,
                "cannot listen on \(host):\(port): the address is already in use; stop the other process, choose another port, or use port 0 to pick a free one",
                cause: error
            )
        }
        return MaskstreamError(
            .network,
            "cannot listen on \(host):\(port): check that the host is a local interface address (e.g. 127.0.0.1 or 0.0.0.0) and the port is free",
            cause: error
        )
    }
}

/// A one-shot rendezvous between the server task and `start()`: the first of
/// "listening on port N" or "failed" wins; later signals are ignored.
private final class StartupSignal: Sendable {
    private enum State {
        case waiting(CheckedContinuation<Int, any Error>?)
        case done(Result<Int, MaskstreamError>)
    }

    private let state = Locked(State.waiting(nil))

    func succeed(_ port: Int) { resolve(.success(port)) }
    func fail(_ error: MaskstreamError) { resolve(.failure(error)) }

    func wait() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let ready: Result<Int, MaskstreamError>? = state.withLock { state in
                switch state {
                case .waiting:
                    state = .waiting(continuation)
                    return nil
                case .done(let result):
                    return result
                }
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    private func resolve(_ result: Result<Int, MaskstreamError>) {
        let continuation: CheckedContinuation<Int, any Error>? = state.withLock { state in
            guard case .waiting(let continuation) = state else { return nil }
            state = .done(result)
            return continuation
        }
        continuation?.resume(with: result)
    }
}
