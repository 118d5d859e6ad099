/// MPEG-TS with the source video copied unchanged and one KLV record per frame at its PTS.
///
/// The decoder reads ahead of the frames it returns, so a frame arrives with packets of frames
/// not yet decoded. Packets are written in decode order, each once every packet up to it
/// shows a frame at or before the latest record: when the run ends early (`max_frames`, Ctrl-C,
/// a live source stopped) the packets of frames that were never processed are left out, and
/// the file holds one decodable video frame per KLV record. For streams that reorder frames
/// (B-frames) a cut between a reference frame and the frames shown before it can leave those
/// last frames out of the video (never more video frames than records).
public final class TransportStreamSink: FrameSink {
    public let name = "ts"
    public let needs: SinkNeeds = .packets
    private let output: OutputPath
    private var writers: [Int: MetadataTSWriter] = [:]
    /// Packets read but not yet written, per source, in decode order.
    private var pending: [Int: [EncodedPacket]] = [:]

    public init(path: String, sourceCount: Int) throws {
        output = try OutputPath(path, sourceCount: sourceCount)
    }

    public func begin(source: SourceContext) throws {
        writers[source.id] = try MetadataTSWriter(
            path: output.forSource(source.id), video: source.codecParameters, timeBase: source.info.timeBase)
        pending[source.id] = []
    }

    public func write(_ frame: Emission) throws {
        let id = frame.record.source
        guard let writer = writers[id] else { return }
        var queue = (pending[id] ?? []) + frame.media.packets
        let shown = frame.record.pts
        let ready = queue.prefix { ($0.pts ?? shown) <= shown }.count
        for packet in queue[..<ready] { try writer.writeVideo(packet) }
        queue.removeFirst(ready)
        pending[id] = queue
        try writer.writeMetadata(pts: frame.record.pts, value: Array(frame.json.utf8))
    }

    public func finish() throws {
        for w in writers.values { try w.finish() }
    }
}
