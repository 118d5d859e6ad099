import CFFmpeg
import Foundation

/// How a source is opened.
public struct OpenOptions: Sendable, Equatable {
    /// Seconds allowed for opening the source (connecting, probing) before a `.timeout` error.
    public var openTimeout: Double
    /// Seconds without data before a read is declared stalled and fails with `.timeout`.
    public var readTimeout: Double
    /// RTSP lower transport: "tcp" (default, robust through NAT and loss) or "udp".
    public var rtspTransport: String
    /// The id stamped on every frame of this source.
    public var sourceId: Int

    public init(openTimeout: Double = 10, readTimeout: Double = 5, rtspTransport: String = "tcp", sourceId: Int = 0) {
        self.openTimeout = openTimeout
        self.readTimeout = readTimeout
        self.rtspTransport = rtspTransport
        self.sourceId = sourceId
    }
}

/// A deadline FFmpeg's blocking calls check through the interrupt callback.
final class InterruptDeadline: @unchecked Sendable {
    private let lock = NSLock()
    private var deadline: UInt64 = .max
    private var cancelled = false

    func arm(seconds: Double) {
        lock.withLock {
            deadline = DispatchTime.now().uptimeNanoseconds &+ UInt64(max(0, seconds) * 1e9)
        }
    }
    func cancel() { lock.withLock { cancelled = true } }
    var shouldInterrupt: Bool {
        lock.withLock { cancelled || DispatchTime.now().uptimeNanoseconds > deadline }
    }
    var isCancelled: Bool { lock.withLock { cancelled } }
}

private let interruptCallback: @convention(c) (UnsafeMutableRawPointer?) -> Int32 = { opaque in
    guard let opaque else { return 0 }
    return Unmanaged<InterruptDeadline>.fromOpaque(opaque).takeUnretainedValue().shouldInterrupt ? 1 : 0
}

/// Opens a file or network URL with FFmpeg and decodes its best video stream to RGB frames.
///
/// At the end of the stream the decoder is drained, so every frame the stream holds is
/// returned (a 60-frame clip gives 60 frames). Blocking reads are bounded by
/// `OpenOptions.readTimeout`; a stalled network stream fails with `.timeout`.
///
/// ```swift
/// let reader = try MediaReader(url: "clip.mp4")
/// while let frame = try reader.nextFrame() { print(frame.index, frame.timestamp.seconds) }
/// ```
public final class MediaReader {
    public let info: StreamInfo
    /// The video stream's codec parameters, for copying its packets into an output.
    public let codecParameters: CodecParameters
    public let options: OpenOptions

    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private let converter = RGBConverter()
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private let interrupt = InterruptDeadline()
    private let streamIndex: Int32
    private var nextIndex = 0
    private var pendingPackets: [EncodedPacket] = []
    private var draining = false
    private var finished = false
    private var lastPTS: Int64?
    /// Packets the decoder rejected, or the demuxer flagged, as corrupt (the stream goes on past them).
    public private(set) var corruptPackets = 0
    /// Frames the decoder failed to decode (skipped; the stream goes on past them).
    public private(set) var decodeErrors = 0
    /// Why a file's container could not be read to its end (truncated or damaged), when so:
    /// the frames before the damage are all returned.
    public private(set) var readFailure: String?
    /// Consecutive decode errors without a frame in between; past `maxConsecutiveErrors` the
    /// stream is given up as undecodable.
    private var consecutiveErrors = 0
    private static let maxConsecutiveErrors = 256

    /// Whether the input was damaged: corrupt packets, undecodable frames or a container that
    /// ends early. Every decodable frame was still returned.
    public var isDamaged: Bool { corruptPackets > 0 || decodeErrors > 0 || readFailure != nil }

    /// What was damaged, for the run's summary (nil when nothing was).
    public var damageSummary: String? {
        guard isDamaged else { return nil }
        var parts: [String] = []
        if corruptPackets > 0 { parts.append("\(corruptPackets) corrupt packet\(corruptPackets == 1 ? "" : "s")") }
        if decodeErrors > 0 { parts.append("\(decodeErrors) undecodable frame\(decodeErrors == 1 ? "" : "s") skipped") }
        if let readFailure { parts.append("read stopped early: \(readFailure)") }
        return parts.joined(separator: ", ")
    }

    public init(url: String, options: OpenOptions = .init()) throws {
        _ = FFmpeg.quietOnce
        self.options = options
        let live = MediaReader.isNetworkURL(url)
        if !live { try MediaReader.checkInput(url) }
        if live { avformat_network_init() }
        let kind = InputKind(url)
        let inputFormat = try kind.inputFormat()

        guard let ctx = avformat_alloc_context() else {
            throw MaskstreamError(.ffmpeg, "avformat_alloc_context failed: out of memory")
        }
        ctx.pointee.interrupt_callback = AVIOInterruptCB(
            callback: interruptCallback,
            opaque: Unmanaged.passUnretained(interrupt).toOpaque())
        var formatPointer: UnsafeMutablePointer<AVFormatContext>? = ctx
        var dict: OpaquePointer?
        defer { av_dict_free(&dict) }
        if url.lowercased().hasPrefix("rtsp") {
            av_dict_set(&dict, "rtsp_transport", options.rtspTransport, 0)
            av_dict_set(&dict, "timeout", String(Int64(options.readTimeout * 1_000_000)), 0)
        }
        interrupt.arm(seconds: options.openTimeout)
        let openResult = avformat_open_input(&formatPointer, kind.ffmpegURL(url), inputFormat, &dict)
        if openResult < 0 {
            // avformat_open_input frees the context on failure.
            throw MediaReader.openError(url: url, code: openResult, live: live, options: options)
        }
        var cc: UnsafeMutablePointer<AVCodecContext>?
        do {
            let probe = avformat_find_stream_info(formatPointer, nil)
            if probe < 0 { throw MediaReader.openError(url: url, code: probe, live: live, options: options) }
            let index = av_find_best_stream(formatPointer, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
            guard index >= 0, let stream = formatPointer?.pointee.streams[Int(index)] else {
                throw MaskstreamError(.invalidInput, "'\(url)' has no video stream: maskstream needs a video input")
            }
            streamIndex = index
            let params = stream.pointee.codecpar!
            guard let decoder = avcodec_find_decoder(params.pointee.codec_id) else {
                let name = String(cString: avcodec_get_name(params.pointee.codec_id))
                throw MaskstreamError(.unsupported, "'\(url)': no decoder for codec '\(name)' in this FFmpeg build")
            }
            guard params.pointee.width > 0, params.pointee.height > 0 else {
                throw MaskstreamError(.invalidInput, "'\(url)': video stream has no frame size (corrupt or truncated header)")
            }
            codecParameters = try CodecParameters(copying: params)
            cc = avcodec_alloc_context3(decoder)
            guard let cc else {
                throw MaskstreamError(.ffmpeg, "avcodec_alloc_context3 failed: out of memory")
            }
            try FFmpeg.check(avcodec_parameters_to_context(cc, params), "avcodec_parameters_to_context", url)
            cc.pointee.pkt_timebase = stream.pointee.time_base
            cc.pointee.thread_count = 0
            try FFmpeg.check(avcodec_open2(cc, decoder, nil), "avcodec_open2", url)

            let tb = Rational(stream.pointee.time_base)
            var duration: Double?
            if stream.pointee.duration > 0 {
                duration = Double(stream.pointee.duration) * tb.value
            } else if let f = formatPointer, f.pointee.duration > 0 {
                duration = Double(f.pointee.duration) / Double(AV_TIME_BASE)
            }
            let nb = stream.pointee.nb_frames
            let rotation = Int(CFFmpeg_display_rotation(stream))
            let (storedW, storedH) = (Int(params.pointee.width), Int(params.pointee.height))
            info = StreamInfo(
                url: url,
                container: String(cString: formatPointer!.pointee.iformat.pointee.name),
                codec: String(cString: avcodec_get_name(params.pointee.codec_id)),
                width: rotation % 180 == 0 ? storedW : storedH, height: rotation % 180 == 0 ? storedH : storedW,
                rotation: rotation,
                frameRate: Rational(stream.pointee.avg_frame_rate),
                timeBase: tb,
                duration: live ? nil : duration,
                declaredFrameCount: nb > 0 ? Int(nb) : nil,
                isLive: live)
        } catch {
            avcodec_free_context(&cc)
            avformat_close_input(&formatPointer)
            throw error
        }
        format = formatPointer
        codec = cc
        packet = av_packet_alloc()
        frame = av_frame_alloc()
        guard packet != nil, frame != nil else {
            throw MaskstreamError(.ffmpeg, "av_packet_alloc/av_frame_alloc failed: out of memory")
        }
    }

    deinit { release() }

    /// Stops a blocking read from another thread; the read then fails with `.cancelled`.
    public func cancel() { interrupt.cancel() }

    private func release() {
        if frame != nil { av_frame_free(&frame) }
        if packet != nil { av_packet_free(&packet) }
        if codec != nil { avcodec_free_context(&codec) }
        if format != nil { avformat_close_input(&format) }
    }

    /// Decodes the next frame; nil once the stream has ended and the decoder is drained.
    ///
    /// Throws `.timeout` when a network source sends nothing for `readTimeout` seconds,
    /// `.network`/`.ffmpeg` when reading fails, `.cancelled` after `cancel()`.
    public func nextFrame() throws -> VideoFrame? {
        guard !finished, let codec, let packet, let frame, let format else { return nil }
        while true {
            let received = avcodec_receive_frame(codec, frame)
            if received == 0 {
                defer { av_frame_unref(frame) }
                consecutiveErrors = 0
                return try convert(frame)
            }
            if received == FFmpeg.eof {
                finished = true
                if info.isLive {
                    throw MaskstreamError(.network, "'\(info.url)' ended: the server closed the stream after \(nextIndex) frames")
                }
                if nextIndex == 0 {
                    throw MaskstreamError(.invalidInput, "'\(info.url)' holds no decodable video frame (corrupt or truncated file?)")
                }
                return nil
            }
            if received != FFmpeg.eagain {
                // A frame that does not decode (damaged data): skip it, count it, go on, as
                // players do; a stream that decodes nothing at all is given up.
                decodeErrors += 1
                consecutiveErrors += 1
                if consecutiveErrors > Self.maxConsecutiveErrors {
                    try FFmpeg.check(received, "avcodec_receive_frame", info.url)
                }
                continue
            }
            if draining {
                // The decoder wants input while draining: nothing more can come.
                finished = true
                return nil
            }
            interrupt.arm(seconds: options.readTimeout)
            let read = av_read_frame(format, packet)
            if read == FFmpeg.eof {
                draining = true
                _ = avcodec_send_packet(codec, nil)
                continue
            }
            if read < 0 {
                let error = readError(read)
                // A file whose container breaks off (truncated, damaged): decode what was read.
                guard !info.isLive, error.code == .ffmpeg else { throw error }
                readFailure = "\(FFmpeg.describe(read)) (\(read))"
                draining = true
                _ = avcodec_send_packet(codec, nil)
                continue
            }
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == streamIndex else { continue }
            if (packet.pointee.flags & AV_PKT_FLAG_CORRUPT) != 0 { corruptPackets += 1 }
            pendingPackets.append(Self.copy(packet))
            let sent = avcodec_send_packet(codec, packet)
            if sent < 0 && sent != FFmpeg.eagain && (packet.pointee.flags & AV_PKT_FLAG_CORRUPT) == 0 {
                // A corrupt packet: count it and keep going, as players do.
                corruptPackets += 1
            }
        }
    }

    private func readError(_ code: Int32) -> MaskstreamError {
        if interrupt.isCancelled {
            return MaskstreamError(.cancelled, "reading '\(info.url)' was cancelled")
        }
        if code == FFmpeg.exit || code == CFFmpeg_AVERROR_ETIMEDOUT() {
            return MaskstreamError(.timeout, "'\(info.url)' sent no data for \(options.readTimeout) s: the stream stalled or the server went away")
        }
        let kind: MaskstreamError.Code = info.isLive ? .network : .ffmpeg
        return MaskstreamError(kind, "'\(info.url)': av_read_frame failed: \(FFmpeg.describe(code)) (\(code))")
    }

    private static func copy(_ packet: UnsafeMutablePointer<AVPacket>) -> EncodedPacket {
        let p = packet.pointee
        let bytes: [UInt8] = p.data.map { Array(UnsafeBufferPointer(start: $0, count: Int(p.size))) } ?? []
        return EncodedPacket(
            data: bytes,
            pts: p.pts == FFmpeg.noPTS ? nil : p.pts,
            dts: p.dts == FFmpeg.noPTS ? nil : p.dts,
            duration: p.duration,
            isKeyframe: (p.flags & AV_PKT_FLAG_KEY) != 0,
            isCorrupt: (p.flags & AV_PKT_FLAG_CORRUPT) != 0)
    }

    private func convert(_ frame: UnsafeMutablePointer<AVFrame>) throws -> VideoFrame {
        let f = frame.pointee
        let width = Int(f.width), height = Int(f.height)
        var rgb = try converter.rgb(of: frame, info.url)
        var (shownWidth, shownHeight) = (width, height)
        if info.rotation != 0 {
            (rgb, shownWidth, shownHeight) = FrameRotation.rotate(rgb: rgb, width: width, height: height,
                                                                  clockwise: info.rotation)
        }
        var pts = f.best_effort_timestamp
        if pts == FFmpeg.noPTS { pts = f.pts }
        if pts == FFmpeg.noPTS {
            // No timestamp from the source: continue from the last one by one frame duration.
            let step = f.pkt_duration > 0 ? f.pkt_duration : 1
            pts = (lastPTS ?? -step) + step
        }
        lastPTS = pts
        var result = VideoFrame(sourceId: options.sourceId, index: nextIndex,
                                timestamp: Timestamp(pts: pts, timeBase: info.timeBase),
                                width: shownWidth, height: shownHeight, rgb: rgb, packets: pendingPackets)
        result.decodedAt = DispatchTime.now().uptimeNanoseconds
        pendingPackets.removeAll(keepingCapacity: true)
        nextIndex += 1
        return result
    }

    /// Whether `url` names a network stream rather than a local file.
    public static func isNetworkURL(_ url: String) -> Bool {
        guard let range = url.range(of: "://") else { return false }
        let scheme = url[..<range.lowerBound].lowercased()
        return scheme != "file"
    }

    /// The local path a file URL or plain path names; nil for a network stream.
    public static func localPath(_ url: String) -> String? {
        if isNetworkURL(url) { return nil }
        return url.hasPrefix("file://") ? String(url.dropFirst(7)) : url
    }

    /// The one check of an input before it is opened: a local file must exist, be a
    /// non-empty readable file; an image folder, glob or pattern must name images
    /// (``ImageSequence``); a camera must exist; network URLs and `-` (standard input) pass
    /// (they are checked when connecting).
    ///
    /// - Throws: `MaskstreamError` `.notFound`, `.invalidInput` or `.io` saying what to fix.
    public static func checkInput(_ url: String) throws {
        switch InputKind(url) {
        case .network, .pipe: return
        case .device(let path): return try InputKind.checkDevice(path)
        case .imageFolder, .imagePattern, .imageGlob: _ = try ImageSequence(listing: url); return
        case .file: break
        }
        guard let path = localPath(url) else { return }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw MaskstreamError(.notFound, "input '\(path)' does not exist: check the path")
        }
        if isDir.boolValue {
            throw MaskstreamError(.invalidInput, "input '\(path)' is a directory, not a video file")
        }
        // A named pipe (mkfifo) reads like standard input: only a regular file can be empty.
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let regular = (attributes?[.type] as? FileAttributeType).map { $0 == .typeRegular } ?? true
        if regular, (attributes?[.size] as? Int) == 0 {
            throw MaskstreamError(.invalidInput, "input '\(path)' is empty (0 bytes): not a video file")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw MaskstreamError(.io, "input '\(path)' is not readable: check its permissions")
        }
    }

    private static func openError(url: String, code: Int32, live: Bool, options: OpenOptions) -> MaskstreamError {
        if code == FFmpeg.exit || code == CFFmpeg_AVERROR_ETIMEDOUT() {
            return MaskstreamError(.timeout, "could not open '\(url)' within \(options.openTimeout) s: is the server up and the URL right?")
        }
        if live {
            return MaskstreamError(.network, "could not open stream '\(url)': \(FFmpeg.describe(code)) (\(code)); check that the server is reachable and the path exists")
        }
        return MaskstreamError(.invalidInput, "could not read '\(url)' as media: \(FFmpeg.describe(code)) (\(code)); is it a video file?")
    }
}
