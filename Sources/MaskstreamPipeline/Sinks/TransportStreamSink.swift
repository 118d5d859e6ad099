/// MPEG-TS with the source video copied unchanged and one KLV record per frame at its PTS.
public final class TransportStreamSink: FrameSink {
    public let name = "ts"
    public let needs: SinkNeeds = .packets
    private let output: OutputPath
    private var writers: [Int: MetadataTSWriter] = [:]

    public init(path: String, sourceCount: Int) throws {
        output = try OutputPath(path, sourceCount: sourceCount)
    }

    public func begin(source: SourceContext) throws {
        writers[source.id] = try MetadataTSWriter(
            path: output.forSource(source.id), video: source.codecParameters, timeBase: source.info.timeBase)
    }

    public func write(_ frame: Emission) throws {
        guard let writer = writers[frame.record.source] else { return }
        for packet in frame.media.packets { try writer.writeVideo(packet) }
        try writer.writeMetadata(pts: frame.record.pts, value: Array(frame.json.utf8))
    }

    public func finish() throws {
        for w in writers.values { try w.finish() }
    }
}
