/// MPEG-TS with the source video and one KLV record per frame at its PTS.
///
/// H.264, HEVC and MPEG-2 video is copied unchanged. Codecs MPEG-TS cannot carry (VP9, AV1,
/// MJPEG, raw, …) are re-encoded to H.264 from the decoded frames, with one notice (`video:
/// auto`, the default), or refused at startup with a `config` error (`video: copy`);
/// `video: encode` always re-encodes. A source rotated by its display matrix is re-encoded
/// upright too (MPEG-TS cannot signal a rotation), so video and masks line up.
///
/// When copying, the decoder reads ahead of the frames it returns, so a frame arrives with
/// packets of frames not yet decoded. Packets are written in decode order, each once every
/// packet up to it shows a frame at or before the latest record: when the run ends early
/// (`max_frames`, Ctrl-C, a live source stopped) the packets of frames that were never
/// processed are left out, and the file holds one decodable video frame per KLV record. For
/// streams that reorder frames (B-frames) a cut between a reference frame and the frames shown
/// before it would leave those last frames out of the video: for H.264 they are re-encoded
/// after the copied packets (`MetadataTSWriter.appendEncodedTail`).
public final class TransportStreamSink: FrameSink {
    public let name = "ts"
    public let needs: SinkNeeds
    private let output: OutputPath
    private let video: PipelineConfig.TSVideo
    private let videoKey: String
    private var writers: [Int: MetadataTSWriter] = [:]
    /// Sources whose frames are re-encoded; their writer is made at the first frame's size.
    private var encoding: [Int: SourceContext] = [:]
    /// Packets read but not yet written, per copying source, in decode order.
    private var pending: [Int: [EncodedPacket]] = [:]
    /// Recent records of copying sources whose packet is not written yet (reordered frames wait
    /// for the reference frames decoded before them), with their pixels: at the end, those shown
    /// after every copied frame are re-encoded (H.264) so the video holds one frame per record.
    private var uncovered: [Int: [(rgb: [UInt8], width: Int, height: Int, pts: Int64)]] = [:]
    private var contexts: [Int: SourceContext] = [:]
    /// The largest PTS among the packets written, per copying source.
    private var lastWrittenPTS: [Int: Int64] = [:]
    /// Reordering never holds back more frames than this; older uncovered records are dropped.
    private static let maxUncovered = 32

    /// - Parameter videoKey: the `video` key's name in errors (`sinks[1].video`).
    public init(path: String, sourceCount: Int, video: PipelineConfig.TSVideo = .auto,
                videoKey: String = "video") throws {
        output = try OutputPath(path, sourceCount: sourceCount)
        self.video = video
        self.videoKey = videoKey
        needs = switch video {
        case .copy: .packets
        case .encode: .pixels
        case .auto: [.packets, .pixels]
        }
    }

    public func begin(source: SourceContext) throws {
        let codec = source.info.codec, rotation = source.info.rotation
        // MPEG-TS has no display matrix: copied video of a rotated source would play turned
        // against the records, so `auto` re-encodes it upright.
        let copyable = MetadataTSWriter.copyableCodecs.contains(codec) && (rotation == 0 || video == .copy)
        if video == .copy, rotation != 0 {
            source.log("ts: source \(source.id) is rotated \(rotation)° for display; its video is copied as stored "
                       + "while records use the displayed orientation")
        }
        switch (video, copyable) {
        case (.copy, false):
            throw MaskstreamError(
                .config,
                "'\(videoKey)' is copy, but source \(source.id) is \(codec), which MPEG-TS cannot carry: "
                    + "set \(videoKey): auto (re-encode it to H.264) or use another sink")
        case (.copy, true), (.auto, true):
            writers[source.id] = try MetadataTSWriter(
                path: output.forSource(source.id), video: source.codecParameters, timeBase: source.info.timeBase)
            pending[source.id] = []
            contexts[source.id] = source
        case (.encode, _), (.auto, false):
            encoding[source.id] = source
            if video == .auto, rotation != 0, MetadataTSWriter.copyableCodecs.contains(codec) {
                source.log("ts: source \(source.id) is rotated \(rotation)° for display, which MPEG-TS cannot signal: "
                           + "re-encoding it upright to H.264 (set \(videoKey): copy to copy it as stored)")
            } else if video == .auto {
                source.log("ts: source \(source.id) is \(codec), which MPEG-TS cannot carry: re-encoding it to H.264 "
                           + "(set \(videoKey): copy to refuse instead)")
            }
        }
    }

    public func write(_ frame: Emission) throws {
        let id = frame.record.source
        if let source = encoding[id] {
            try writeEncoded(frame, source: source)
            return
        }
        guard let writer = writers[id] else { return }
        var queue = (pending[id] ?? []) + frame.media.packets
        let shown = frame.record.pts
        var waiting = uncovered[id] ?? []
        if let rgb = frame.media.rgb {
            waiting.append((rgb, frame.record.width, frame.record.height, shown))
            if waiting.count > Self.maxUncovered { waiting.removeFirst() }
        }
        let ready = queue.prefix { ($0.pts ?? shown) <= shown }.count
        for packet in queue[..<ready] {
            try writer.writeVideo(packet)
            if let pts = packet.pts {
                waiting.removeAll { $0.pts == pts }
                lastWrittenPTS[id] = max(lastWrittenPTS[id] ?? pts, pts)
            }
        }
        queue.removeFirst(ready)
        pending[id] = queue
        uncovered[id] = waiting
        try writer.writeMetadata(pts: frame.record.pts, value: Array(frame.json.utf8))
    }

    /// Re-encodes the frame (sized from the first decoded frame: a stream's header can differ).
    private func writeEncoded(_ frame: Emission, source: SourceContext) throws {
        let record = frame.record
        if writers[record.source] == nil {
            writers[record.source] = try MetadataTSWriter(
                path: output.forSource(record.source),
                video: .encode(width: record.width, height: record.height, frameRate: source.info.frameRate),
                timeBase: source.info.timeBase)
        }
        guard let writer = writers[record.source], let rgb = frame.media.rgb else { return }
        try writer.writeVideo(rgb: rgb, srcWidth: record.width, pts: record.pts)
        try writer.writeMetadata(pts: record.pts, value: Array(frame.json.utf8))
    }

    public func finish() throws {
        for (id, w) in writers {
            // A cut inside a reordered group: records shown after every copied frame have no
            // video in the file; their frames are re-encoded after the copy.
            let after = lastWrittenPTS[id] ?? .min
            if let tail = uncovered[id]?.filter({ $0.pts > after }), !tail.isEmpty, let source = contexts[id],
               source.info.codec == "h264" {
                try w.appendEncodedTail(tail, frameRate: source.info.frameRate)
            }
            try w.finish()
        }
    }
}
