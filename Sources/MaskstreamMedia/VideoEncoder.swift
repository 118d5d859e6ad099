import CFFmpeg

/// Encodes RGB frames to a video file (H.264 by libx264 by default) with the frames'
/// own timestamps: used by the annotated-video sink.
///
/// The video keeps the frames' size: odd sizes are coded 4:4:4 (`FrameEncoder`).
public final class VideoEncoder {
    public let path: String
    public let width: Int
    public let height: Int
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var stream: UnsafeMutablePointer<AVStream>?
    private let encoder: FrameEncoder
    private var finished = false
    public private(set) var framesWritten = 0

    /// - Parameters:
    ///   - timeBase: the time base of the timestamps passed to `write`.
    ///   - frameRate: the nominal rate, a hint for the encoder's rate control.
    public init(path: String, width: Int, height: Int, timeBase: Rational, frameRate: Rational,
                encoder: String = "libx264", crf: Int = 23) throws {
        _ = FFmpeg.quietOnce
        self.path = path
        self.width = width
        self.height = height
        var ctx: UnsafeMutablePointer<AVFormatContext>?
        try FFmpeg.check(avformat_alloc_output_context2(&ctx, nil, nil, path), "avformat_alloc_output_context2", path)
        guard let ctx else { throw MaskstreamError(.ffmpeg, "could not set up a muxer for '\(path)'") }
        format = ctx
        let globalHeader = (ctx.pointee.oformat.pointee.flags & CFFmpeg_AVFMT_GLOBALHEADER()) != 0
        self.encoder = try FrameEncoder(width: width, height: height, timeBase: timeBase, frameRate: frameRate,
                                        encoder: encoder, crf: crf, globalHeader: globalHeader, what: path)
        guard let st = avformat_new_stream(ctx, nil) else {
            throw MaskstreamError(.ffmpeg, "avformat_new_stream failed: out of memory")
        }
        stream = st
        try self.encoder.copyParameters(to: st)
        st.pointee.time_base = self.encoder.timeBase
        if (ctx.pointee.oformat.pointee.flags & CFFmpeg_AVFMT_NOFILE()) == 0 {
            try FFmpeg.check(avio_open(&ctx.pointee.pb, path, CFFmpeg_AVIO_FLAG_WRITE()), "avio_open", path, errorCode: .io)
        }
        try FFmpeg.check(avformat_write_header(ctx, nil), "avformat_write_header", path)
    }

    deinit {
        if !finished { try? finish() }
        if let format {
            if format.pointee.pb != nil { avio_closep(&format.pointee.pb) }
            avformat_free_context(format)
        }
    }

    /// Encodes one interleaved RGB frame (`srcWidth * 3` bytes a row) at `pts`.
    /// Frames whose pts does not increase are skipped (encoders need increasing time).
    public func write(rgb: [UInt8], srcWidth: Int, pts: Int64) throws {
        guard !finished else { throw MaskstreamError(.internal, "write to '\(path)' after finish()") }
        if try encoder.encode(rgb: rgb, srcWidth: srcWidth, pts: pts, emit: mux) { framesWritten += 1 }
    }

    private func mux(_ packet: UnsafeMutablePointer<AVPacket>) throws {
        guard let format, let stream else { return }
        av_packet_rescale_ts(packet, encoder.timeBase, stream.pointee.time_base)
        packet.pointee.stream_index = stream.pointee.index
        try FFmpeg.check(av_interleaved_write_frame(format, packet), "av_interleaved_write_frame", path, errorCode: .io)
    }

    /// Flushes the encoder and closes the file. Idempotent.
    public func finish() throws {
        guard !finished, let format else { return }
        finished = true
        try encoder.flush(emit: mux)
        try FFmpeg.check(av_write_trailer(format), "av_write_trailer", path, errorCode: .io)
        if format.pointee.pb != nil { avio_closep(&format.pointee.pb) }
    }
}
