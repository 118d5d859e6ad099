/// The source video re-encoded (H.264) with masks coloured by track ID, boxes and IDs drawn.
public final class AnnotatedVideoSink: FrameSink {
    public let name = "video"
    public let needs: SinkNeeds = .pixels
    private let output: OutputPath
    private var encoders: [Int: VideoEncoder] = [:]
    private var contexts: [Int: SourceContext] = [:]

    public init(path: String, sourceCount: Int) throws {
        output = try OutputPath(path, sourceCount: sourceCount)
    }

    public func begin(source: SourceContext) throws { contexts[source.id] = source }

    public func write(_ frame: Emission) throws {
        let record = frame.record
        guard var rgb = frame.media.rgb else { return }
        if encoders[record.source] == nil, let ctx = contexts[record.source] {
            // Sized from the first decoded frame (a stream's header can differ).
            encoders[record.source] = try VideoEncoder(
                path: output.forSource(record.source), width: record.width, height: record.height,
                timeBase: ctx.info.timeBase, frameRate: ctx.info.frameRate)
        }
        guard let encoder = encoders[record.source] else { return }
        Annotator.draw(record, on: &rgb, width: record.width, height: record.height)
        try encoder.write(rgb: rgb, srcWidth: record.width, pts: record.pts)
    }

    public func finish() throws {
        for e in encoders.values { try e.finish() }
    }
}
