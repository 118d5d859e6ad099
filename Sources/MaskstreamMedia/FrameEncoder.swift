import CFFmpeg

/// Encodes interleaved RGB frames to compressed packets (H.264 by libx264 by default), for a
/// muxer to write: the annotated-video sink (`VideoEncoder`) and the TS sink when it re-encodes
/// a codec MPEG-TS cannot carry (`MetadataTSWriter`).
///
/// Frames keep their size: 4:2:0 when width and height are even, 4:4:4 (H.264 High 4:4:4)
/// when either is odd, since 4:2:0 cannot code an odd size.
final class FrameEncoder {
    let width: Int
    let height: Int
    let timeBase: AVRational
    private(set) var codec: UnsafeMutablePointer<AVCodecContext>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var sws: OpaquePointer?
    private let what: String
    private var lastPTS: Int64 = .min
    private var flushed = false
    /// One frame's duration in the input time base, given to packets the encoder leaves without one.
    let frameDuration: Int64

    /// - Parameters:
    ///   - timeBase: the time base of the timestamps passed to `encode`.
    ///   - frameRate: the nominal rate, a hint for the encoder's rate control.
    ///   - globalHeader: the muxer wants codec headers out of band (MP4), not in the stream (TS).
    ///   - what: the output named in errors.
    init(width: Int, height: Int, timeBase: Rational, frameRate: Rational, encoder: String = "libx264",
         crf: Int = 23, globalHeader: Bool, what: String) throws {
        _ = FFmpeg.quietOnce
        self.width = width
        self.height = height
        self.what = what
        self.timeBase = timeBase.av
        let perFrame = frameRate.value > 0 ? 1 / (frameRate.value * timeBase.value) : 1
        self.frameDuration = max(1, Int64(perFrame.rounded()))
        guard width > 0, height > 0 else {
            throw MaskstreamError(.invalidInput, "cannot encode a \(width)x\(height) video")
        }
        guard let enc = avcodec_find_encoder_by_name(encoder) else {
            throw MaskstreamError(.unsupported, "encoder '\(encoder)' is not in this FFmpeg build")
        }
        guard let cc = avcodec_alloc_context3(enc) else {
            throw MaskstreamError(.ffmpeg, "avcodec_alloc_context3 failed: out of memory")
        }
        codec = cc
        let pixelFormat = width % 2 == 0 && height % 2 == 0 ? AV_PIX_FMT_YUV420P : AV_PIX_FMT_YUV444P
        cc.pointee.width = Int32(width)
        cc.pointee.height = Int32(height)
        cc.pointee.pix_fmt = pixelFormat
        cc.pointee.time_base = self.timeBase
        if frameRate.num > 0 && frameRate.den > 0 { cc.pointee.framerate = frameRate.av }
        cc.pointee.gop_size = 50
        cc.pointee.max_b_frames = 0
        if globalHeader { cc.pointee.flags |= CFFmpeg_AV_CODEC_FLAG_GLOBAL_HEADER() }
        var opts: OpaquePointer?
        defer { av_dict_free(&opts) }
        av_dict_set(&opts, "preset", "veryfast", 0)
        av_dict_set(&opts, "crf", String(crf), 0)
        try FFmpeg.check(avcodec_open2(cc, enc, &opts), "avcodec_open2", what)
        frame = av_frame_alloc()
        packet = av_packet_alloc()
        guard let frame, packet != nil else { throw MaskstreamError(.ffmpeg, "av_frame_alloc failed: out of memory") }
        frame.pointee.format = pixelFormat.rawValue
        frame.pointee.width = Int32(width)
        frame.pointee.height = Int32(height)
        try FFmpeg.check(av_frame_get_buffer(frame, 0), "av_frame_get_buffer", what)
        sws = sws_getContext(Int32(width), Int32(height), AV_PIX_FMT_RGB24,
                             Int32(width), Int32(height), pixelFormat, SWS_BILINEAR, nil, nil, nil)
        if sws == nil { throw MaskstreamError(.ffmpeg, "sws_getContext failed for \(width)x\(height)") }
    }

    deinit {
        sws_freeContext(sws)
        av_frame_free(&frame)
        av_packet_free(&packet)
        avcodec_free_context(&codec)
    }

    /// The encoder's parameters, for the muxer's stream.
    func copyParameters(to stream: UnsafeMutablePointer<AVStream>) throws {
        guard let codec else { return }
        try FFmpeg.check(avcodec_parameters_from_context(stream.pointee.codecpar, codec),
                         "avcodec_parameters_from_context", what)
    }

    /// Encodes one interleaved RGB frame (`srcWidth * 3` bytes a row, at least `height` rows)
    /// at `pts` and hands every packet it completes to `emit` (timestamps in `timeBase`).
    /// Returns false for a frame whose pts does not increase (skipped: encoders need
    /// increasing time).
    @discardableResult
    func encode(rgb: [UInt8], srcWidth: Int, pts: Int64,
                emit: (UnsafeMutablePointer<AVPacket>) throws -> Void) throws -> Bool {
        guard !flushed, let frame, let codec, let sws else {
            throw MaskstreamError(.internal, "encode into '\(what)' after finish")
        }
        guard pts > lastPTS else { return false }
        guard rgb.count >= srcWidth * 3 * height, srcWidth >= width else {
            throw MaskstreamError(.invalidInput, "frame buffer too small for \(width)x\(height)")
        }
        lastPTS = pts
        try FFmpeg.check(av_frame_make_writable(frame), "av_frame_make_writable", what)
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
        try FFmpeg.check(avcodec_send_frame(codec, frame), "avcodec_send_frame", what)
        try drain(emit)
        return true
    }

    /// Flushes the encoder's delayed packets into `emit`. Idempotent.
    func flush(emit: (UnsafeMutablePointer<AVPacket>) throws -> Void) throws {
        guard !flushed, let codec else { return }
        flushed = true
        _ = avcodec_send_frame(codec, nil)
        try drain(emit)
    }

    private func drain(_ emit: (UnsafeMutablePointer<AVPacket>) throws -> Void) throws {
        guard let codec, let packet else { return }
        while true {
            let r = avcodec_receive_packet(codec, packet)
            if r == FFmpeg.eagain || r == FFmpeg.eof { return }
            try FFmpeg.check(r, "avcodec_receive_packet", what)
            if packet.pointee.duration <= 0 { packet.pointee.duration = frameDuration }
            defer { av_packet_unref(packet) }
            try emit(packet)
        }
    }
}
