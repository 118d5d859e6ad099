import CFFmpeg

/// The one place where FFmpeg return codes become thrown errors naming the failed call.
enum FFmpeg {
    /// FFmpeg's own text for an error code.
    static func describe(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        CFFmpeg_av_strerror(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Throws when `code` is negative; returns it otherwise.
    @discardableResult
    static func check(_ code: Int32, _ call: String, _ what: @autoclosure () -> String = "",
                      errorCode: MaskstreamError.Code = .ffmpeg) throws -> Int32 {
        guard code < 0 else { return code }
        let subject = what()
        let prefix = subject.isEmpty ? "" : "\(subject): "
        throw MaskstreamError(errorCode, "\(prefix)\(call) failed: \(describe(code)) (\(code))")
    }

    static let eof = CFFmpeg_AVERROR_EOF()
    static let eagain = CFFmpeg_AVERROR_EAGAIN()
    static let exit = CFFmpeg_AVERROR_EXIT()
    static let noPTS = CFFmpeg_AV_NOPTS_VALUE()

    /// Silences FFmpeg's own logging unless MASKSTREAM_FFMPEG_LOG is set.
    static let quietOnce: Void = {
        av_log_set_level(getenvIsSet("MASKSTREAM_FFMPEG_LOG") ? AV_LOG_INFO : AV_LOG_ERROR)
    }()

    private static func getenvIsSet(_ name: String) -> Bool { getenv(name) != nil }
}

extension Rational {
    init(_ r: AVRational) { self.init(r.num, r.den) }
    var av: AVRational { AVRational(num: num, den: den) }
}
