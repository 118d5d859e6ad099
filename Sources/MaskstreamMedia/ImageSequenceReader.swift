import CFFmpeg
import Foundation

/// Decodes an image sequence (folder, glob or `%05d` pattern, see ``ImageSequence``) to RGB
/// frames with the timing of a video at `frameRate`: time base 1/fps, image *i* of the
/// sequence at pts *i*. Every frame carries its image's name (``VideoFrame/file``).
///
/// Each image is opened and decoded on its own with FFmpeg (any format its image demuxers
/// read: JPEG, PNG, BMP, TIFF, WebP, …). An image that cannot be read or decoded is skipped
/// and counted in ``corruptPackets``, as ``MediaReader`` counts corrupt packets; its time
/// stays empty (the next image keeps its own pts) and frame indices stay consecutive.
/// Every image must have the first image's size: the masks, the tracker and the annotated
/// video work at one frame size, so a different size is an `.invalidInput` error naming the file.
///
/// ```swift
/// let reader = try ImageSequenceReader(url: "frames/%05d.jpg", frameRate: 30)
/// while let frame = try reader.nextFrame() { print(frame.file ?? "", frame.timestamp.seconds) }
/// ```
public final class ImageSequenceReader {
    public let sequence: ImageSequence
    public let info: StreamInfo
    /// The first image's codec and size. Image sequences have no packets to copy: outputs
    /// that copy the source's video cannot use them.
    public let codecParameters: CodecParameters
    public let options: OpenOptions
    /// Images skipped because they could not be read or decoded.
    public private(set) var corruptPackets = 0
    /// Names of the skipped images, in order.
    public private(set) var corruptFiles: [String] = []

    /// The skipped images, for the run's summary (nil when every image decoded).
    public var damageSummary: String? {
        guard !corruptFiles.isEmpty else { return nil }
        let shown = corruptFiles.prefix(5).joined(separator: ", ") + (corruptFiles.count > 5 ? ", …" : "")
        return "\(corruptFiles.count) unreadable image\(corruptFiles.count == 1 ? "" : "s") skipped (\(shown))"
    }

    private let warn: (String) -> Void
    private let converter = RGBConverter()
    private let cancelled = Locked(false)
    /// The position in `sequence.entries` of the next image to decode.
    private var position = 0
    private var nextIndex = 0
    /// The first image, decoded when opening (for the sequence's size and codec).
    private var first: VideoFrame?

    /// Lists the sequence and decodes its first readable image.
    ///
    /// - Parameters:
    ///   - frameRate: frames per second the sequence is timed at.
    ///   - warn: told once about files skipped for their extension, and about each skipped image.
    /// - Throws: the errors of ``ImageSequence/init(listing:)``, and `.invalidInput` when no
    ///   image decodes.
    public init(url: String, frameRate: Double = 25, options: OpenOptions = .init(),
                warn: @escaping (String) -> Void = { _ in }) throws {
        _ = FFmpeg.quietOnce
        guard frameRate.isFinite, frameRate > 0 else {
            throw MaskstreamError(.invalidInput, "'\(url)': the frame rate of an image sequence must be > 0, "
                + "got \(frameRate)")
        }
        self.sequence = try ImageSequence(listing: url)
        self.options = options
        self.warn = warn
        if !sequence.skipped.isEmpty {
            let shown = sequence.skipped.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
            let more = sequence.skipped.count > 5 ? ", …" : ""
            let n = sequence.skipped.count
            warn("skipped \(n) \(n == 1 ? "file" : "files") without an image extension: \(shown)\(more)")
        }
        var firstImage: DecodedImage?
        var failed: [(ImageSequence.Entry, MaskstreamError)] = []
        var start = 0
        while firstImage == nil, start < sequence.entries.count {
            let entry = sequence.entries[start]
            do {
                firstImage = try Self.decode(entry.path, converter, describing: true)
            } catch let e as MaskstreamError {
                failed.append((entry, e))
            }
            start += 1
        }
        guard let image = firstImage else {
            let first = failed.first.map { "'\($0.0.name)': \($0.1.message)" } ?? "?"
            throw MaskstreamError(.invalidInput, "'\(url)' holds no decodable image: all \(sequence.entries.count) "
                + "failed (first: \(first)); check that the files are images")
        }
        let rate = av_d2q(frameRate, 1_000_000)
        let timeBase = Rational(rate.den, rate.num)
        let count = sequence.entries.count
        guard let parameters = image.parameters else {
            throw MaskstreamError(.internal, "'\(url)': the first image was decoded without its codec parameters")
        }
        codecParameters = parameters
        info = StreamInfo(url: url, container: "images", codec: image.codec, width: image.width, height: image.height,
                          frameRate: Rational(rate), timeBase: timeBase, duration: Double(count) / frameRate,
                          declaredFrameCount: count - failed.count, isLive: false)
        for (entry, error) in failed { skip(entry, error) }
        position = start
        first = frame(image, at: start - 1)
    }

    /// Stops reading: the next `nextFrame()` returns nil.
    public func cancel() { cancelled.withLock { $0 = true } }

    /// The next decodable image; nil after the last one (or after `cancel()`).
    ///
    /// - Throws: `.invalidInput` when an image's size differs from the first image's.
    public func nextFrame() throws -> VideoFrame? {
        if cancelled.withLock({ $0 }) { return nil }
        if let f = first {
            first = nil
            return f
        }
        while position < sequence.entries.count {
            let entry = sequence.entries[position]
            position += 1
            let image: DecodedImage
            do { image = try Self.decode(entry.path, converter) } catch let e as MaskstreamError {
                skip(entry, e)
                continue
            }
            guard image.width == info.width, image.height == info.height else {
                throw MaskstreamError(.invalidInput, "image '\(entry.path)' is \(image.width)x\(image.height) but the "
                    + "sequence started at \(info.width)x\(info.height) ('\(sequence.entries[0].name)'): the images of "
                    + "one source must share a size; resize them (ffmpeg -i in.png -vf scale=\(info.width):"
                    + "\(info.height) out.png) or give each size its own source")
            }
            return frame(image, at: position - 1)
        }
        return nil
    }

    private func skip(_ entry: ImageSequence.Entry, _ error: MaskstreamError) {
        corruptPackets += 1
        corruptFiles.append(entry.name)
        warn("skipped image '\(entry.name)': \(error.message)")
    }

    private func frame(_ image: DecodedImage, at position: Int) -> VideoFrame {
        defer { nextIndex += 1 }
        return VideoFrame(sourceId: options.sourceId, index: nextIndex,
                          timestamp: Timestamp(pts: Int64(position), timeBase: info.timeBase),
                          width: image.width, height: image.height, rgb: image.rgb,
                          file: sequence.entries[position].name)
    }

    /// One decoded image.
    private struct DecodedImage {
        var width: Int, height: Int
        var rgb: [UInt8]
        var codec: String
        /// The image's codec parameters, when asked for.
        var parameters: CodecParameters?
    }

    /// Opens one image file with FFmpeg's image demuxers and decodes its one frame.
    private static func decode(_ path: String, _ converter: RGBConverter, describing: Bool = false) throws
        -> DecodedImage
    {
        var format: UnsafeMutablePointer<AVFormatContext>?
        let opened = avformat_open_input(&format, path, nil, nil)
        if opened < 0 {
            throw MaskstreamError(.invalidInput, "cannot read it as an image: \(FFmpeg.describe(opened)) (\(opened))")
        }
        defer { avformat_close_input(&format) }
        guard let format, format.pointee.nb_streams > 0, let stream = format.pointee.streams[0],
              let params = stream.pointee.codecpar, params.pointee.codec_type == AVMEDIA_TYPE_VIDEO else {
            throw MaskstreamError(.invalidInput, "FFmpeg finds no image in it")
        }
        guard let decoder = avcodec_find_decoder(params.pointee.codec_id) else {
            let name = String(cString: avcodec_get_name(params.pointee.codec_id))
            throw MaskstreamError(.unsupported, "no decoder for image codec '\(name)' in this FFmpeg build")
        }
        var codec = avcodec_alloc_context3(decoder)
        defer { avcodec_free_context(&codec) }
        var packet = av_packet_alloc()
        defer { av_packet_free(&packet) }
        var frame = av_frame_alloc()
        defer { av_frame_free(&frame) }
        guard let codec, let packet, let frame else {
            throw MaskstreamError(.ffmpeg, "avcodec_alloc_context3/av_packet_alloc/av_frame_alloc failed: "
                + "out of memory")
        }
        try FFmpeg.check(avcodec_parameters_to_context(codec, params), "avcodec_parameters_to_context", path)
        codec.pointee.thread_count = 1
        try FFmpeg.check(avcodec_open2(codec, decoder, nil), "avcodec_open2", path, errorCode: .invalidInput)
        // An image demuxer returns the whole file as one packet (or a few for some formats).
        var read = av_read_frame(format, packet)
        while read >= 0 {
            if packet.pointee.stream_index == 0 {
                let sent = avcodec_send_packet(codec, packet)
                av_packet_unref(packet)
                if sent < 0 && sent != FFmpeg.eagain {
                    throw MaskstreamError(.invalidInput, "not a decodable image: \(FFmpeg.describe(sent)) (\(sent))")
                }
                if avcodec_receive_frame(codec, frame) == 0 { break }
            } else {
                av_packet_unref(packet)
            }
            read = av_read_frame(format, packet)
        }
        if read < 0 {
            guard read == FFmpeg.eof else {
                throw MaskstreamError(.invalidInput, "reading it failed: \(FFmpeg.describe(read)) (\(read))")
            }
            _ = avcodec_send_packet(codec, nil)
            let received = avcodec_receive_frame(codec, frame)
            if received < 0 {
                throw MaskstreamError(.invalidInput,
                                      "not a decodable image: \(FFmpeg.describe(received)) (\(received))")
            }
        }
        defer { av_frame_unref(frame) }
        guard frame.pointee.width > 0, frame.pointee.height > 0 else {
            throw MaskstreamError(.invalidInput, "the image has no size")
        }
        let rgb = try converter.rgb(of: frame, path)
        let codecName = String(cString: avcodec_get_name(params.pointee.codec_id))
        let (width, height) = (Int(frame.pointee.width), Int(frame.pointee.height))
        guard describing else { return DecodedImage(width: width, height: height, rgb: rgb, codec: codecName) }
        guard let described = avcodec_parameters_alloc() else {
            throw MaskstreamError(.ffmpeg, "avcodec_parameters_alloc failed: out of memory")
        }
        var owned: UnsafeMutablePointer<AVCodecParameters>? = described
        defer { avcodec_parameters_free(&owned) }
        try FFmpeg.check(avcodec_parameters_copy(described, params), "avcodec_parameters_copy", path)
        described.pointee.width = frame.pointee.width
        described.pointee.height = frame.pointee.height
        described.pointee.format = frame.pointee.format
        return DecodedImage(width: width, height: height, rgb: rgb, codec: codecName,
                            parameters: try CodecParameters(copying: described))
    }
}
