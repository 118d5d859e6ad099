import MaskstreamServer

/// Streams every frame record as one WebSocket text message to the clients of the
/// pipeline's server (`ws://host:port/ws`). A slow client never blocks the pipeline
/// (its own bounded buffer drops oldest). The server is the process's one server; the
/// runner starts and stops it.
public final class WebSocketSink: FrameSink {
    public let name = "websocket"
    private let server: LiveStreamServer

    public init(server: LiveStreamServer) { self.server = server }

    public func write(_ frame: Emission) throws { server.broadcast(frame.json) }
    public func finish() throws {}
}
