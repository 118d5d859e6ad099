import Foundation

extension InstanceRecord {
    /// The record as the tracker's value type, for the tracking module's format writers.
    var trackedInstance: TrackedInstance {
        let box = bbox.count == 4 ? BoundingBox(x: bbox[0], y: bbox[1], width: bbox[2], height: bbox[3]) : nil
        return TrackedInstance(
            trackId: trackId,
            detection: Detection(rle: segmentation, box: box, classId: categoryId, score: Float(score)),
            state: .confirmed)
    }
}

/// MOTS txt: one line per instance, `frame track_id class_id height width rle_counts`,
/// as KITTI MOTS / MOTSChallenge and TrackEval read it (written by `MOTSWriter`).
/// Frame numbers are 0-based frame indices; lines are flushed frame by frame.
public final class MOTSSink: FrameSink {
    public let name = "mots"
    private let path: String
    private let sourceCount: Int
    private var writers: [Int: LineWriter] = [:]

    public init(path: String, sourceCount: Int) throws {
        self.path = path
        self.sourceCount = sourceCount
        try prepareOutput(path)
    }

    public func begin(source: SourceContext) throws {
        writers[source.id] = try LineWriter(path: perSourcePath(path, source: source.id, sourceCount: sourceCount))
    }

    public func write(_ record: FrameRecord, frame: VideoFrame) throws {
        guard let w = writers[record.source], !record.instances.isEmpty else { return }
        var mots = MOTSWriter(frameNumberBase: 0)
        mots.append(frameIndex: record.frame, instances: record.instances.map(\.trackedInstance))
        try w.write(String(mots.text.dropLast()))
    }

    public func finish() throws { for w in writers.values { try w.close() } }
}

/// YouTube-VIS results JSON (written by `YouTubeVISWriter`): one entry per track with its
/// category, mean score and a segmentation (or null) for every frame of its video.
/// Video ids are source index + 1. Written at `finish`.
public final class YouTubeVISSink: FrameSink {
    public let name = "ytvis"
    private let path: String
    private var writer = YouTubeVISWriter()

    public init(path: String) throws {
        self.path = path
        try prepareOutput(path)
    }

    public func write(_ record: FrameRecord, frame: VideoFrame) throws {
        try writer.append(videoId: record.source + 1, frameIndex: record.frame,
                          instances: record.instances.map(\.trackedInstance))
    }

    public func finish() throws {
        do {
            try writer.data().write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw MaskstreamError(.io, "writing '\(path)' failed: \(error.localizedDescription)")
        }
    }
}
