import CFFmpeg

/// Encodes interleaved RGB frames to baseline JPEG images with FFmpeg's `mjpeg` encoder:
/// the live viewer's frames.
///
/// Full-range 4:2:0 when width and height are even, 4:4:4 otherwise. `quality` follows the
/// usual JPEG scale (1 worst … 100 best) and maps onto the encoder's fixed quantiser
/// (qscale 31 … 2).
///
/// ```swift
/// let jpeg = try JPEGEncoder(width: 640, height: 360, quality: 75)
/// let bytes = try jpeg.encode(rgb: frame.rgb)   // FF D8 … FF D9
/// ```
public final class JPEGEncoder {
    public let width: Int
    public let height: Int
    public let quality: Int
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var sws: OpaquePointer?
    private var pts: Int64 = 0

    /// - Throws: `MaskstreamError(.invalidInput)` for an empty size or a quality outside
    ///   1...100, `.unsupported` when FFmpeg lacks the mjpeg encoder, `.ffmpeg` when it fails to open.
    public init(width: Int, height: Int, quality: Int = 75) throws {
        _ = FFmpeg.quietOnce
        self.width = width
        self.height = height
        self.quality = quality
        guard width > 0, height > 0 else {
            throw MaskstreamError(.invalidInput, "cannot encode a \(width)x\(height) JPEG")
        }
        guard (1...100).contains(quality) else {
            throw MaskstreamError(.invalidInput,
                                  "JPEG quality \(quality) is out of range: use 1 (smallest) ... 100 (best)")
        }
        guard let enc = avcodec_find_encoder_by_name("mjpeg") else {
            throw MaskstreamError(.unsupported, "FFmpeg's mjpeg encoder is not in this FFmpeg build")
        }
        guard let cc = avcodec_alloc_context3(enc) else {
            throw MaskstreamError(.ffmpeg, "avcodec_alloc_context3 failed: out of memory")
        }
        codec = cc
        let pixelFormat = width % 2 == 0 && height % 2 == 0 ? AV_PIX_FMT_YUVJ420P : AV_PIX_FMT_YUVJ444P
        let lambda = Int32(Self.qscale(quality: quality)) * CFFmpeg_FF_QP2LAMBDA()
        cc.pointee.width = Int32(width)
        cc.pointee.height = Int32(height)
        cc.pointee.pix_fmt = pixelFormat
        cc.pointee.time_base = AVRational(num: 1, den: 25)
        cc.pointee.flags |= CFFmpeg_AV_CODEC_FLAG_QSCALE()
        cc.pointee.global_quality = lambda
        try FFmpeg.check(avcodec_open2(cc, enc, nil), "avcodec_open2", "the JPEG encoder")
        frame = av_frame_alloc()
        packet = av_packet_alloc()
        guard let frame, packet != nil else { throw MaskstreamError(.ffmpeg, "av_frame_alloc failed: out of memory") }
        frame.pointee.format = pixelFormat.rawValue
        frame.pointee.width = Int32(width)
        frame.pointee.height = Int32(height)
        frame.pointee.quality = lambda
        try FFmpeg.check(av_frame_get_buffer(frame, 0), "av_frame_get_buffer", "the JPEG encoder")
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

    /// The encoder's fixed quantiser for a JPEG quality: 100 → 2 (best), 1 → 31.
    static func qscale(quality: Int) -> Int { 2 + (100 - min(100, max(1, quality))) * 29 / 99 }

    /// Encodes one interleaved RGB frame (`width * 3` bytes a row) to a JPEG image.
    ///
    /// - Throws: `MaskstreamError(.invalidInput)` when the buffer is too small, `.ffmpeg` on an encoder error.
    public func encode(rgb: [UInt8]) throws -> [UInt8] {
        guard let frame, let codec, let packet, let sws else {
            throw MaskstreamError(.internal, "the JPEG encoder is not open")
        }
        guard rgb.count >= width * height * 3 else {
            throw MaskstreamError(.invalidInput,
                                  "frame buffer of \(rgb.count) bytes is too small for \(width)x\(height) RGB")
        }
        try FFmpeg.check(av_frame_make_writable(frame), "av_frame_make_writable", "the JPEG encoder")
        rgb.withUnsafeBufferPointer { src in
            var srcPlanes: [UnsafePointer<UInt8>?] = [src.baseAddress, nil, nil, nil]
            var srcStrides: [Int32] = [Int32(width * 3), 0, 0, 0]
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
        pts += 1
        try FFmpeg.check(avcodec_send_frame(codec, frame), "avcodec_send_frame", "the JPEG encoder")
        try FFmpeg.check(avcodec_receive_packet(codec, packet), "avcodec_receive_packet", "the JPEG encoder")
        defer { av_packet_unref(packet) }
        return Array(UnsafeBufferPointer(start: packet.pointee.data, count: Int(packet.pointee.size)))
    }
}
