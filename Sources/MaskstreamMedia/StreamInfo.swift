import CFFmpeg
import Foundation

/// What a source holds: the video stream maskstream decodes.
public struct StreamInfo: Sendable, CustomStringConvertible {
    /// The URL or path the source was opened with.
    public var url: String
    /// The container format name (e.g. "mov,mp4,m4a,3gp,3g2,mj2", "rtsp").
    public var container: String
    /// The video codec name (e.g. "h264").
    public var codec: String
    /// The size of the frames as shown, and as `MediaReader` returns them (after `rotation`).
    public var width: Int
    public var height: Int
    /// Clockwise degrees (0, 90, 180, 270) the stream's display matrix rotates its stored
    /// frames by before showing them; `MediaReader` applies it, as ffmpeg and players do.
    public var rotation: Int = 0
    /// Average frame rate; 0/0 when unknown (some live streams).
    public var frameRate: Rational
    /// The video stream's time base.
    public var timeBase: Rational
    /// Duration in seconds; nil for live streams or when unknown.
    public var duration: Double?
    /// Frame count the container declares; nil when it does not.
    public var declaredFrameCount: Int?
    /// Whether the source is a network stream (RTSP, ...).
    public var isLive: Bool

    public var description: String {
        let dur = duration.map { String(format: "%.3fs", $0) } ?? "live/unknown"
        let turned = rotation == 0 ? "" : " (rotated \(rotation)° for display)"
        return "\(url): \(codec) \(width)x\(height)\(turned) @ \(String(format: "%.3f", frameRate.value)) fps, time base \(timeBase), duration \(dur), container \(container)"
    }
}

/// Owns a copy of a stream's codec parameters so a muxer can copy packets unchanged.
public final class CodecParameters: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<AVCodecParameters>

    init(copying source: UnsafePointer<AVCodecParameters>) throws {
        guard let p = avcodec_parameters_alloc() else {
            throw MaskstreamError(.ffmpeg, "avcodec_parameters_alloc failed: out of memory")
        }
        pointer = p
        try FFmpeg.check(avcodec_parameters_copy(p, source), "avcodec_parameters_copy")
    }

    deinit {
        var p: UnsafeMutablePointer<AVCodecParameters>? = pointer
        avcodec_parameters_free(&p)
    }
}
