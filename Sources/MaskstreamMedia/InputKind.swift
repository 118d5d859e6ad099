import CFFmpeg
import Foundation

/// What a source URL names, decided from its text and, for local paths, the file system.
///
/// | url | kind |
/// | --- | --- |
/// | `rtsp://cam/1`, `http://…` | `.network` |
/// | `-`, `pipe:0` | `.pipe` (a stream on standard input) |
/// | `/dev/video0` | `.device` (a V4L2 camera, through libavdevice) |
/// | `frames/` (a folder) | `.imageFolder` |
/// | `frames/%05d.jpg` | `.imagePattern` (FFmpeg's printf pattern) |
/// | `frames/*.png` | `.imageGlob` |
/// | anything else | `.file` |
///
/// An existing file always counts as a file, even when its name has `%d` or `*` in it.
///
/// ```swift
/// InputKind("frames/%05d.jpg")   // .imagePattern("frames/%05d.jpg")
/// InputKind("-").ffmpegURL        // "pipe:0"
/// ```
public enum InputKind: Sendable, Equatable {
    case network
    case pipe(String)
    case device(String)
    case file(String)
    case imageFolder(String)
    case imagePattern(String)
    case imageGlob(String)

    public init(_ url: String) {
        guard let path = MediaReader.localPath(url) else { self = .network; return }
        if path == "-" || path.hasPrefix("pipe:") { self = .pipe(path); return }
        if path.hasPrefix("/dev/video") { self = .device(path); return }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            self = isDir.boolValue ? .imageFolder(path) : .file(path)
        } else if av_filename_number_test(path) == 1 {
            self = .imagePattern(path)
        } else if path.contains(where: { "*?[".contains($0) }) {
            self = .imageGlob(path)
        } else {
            self = .file(path)
        }
    }

    /// Whether the source is a sequence of still images (folder, pattern or glob).
    public var isImageSequence: Bool {
        switch self {
        case .imageFolder, .imagePattern, .imageGlob: true
        case .network, .pipe, .device, .file: false
        }
    }

    /// Whether frames come with compressed video packets an output can copy unchanged
    /// (an image sequence has none).
    public var hasVideoPackets: Bool { !isImageSequence }

    /// The URL handed to FFmpeg: `-` becomes `pipe:0`, as the ffmpeg command line does.
    func ffmpegURL(_ url: String) -> String {
        if case .pipe(let path) = self, path == "-" { return "pipe:0" }
        return url
    }

    /// The input format FFmpeg opens the URL with; nil lets FFmpeg probe it.
    func inputFormat() throws -> UnsafePointer<AVInputFormat>? {
        switch self {
        case .imageFolder(let path), .imagePattern(let path), .imageGlob(let path):
            throw MaskstreamError(.invalidInput, "'\(path)' is an image sequence, not a stream FFmpeg demuxes: "
                + "open it with MediaInput.open (ImageSequenceReader)")
        case .network, .pipe, .device, .file: break
        }
        guard case .device(let path) = self else { return nil }
        _ = Self.devicesOnce
        guard let format = av_find_input_format("video4linux2") else {
            throw MaskstreamError(.unsupported, "camera '\(path)': this FFmpeg has no video4linux2 input "
                + "(libavdevice built without V4L2): install Debian's libavdevice")
        }
        return format
    }

    /// Registers libavdevice's inputs (V4L2) with libavformat, once per process.
    private static let devicesOnce: Void = { avdevice_register_all() }()

    /// Checks a camera before it is opened: it must exist, be a character device and be readable.
    ///
    /// - Throws: `MaskstreamError` `.notFound`, `.invalidInput` or `.io` saying what to fix.
    static func checkDevice(_ path: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw MaskstreamError(.notFound, "camera '\(path)' does not exist: is it plugged in? "
                + "`ls /dev/video*` (or `v4l2-ctl --list-devices`) lists the cameras")
        }
        guard (st.st_mode & S_IFMT) == S_IFCHR else {
            throw MaskstreamError(.invalidInput, "'\(path)' is not a V4L2 camera (not a character device)")
        }
        guard access(path, R_OK) == 0 else {
            throw MaskstreamError(.io, "camera '\(path)' is not readable: add the user to the 'video' group")
        }
    }
}
