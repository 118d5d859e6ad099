/// Where a non-live source's frames come from: a file, standard input or a camera through
/// FFmpeg's demuxers (``MediaReader``), or an image sequence (``ImageSequenceReader``).
public protocol FrameReader: AnyObject {
    var info: StreamInfo { get }
    /// The video's codec parameters, for outputs that copy its packets.
    var codecParameters: CodecParameters { get }
    /// Packets (or images) skipped as corrupt; the source goes on past them.
    var corruptPackets: Int { get }
    /// What was damaged in the input once read (nil when nothing was): the run's summary and
    /// `maskstream run`'s exit status 3 come from it.
    var damageSummary: String? { get }
    /// The next frame; nil at the end.
    func nextFrame() throws -> VideoFrame?
    /// Stops a read in progress from another thread.
    func cancel()
}

extension MediaReader: FrameReader {}
extension ImageSequenceReader: FrameReader {}

/// Opens the reader a source URL needs (``InputKind``).
public enum MediaInput {
    /// Opens `url`: an image sequence with ``ImageSequenceReader`` at `imageFrameRate`, any
    /// other local input (file, `-`, `/dev/video0`) with ``MediaReader``.
    ///
    /// ```swift
    /// let reader = try MediaInput.open("frames/", imageFrameRate: 30, log: { print($0) })
    /// ```
    /// - Parameter log: told about skipped files and images (image sequences).
    public static func open(_ url: String, imageFrameRate: Double = 25, options: OpenOptions = .init(),
                            log: @escaping (String) -> Void = { _ in }) throws -> any FrameReader {
        if InputKind(url).isImageSequence {
            return try ImageSequenceReader(url: url, frameRate: imageFrameRate, options: options, warn: log)
        }
        return try MediaReader(url: url, options: options)
    }
}
