import MaskstreamServer

extension PipelineConfig.SinkKind {
    /// What a sink of this kind reads besides the record: its `FrameSink.needs`, known before
    /// the sink is made, so ``PipelineConfig/validate()`` can check it against the sources.
    var needs: SinkNeeds {
        switch self {
        case .ts: .packets
        case .video: .pixels
        case .jsonl, .mots, .ytvis, .websocket: []
        }
    }
}

extension PipelineConfig.Sink {
    /// Opens the sink this entry describes; `server` is the process's server (websocket sinks
    /// broadcast through it).
    func make(sourceCount: Int, server: LiveStreamServer?) throws -> any FrameSink {
        switch (kind, path, server) {
        case (.websocket, _, let server?): return WebSocketSink(server: server)
        case (.websocket, _, nil): throw MaskstreamError(.internal, "a websocket sink needs the pipeline's server")
        case (_, nil, _): throw MaskstreamError(.internal, "sink '\(kind.rawValue)' has no path (validate() requires one)")
        case (_, let path?, _): return try makeFile(path: path, sourceCount: sourceCount)
        }
    }

    private func makeFile(path: String, sourceCount: Int) throws -> any FrameSink {
        switch kind {
        case .jsonl: return try JSONLinesSink(path: path)
        case .ts: return try TransportStreamSink(path: path, sourceCount: sourceCount)
        case .video: return try AnnotatedVideoSink(path: path, sourceCount: sourceCount)
        case .mots: return try MOTSSink(path: path, sourceCount: sourceCount)
        case .ytvis: return try YouTubeVISSink(path: path)
        case .websocket: throw MaskstreamError(.internal, "a websocket sink writes no file")
        }
    }
}
