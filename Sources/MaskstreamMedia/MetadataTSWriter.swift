import CFFmpeg

/// Writes an MPEG-TS file holding the source's video packets, copied unchanged (or the decoded
/// frames re-encoded to H.264, for codecs MPEG-TS cannot carry), and an SMPTE KLV data stream
/// with one record per video frame at that frame's PTS.
///
/// MPEG-TS is used because FFmpeg 5.1's Matroska and MP4 muxers reject data streams;
/// the KLV stream uses the default (asynchronous) profile, which reads back exactly.
///
/// ```swift
/// let writer = try MetadataTSWriter(path: "out.ts", video: reader.codecParameters, timeBase: reader.info.timeBase)
/// for packet in frame.packets { try writer.writeVideo(packet) }
/// try writer.writeMetadata(pts: frame.timestamp.pts, value: jsonBytes)
/// try writer.finish()
/// ```
public final class MetadataTSWriter {
    public let path: String
    private var format: UnsafeMutablePointer<AVFormatContext>?
    private let inputTimeBase: AVRational
    private var videoStream: UnsafeMutablePointer<AVStream>
    private var dataStream: UnsafeMutablePointer<AVStream>
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var finished = false
    /// Frame records written so far.
    public private(set) var recordCount = 0
    /// Video packets left out: flagged corrupt by the demuxer, or refused by the muxer as
    /// invalid (a truncated NAL unit). The KLV track is unaffected.
    public private(set) var skippedVideoPackets = 0
    /// Video packets whose DTS did not increase and were moved just past the previous one.
    public private(set) var adjustedTimestamps = 0
    private var lastVideoDTS: Int64?
    /// Set when the video is re-encoded (`Video.encode`).
    private let encoder: FrameEncoder?

    /// Where the TS's video comes from.
    public enum Video {
        /// The source's packets, copied (`writeVideo(_:)`).
        case copy(CodecParameters)
        /// Decoded RGB frames of this size re-encoded to H.264 (`writeVideo(rgb:srcWidth:pts:)`).
        case encode(width: Int, height: Int, frameRate: Rational)
    }

    /// The codecs an MPEG-TS can carry as they are (FFmpeg's names).
    public static let copyableCodecs: Set<String> = ["h264", "hevc", "mpeg2video", "mpeg1video"]

    /// A TS copying `video`'s packets.
    public convenience init(path: String, video: CodecParameters, timeBase: Rational) throws {
        try self.init(path: path, video: .copy(video), timeBase: timeBase)
    }

    public init(path: String, video: Video, timeBase: Rational) throws {
        _ = FFmpeg.quietOnce
        self.path = path
        inputTimeBase = timeBase.av
        if case .encode(let width, let height, let frameRate) = video {
            encoder = try FrameEncoder(width: width, height: height, timeBase: timeBase, frameRate: frameRate,
                                       globalHeader: false, what: path)
        } else {
            encoder = nil
        }
        var ctx: UnsafeMutablePointer<AVFormatContext>?
        try FFmpeg.check(avformat_alloc_output_context2(&ctx, nil, "mpegts", path), "avformat_alloc_output_context2", path)
        guard let ctx else { throw MaskstreamError(.ffmpeg, "avformat_alloc_output_context2 returned no context for '\(path)'") }
        format = ctx
        do {
            guard let vs = avformat_new_stream(ctx, nil), let ds = avformat_new_stream(ctx, nil) else {
                throw MaskstreamError(.ffmpeg, "avformat_new_stream failed: out of memory")
            }
            videoStream = vs
            dataStream = ds
            switch video {
            case .copy(let parameters):
                try FFmpeg.check(avcodec_parameters_copy(vs.pointee.codecpar, parameters.pointer),
                                 "avcodec_parameters_copy", path)
            case .encode:
                try encoder?.copyParameters(to: vs)
            }
            vs.pointee.codecpar.pointee.codec_tag = 0
            vs.pointee.time_base = inputTimeBase
            ds.pointee.codecpar.pointee.codec_type = AVMEDIA_TYPE_DATA
            ds.pointee.codecpar.pointee.codec_id = AV_CODEC_ID_SMPTE_KLV
            ds.pointee.time_base = inputTimeBase
            if (ctx.pointee.oformat.pointee.flags & CFFmpeg_AVFMT_NOFILE()) == 0 {
                try FFmpeg.check(avio_open(&ctx.pointee.pb, path, CFFmpeg_AVIO_FLAG_WRITE()), "avio_open", path, errorCode: .io)
            }
            try FFmpeg.check(avformat_write_header(ctx, nil), "avformat_write_header", path)
        } catch {
            if ctx.pointee.pb != nil { avio_closep(&ctx.pointee.pb) }
            avformat_free_context(ctx)
            format = nil
            throw error
        }
        packet = av_packet_alloc()
    }

    deinit {
        if !finished { try? finish() }
        av_packet_free(&packet)
    }

    /// Copies one compressed video packet (timestamps in the source time base). A packet the
    /// demuxer flagged corrupt, or one the muxer refuses as invalid data, is skipped (counted in
    /// `skippedVideoPackets`) rather than ending the file; a DTS that does not increase is moved
    /// past the previous one (`adjustedTimestamps`), so the file stays valid.
    public func writeVideo(_ encoded: EncodedPacket) throws {
        guard !encoded.isCorrupt else {
            skippedVideoPackets += 1
            return
        }
        var (pts, dts) = (encoded.pts, encoded.dts ?? encoded.pts)
        if let last = lastVideoDTS, let d = dts, d <= last {
            dts = last + 1
            if let p = pts, p < last + 1 { pts = last + 1 }
            adjustedTimestamps += 1
        }
        let result = try write(bytes: encoded.data, pts: pts, dts: dts, duration: encoded.duration,
                               key: encoded.isKeyframe, stream: videoStream)
        if result == CFFmpeg_AVERROR_INVALIDDATA() {
            skippedVideoPackets += 1
            return
        }
        try FFmpeg.check(result, "av_interleaved_write_frame", path, errorCode: .io)
        if let dts { lastVideoDTS = dts }
    }

    /// Encodes one decoded frame (interleaved RGB, `srcWidth * 3` bytes a row) into the video
    /// stream at `pts` (source time base); for a writer made with `Video.encode`.
    public func writeVideo(rgb: [UInt8], srcWidth: Int, pts: Int64) throws {
        guard let encoder else {
            throw MaskstreamError(.internal, "'\(path)' copies packets; it was not made to encode frames")
        }
        try encoder.encode(rgb: rgb, srcWidth: srcWidth, pts: pts, emit: muxEncoded)
    }

    /// Appends decoded frames (interleaved RGB, `width * 3` bytes a row) to a copied H.264 stream
    /// as a new H.264 segment (an IDR with in-band SPS/PPS) after every packet written so far:
    /// the frames of a cut whose copied packets need frames that were never processed.
    /// Timestamps in the source time base.
    public func appendEncodedTail(_ frames: [(rgb: [UInt8], width: Int, height: Int, pts: Int64)],
                                  frameRate: Rational) throws {
        guard let first = frames.first else { return }
        let tail = try FrameEncoder(width: first.width, height: first.height, timeBase: Rational(inputTimeBase),
                                    frameRate: frameRate, globalHeader: false, what: path)
        // A stream copied from MP4/MKV is length-prefixed (avcC extradata starts with 1); the
        // muxer converts it to Annex B, so the encoder's Annex B packets are converted to match.
        let par = videoStream.pointee.codecpar.pointee
        let lengthPrefixed = par.extradata_size > 0 && par.extradata?[0] == 1
        var encoded: [EncodedPacket] = []
        let collect: (UnsafeMutablePointer<AVPacket>) throws -> Void = { p in
            let raw = Array(UnsafeBufferPointer(start: p.pointee.data, count: Int(p.pointee.size)))
            encoded.append(EncodedPacket(
                data: lengthPrefixed ? Self.lengthPrefixed(annexB: raw) : raw,
                pts: p.pointee.pts == FFmpeg.noPTS ? nil : p.pointee.pts,
                dts: p.pointee.dts == FFmpeg.noPTS ? nil : p.pointee.dts,
                duration: p.pointee.duration, isKeyframe: (p.pointee.flags & AV_PKT_FLAG_KEY) != 0))
        }
        for f in frames where f.width == first.width && f.height == first.height {
            try tail.encode(rgb: f.rgb, srcWidth: f.width, pts: f.pts, emit: collect)
        }
        try tail.flush(emit: collect)
        for packet in encoded { try writeVideo(packet) }
    }

    /// Annex B NAL units (start codes) as 4-byte big-endian length-prefixed units.
    static func lengthPrefixed(annexB bytes: [UInt8]) -> [UInt8] {
        var starts: [(code: Int, nal: Int)] = []
        var i = 0
        while i + 2 < bytes.count {
            if bytes[i] == 0, bytes[i + 1] == 0, bytes[i + 2] == 1 {
                let code = i > 0 && bytes[i - 1] == 0 ? i - 1 : i
                starts.append((code, i + 3))
                i += 3
            } else {
                i += 1
            }
        }
        var out: [UInt8] = []
        for (k, s) in starts.enumerated() {
            let end = k + 1 < starts.count ? starts[k + 1].code : bytes.count
            let n = end - s.nal
            guard n > 0 else { continue }
            out += [UInt8(n >> 24 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
            out += bytes[s.nal..<end]
        }
        return out
    }

    private func muxEncoded(_ encoded: UnsafeMutablePointer<AVPacket>) throws {
        guard !finished, let format else { throw MaskstreamError(.internal, "write to '\(path)' after finish()") }
        encoded.pointee.stream_index = videoStream.pointee.index
        av_packet_rescale_ts(encoded, inputTimeBase, videoStream.pointee.time_base)
        try FFmpeg.check(av_interleaved_write_frame(format, encoded), "av_interleaved_write_frame", path, errorCode: .io)
    }

    /// Writes one frame record as a KLV triple at `pts` (source time base).
    public func writeMetadata(pts: Int64, value: [UInt8]) throws {
        let result = try write(bytes: KLV.encode(value: value), pts: pts, dts: pts, duration: 0, key: true,
                               stream: dataStream)
        try FFmpeg.check(result, "av_interleaved_write_frame", path, errorCode: .io)
        recordCount += 1
    }

    /// Writes one packet; returns `av_interleaved_write_frame`'s result for the caller to check.
    private func write(bytes: [UInt8], pts: Int64?, dts: Int64?, duration: Int64, key: Bool,
                       stream: UnsafeMutablePointer<AVStream>) throws -> Int32 {
        guard !finished, let format, let packet else {
            throw MaskstreamError(.internal, "write to '\(path)' after finish()")
        }
        try FFmpeg.check(av_new_packet(packet, Int32(bytes.count)), "av_new_packet", path)
        bytes.withUnsafeBufferPointer { src in
            if let base = src.baseAddress, !bytes.isEmpty { packet.pointee.data.update(from: base, count: bytes.count) }
        }
        packet.pointee.pts = pts ?? FFmpeg.noPTS
        packet.pointee.dts = dts ?? FFmpeg.noPTS
        packet.pointee.duration = duration
        packet.pointee.flags = key ? AV_PKT_FLAG_KEY : 0
        packet.pointee.stream_index = stream.pointee.index
        av_packet_rescale_ts(packet, inputTimeBase, stream.pointee.time_base)
        let result = av_interleaved_write_frame(format, packet)
        av_packet_unref(packet)
        return result
    }

    /// Flushes interleaving buffers, writes the trailer and closes the file. Idempotent.
    public func finish() throws {
        guard !finished, let format else { return }
        try encoder?.flush(emit: muxEncoded)
        finished = true
        defer {
            if format.pointee.pb != nil { avio_closep(&format.pointee.pb) }
            avformat_free_context(format)
            self.format = nil
        }
        try FFmpeg.check(av_write_trailer(format), "av_write_trailer", path, errorCode: .io)
    }
}
