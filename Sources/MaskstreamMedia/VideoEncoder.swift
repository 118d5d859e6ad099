import CFFmpeg

/// Encodes RGB frames to a video file (H.264 by libx264 by default) with the frames'
/// own timestamps: used by the annotated-video sink.
///
/// Odd frame sizes are cropped by one row/column, since 4:2:0 needs even sizes.
public final class VideoEncoder {
    public let path: String
    public let width: Int
    public let height: Int
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var stream: UnsafeMutablePointer<AVStream>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var sws: OpaquePointer?
    private let timeBase: AVRational
    private var finished = false
    private var lastPTS: Int64 = .min
    /// One frame's duration in the input time base, given to packets the encoder leaves without one
    /// (MP4 edit lists would otherwise cut the last frame).
    private let frameDuration: Int64
    public private(set) var framesWritten = 0

    /// - Parameters:
    ///   - timeBase: the time base of the timestamps passed to `write`.
    ///   - frameRate: the nominal rate, a hint for the encoder's rate control.
    public init(path: String, width: Int, height: Int, timeBase: Rational, frameRate: Rational,
                encoder: String = "libx264", crf: Int = 23) throws {
        _ = FFmpeg.quietOnce
        self.path = path
        self.width = width & ~1
        self.height = height & ~1
        self.timeBase = timeBase.av
        let perFrame = frameRate.value > 0 ? 1 / (frameRate.value * timeBase.value) : 1
        self.frameDuration = max(1, Int64(perFrame.rounded()))
        guard self.width > 0, self.height > 0 else {
            throw MaskstreamError(.invalidInput, "cannot encode a \(width)x\(height) video")
        }
        guard let enc = avcodec_find_encoder_by_name(encoder) else {
            throw MaskstreamError(.unsupported, "encoder '\(encoder)' is not in this FFmpeg build")
        }
        var ctx: UnsafeMutablePointer<AVFormatContext>?
        try FFmpeg.check(avformat_alloc_output_context2(&ctx, nil, nil, path), "avformat_alloc_output_context2", path)
        format = ctx
        guard let ctx, let cc = avcodec_alloc_context3(enc), let st = avformat_new_stream(ctx, nil) else {
            throw MaskstreamError(.ffmpeg, "could not set up an encoder for '\(path)'")
        }
        codec = cc
        stream = st
        cc.pointee.width = Int32(self.width)
        cc.pointee.height = Int32(self.height)
        cc.pointee.pix_fmt = AV_PIX_FMT_YUV420P
        cc.pointee.time_base = self.timeBase
        if frameRate.num > 0 && frameRate.den > 0 { cc.pointee.framerate = frameRate.av }
        cc.pointee.gop_size = 50
        cc.pointee.max_b_frames = 0
        if (ctx.pointee.oformat.pointee.flags & CFFmpeg_AVFMT_GLOBALHEADER()) != 0 {
            cc.pointee.flags |= CFFmpeg_AV_CODEC_FLAG_GLOBAL_HEADER()
        }
        var opts: OpaquePointer?
        defer { av_dict_free(&opts) }
        av_dict_set(&opts, "preset", "veryfast", 0)
        av_dict_set(&opts, "crf", String(crf), 0)
        try FFmpeg.check(avcodec_open2(cc, enc, &opts), "avcodec_open2", path)
        try FFmpeg.check(avcodec_parameters_from_context(st.pointee.codecpar, cc), "avcodec_parameters_from_context", path)
        st.pointee.time_base = self.timeBase
        if (ctx.pointee.oformat.pointee.flags & CFFmpeg_AVFMT_NOFILE()) == 0 {
            try FFmpeg.check(avio_open(&ctx.pointee.pb, path, CFFmpeg_AVIO_FLAG_WRITE()), "avio_open", path, errorCode: .io)
        }
        try FFmpeg.check(avformat_write_header(ctx, nil), "avformat_write_header", path)
        frame = av_frame_alloc()
        packet = av_packet_alloc()
        guard let frame else { throw MaskstreamError(.ffmpeg, "av_frame_alloc failed") }
        frame.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        frame.pointee.width = Int32(self.width)
        frame.pointee.height = Int32(self.height)
        try FFmpeg.check(av_frame_get_buffer(frame, 0), "av_frame_get_buffer", path)
        sws = sws_getContext(Int32(self.width), Int32(self.height), AV_PIX_FMT_RGB24,
                             Int32(self.width), Int32(self.height), AV_PIX_FMT_YUV420P, SWS_BILINEAR, nil, nil, nil)
        if sws == nil { throw MaskstreamError(.ffmpeg, "sws_getContext failed for \(self.width)x\(self.height)") }
    }

    deinit {
        if !finished { try? finish() }
        sws_freeContext(sws)
        av_frame_free(&frame)
        av_packet_free(&packet)
        avcodec_free_context(&codec)
        if let format {
            if format.pointee.pb != nil { avio_closep(&format.pointee.pb) }
            avformat_free_context(format)
        }
    }

    /// Encodes one interleaved RGB frame (`srcWidth * 3` bytes a row) at `pts`.
    /// Frames whose pts does not increase are skipped (encoders need increasing time).
    public func write(rgb: [UInt8], srcWidth: Int, pts: Int64) throws {
        guard !finished, let frame, let codec, let sws else { throw MaskstreamError(.internal, "write to '\(path)' after finish()") }
        guard pts > lastPTS else { return }
        guard rgb.count >= srcWidth * 3 * height, srcWidth >= width else {
            throw MaskstreamError(.invalidInput, "frame buffer too small for \(width)x\(height)")
        }
        lastPTS = pts
        try FFmpeg.check(av_frame_make_writable(frame), "av_frame_make_writable", path)
        rgb.withUnsafeBufferPointer { src in
            var srcPlanes: [UnsafePointer<UInt8>?] = [src.baseAddress, nil, nil, nil]
            var srcStrides: [Int32] = [Int32(srcWidth * 3), 0, 0, 0]
            withUnsafeMutablePointer(to: &frame.pointee.data) { data in
                data.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { dst in
                    withUnsafePointer(to: &frame.pointee.linesize) { ls in
                        ls.withMemoryRebound(to: Int32.self, capacity: 8) { dstStrides in
                            _ = sws_scale(sws, &srcPlanes, &srcStrides, 0, Int32(height), dst, dstStrides)
                        }
                    }
                }
            }
        }
        frame.pointee.pts = pts
        try FFmpeg.check(avcodec_send_frame(codec, frame), "avcodec_send_frame", path)
        try drain()
        framesWritten += 1
    }

    private func drain() throws {
        guard let codec, let packet, let format, let stream else { return }
        while true {
            let r = avcodec_receive_packet(codec, packet)
            if r == FFmpeg.eagain || r == FFmpeg.eof { return }
            try FFmpeg.check(r, "avcodec_receive_packet", path)
            if packet.pointee.duration <= 0 { packet.pointee.duration = frameDuration }
            av_packet_rescale_ts(packet, codec.pointee.time_base, stream.pointee.time_base)
            packet.pointee.stream_index = stream.pointee.index
            let w = av_interleaved_write_frame(format, packet)
            av_packet_unref(packet)
            try FFmpeg.check(w, "av_interleaved_write_frame", path, errorCode: .io)
        }
    }

    /// Flushes the encoder and closes the file. Idempotent.
    public func finish() throws {
        guard !finished, let codec, let format else { return }
        finished = true
        _ = avcodec_send_frame(codec, nil)
        try drain()
        try FFmpeg.check(av_write_trailer(format), "av_write_trailer", path, errorCode: .io)
        if format.pointee.pb != nil { avio_closep(&format.pointee.pb) }
    }
}
