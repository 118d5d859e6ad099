import Foundation

/// YouTube-VIS results JSON (written by `YouTubeVISWriter`): one entry per track with its
/// category, mean score and a segmentation (or null) for every frame of its video.
/// Video ids are source index + 1. Written at `finish`.
public final class YouTubeVISSink: FrameSink {
    public let name = "ytvis"
    private let path: String
    private var writer = YouTubeVISWriter()

    public init(path: String) throws {
        self.path = path
        try OutputPath.prepare(path)
    }

    public func write(_ frame: Emission) throws {
        try writer.append(videoId: frame.record.source + 1, frameIndex: frame.record.frame, instances: frame.tracks)
    }

    public func finish() throws {
        do {
            try writer.data().write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw MaskstreamError(.io, "writing '\(path)' failed: \(error.localizedDescription)")
        }
    }
}
