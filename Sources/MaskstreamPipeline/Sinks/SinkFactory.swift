import MaskstreamServer

extension PipelineConfig.Sink {
    /// What this sink reads besides the record: its `FrameSink.needs`, known before the sink
    /// is made, so ``PipelineConfig/validate()`` can check it against the sources.
    var needs: SinkNeeds {
        switch (kind, video) {
        case (.ts, .copy): .packets
        case (.ts, .encode): .pixels
        case (.ts, .auto): [.packets, .pixels]
        case (.video, _): .pixels
        case (.jsonl, _), (.mots, _), (.ytvis, _), (.websocket, _), (.redis, _), (.mqtt, _): []
        }
    }
}

extension PipelineConfig.Sink {
    /// Opens the sink this entry describes; `server` is the process's server (websocket sinks
    /// broadcast through it).
    /// `index` is the sink's place in `sinks` (errors name its keys).
    /// `sourceNames` are the sources' `name`s (broker sinks' stream names).
    func make(index: Int, sourceCount: Int, server: LiveStreamServer?, sourceNames: [String?] = []) throws
        -> any FrameSink {
        switch (kind, path, server) {
        case (.websocket, _, let server?): return WebSocketSink(server: server)
        case (.websocket, _, nil): throw MaskstreamError(.internal, "a websocket sink needs the pipeline's server")
        case (.redis, _, _), (.mqtt, _, _):
            return try BrokerSink(self, sourceNames: sourceNames, sourceCount: sourceCount)
        case (_, nil, _): throw MaskstreamError(.internal, "sink '\(kind.rawValue)' has no path (validate() requires one)")
        case (_, let path?, _): return try makeFile(path: path, index: index, sourceCount: sourceCount)
        }
    }

    private func makeFile(path: String, index: Int, sourceCount: Int) throws -> any FrameSink {
        switch kind {
        case .jsonl: return try JSONLinesSink(path: path)
        case .ts: return try TransportStreamSink(path: path, sourceCount: sourceCount, video: video,
                                                 videoKey: "sinks[\(index)].video")
        case .video: return try AnnotatedVideoSink(path: path, sourceCount: sourceCount)
        case .mots: return try MOTSSink(path: path, sourceCount: sourceCount)
        case .ytvis: return try YouTubeVISSink(path: path)
        case .websocket, .redis, .mqtt: throw MaskstreamError(.internal, "a \(kind.rawValue) sink writes no file")
        }
    }
}
