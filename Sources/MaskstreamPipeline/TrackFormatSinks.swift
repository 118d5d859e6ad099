import Foundation

/// MOTS txt: one line per instance, `frame track_id class_id height width rle_counts`,
/// as KITTI MOTS / MOTSChallenge and TrackEval read it. Frame numbers are 0-based frame indices.
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
        guard let w = writers[record.source] else { return }
        for i in record.instances {
            try w.write("\(record.frame) \(i.trackId) \(i.categoryId) \(i.segmentation.height) \(i.segmentation.width) \(i.segmentation.compressedCounts)")
        }
    }

    public func finish() throws { for w in writers.values { try w.close() } }
}

/// YouTube-VIS results JSON: one entry per track with its category, mean score and a
/// segmentation (or null) for every frame of its video. Written at `finish`.
public final class YouTubeVISSink: FrameSink {
    public let name = "ytvis"
    private let path: String

    private struct Track {
        var videoId: Int
        var categoryVotes: [Int: Int] = [:]
        var scoreSum = 0.0
        var count = 0
        var segmentations: [Int: RLE] = [:]
    }
    private var tracks: [Int: [Int: Track]] = [:]   // source → track id → track
    private var frameCounts: [Int: Int] = [:]

    public init(path: String) throws {
        self.path = path
        try prepareOutput(path)
    }

    public func write(_ record: FrameRecord, frame: VideoFrame) throws {
        frameCounts[record.source] = max(frameCounts[record.source] ?? 0, record.frame + 1)
        for i in record.instances {
            var t = tracks[record.source]?[i.trackId] ?? Track(videoId: record.source + 1)
            t.categoryVotes[i.categoryId, default: 0] += 1
            t.scoreSum += i.score
            t.count += 1
            t.segmentations[record.frame] = i.segmentation
            tracks[record.source, default: [:]][i.trackId] = t
        }
    }

    public func finish() throws {
        var entries: [[String: Any]] = []
        for source in tracks.keys.sorted() {
            let n = frameCounts[source] ?? 0
            for (_, t) in tracks[source]!.sorted(by: { $0.key < $1.key }) {
                let category = t.categoryVotes.max { $0.value == $1.value ? $0.key > $1.key : $0.value < $1.value }?.key ?? 0
                let segs: [Any] = (0..<n).map { f in
                    guard let r = t.segmentations[f] else { return NSNull() }
                    return ["size": [r.height, r.width], "counts": r.compressedCounts] as [String: Any]
                }
                entries.append(["video_id": t.videoId, "category_id": category,
                                "score": t.scoreSum / Double(max(1, t.count)), "segmentations": segs])
            }
        }
        do {
            let data = try JSONSerialization.data(withJSONObject: entries, options: [.sortedKeys])
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw MaskstreamError(.io, "writing '\(path)' failed: \(error.localizedDescription)")
        }
    }
}
