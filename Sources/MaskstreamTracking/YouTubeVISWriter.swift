import Foundation

/// Accumulates tracked frames as YouTube-VIS results JSON, as TrackEval and the
/// YouTube-VIS evaluation read it: one entry per track and video,
/// `{"video_id", "category_id", "score", "segmentations": [rle or null per frame]}`.
///
/// A track's category is its class with the highest summed score, and its score
/// the mean score of its frames. Append every frame of a video, empty ones
/// included, so the segmentation lists have the video's length.
///
/// ```swift
/// var writer = YouTubeVISWriter()
/// writer.append(videoId: 1, frameIndex: 0, instances: tracker.update(detections))
/// let json = try writer.data()
/// ```
public struct YouTubeVISWriter: Sendable {
    /// One result entry.
    public struct Result: Codable, Sendable, Hashable {
        public var videoId: Int
        public var categoryId: Int
        public var score: Double
        /// One mask per frame of the video; nil where the track is absent.
        public var segmentations: [RLE?]

        enum CodingKeys: String, CodingKey {
            case videoId = "video_id", categoryId = "category_id", score, segmentations
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(videoId, forKey: .videoId)
            try c.encode(categoryId, forKey: .categoryId)
            try c.encode(score, forKey: .score)
            var list = c.nestedUnkeyedContainer(forKey: .segmentations)
            for s in segmentations {
                if let s { try list.encode(s) } else { try list.encodeNil() }
            }
        }
    }

    private struct Key: Hashable { var video: Int; var track: Int }
    private struct Accumulated {
        var masks: [Int: RLE] = [:]
        var scoreSum = 0.0
        var classScore: [Int: Double] = [:]
    }

    private var tracks: [Key: Accumulated] = [:]
    private var order: [Key] = []
    private var frameCounts: [Int: Int] = [:]

    public init() {}

    /// Appends one frame of a video.
    ///
    /// - Throws: `MaskstreamError.invalidInput` for a negative frame index or a
    ///   track ID given twice in the frame.
    public mutating func append(videoId: Int, frameIndex: Int, instances: [TrackedInstance]) throws {
        guard frameIndex >= 0 else {
            throw MaskstreamError(.invalidInput, "YouTube-VIS frame index \(frameIndex) is negative: count frames from 0")
        }
        frameCounts[videoId] = max(frameCounts[videoId] ?? 0, frameIndex + 1)
        var seen = Set<Int>()
        for instance in instances {
            guard seen.insert(instance.trackId).inserted else {
                throw MaskstreamError(.invalidInput,
                    "track \(instance.trackId) appears twice in frame \(frameIndex) of video \(videoId): give each instance its own track")
            }
            let key = Key(video: videoId, track: instance.trackId)
            if tracks[key] == nil { order.append(key) }
            let score = instance.detection.score.isFinite ? Double(instance.detection.score) : 0
            tracks[key, default: Accumulated()].masks[frameIndex] = instance.detection.rle
            tracks[key, default: Accumulated()].scoreSum += score
            tracks[key, default: Accumulated()].classScore[instance.detection.classId, default: 0] += max(score, 1e-9)
        }
    }

    /// The accumulated entries, in order of each track's first appearance.
    public var results: [Result] {
        order.compactMap { key in
            guard let acc = tracks[key] else { return nil }
            let frames = frameCounts[key.video] ?? 0
            let category = acc.classScore.max { a, b in a.value < b.value || (a.value == b.value && a.key > b.key) }?.key ?? 0
            return Result(
                videoId: key.video, categoryId: category,
                score: acc.masks.isEmpty ? 0 : acc.scoreSum / Double(acc.masks.count),
                segmentations: (0..<frames).map { acc.masks[$0] }
            )
        }
    }

    /// The results as a JSON array.
    public func data() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(results)
    }
}
