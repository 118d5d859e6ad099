import Foundation

/// One instance in a frame record: what every sink writes.
public struct InstanceRecord: Codable, Sendable, Equatable {
    /// The track ID; nil (and left out of the JSON) with `tracker: off`.
    public var trackId: Int?
    public var categoryId: Int
    public var label: String
    public var score: Double
    /// COCO box [x, y, width, height] in frame pixels.
    public var bbox: [Double]
    /// COCO compressed RLE at frame size.
    public var segmentation: RLE

    enum CodingKeys: String, CodingKey {
        case trackId = "track_id", categoryId = "category_id", label, score, bbox, segmentation
    }

    /// The record of a tracked instance (its detection's `classId` is the category id).
    public init(_ tracked: TrackedInstance) {
        let d = tracked.detection
        self.init(trackId: tracked.trackId, categoryId: d.classId, label: d.label, score: Double(d.score),
                  bbox: [d.box.x, d.box.y, d.box.width, d.box.height], segmentation: d.rle)
    }

    /// The record of an untracked instance (`tracker: off`).
    public init(_ d: Detection) {
        self.init(trackId: nil, categoryId: d.classId, label: d.label, score: Double(d.score),
                  bbox: [d.box.x, d.box.y, d.box.width, d.box.height], segmentation: d.rle)
    }

    public init(trackId: Int?, categoryId: Int, label: String, score: Double, bbox: [Double], segmentation: RLE) {
        self.trackId = trackId
        self.categoryId = categoryId
        self.label = label
        self.score = score
        self.bbox = bbox
        self.segmentation = segmentation
    }
}

/// The per-frame record: source, frame index, presentation time and tracked instances.
/// The same record feeds every sink (JSON Lines, MOTS, YouTube-VIS, KLV track, WebSocket).
public struct FrameRecord: Codable, Sendable, Equatable {
    public var source: Int
    public var frame: Int
    /// PTS in the stream time base.
    public var pts: Int64
    /// The stream time base as [num, den].
    public var timeBase: [Int32]
    /// PTS in seconds.
    public var time: Double
    public var width: Int
    public var height: Int
    public var instances: [InstanceRecord]
    /// `true` on the first frame after a live source reconnected (frames were lost before it;
    /// the timeline continues); absent otherwise.
    public var discontinuity: Bool?
    /// The image's file name, for image-sequence sources (`"00007.jpg"`); nil (and left out of the JSON) for video.
    public var file: String?

    enum CodingKeys: String, CodingKey {
        case source, frame, pts, timeBase = "time_base", time, width, height, instances, discontinuity, file
    }

    public init(source: Int, frame: Int, timestamp: Timestamp, width: Int, height: Int, instances: [InstanceRecord],
                discontinuity: Bool = false, file: String? = nil) {
        self.source = source
        self.frame = frame
        self.pts = timestamp.pts
        self.timeBase = [timestamp.timeBase.num, timestamp.timeBase.den]
        self.time = timestamp.seconds
        self.width = width
        self.height = height
        self.instances = instances
        self.discontinuity = discontinuity ? true : nil
        self.file = file
    }

    public var timestamp: Timestamp {
        Timestamp(pts: pts, timeBase: Rational(timeBase.first ?? 0, timeBase.count > 1 ? timeBase[1] : 1))
    }

    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// The record as one line of JSON (no newline).
    public func jsonLine() throws -> String {
        String(decoding: try Self.encoder.encode(self), as: UTF8.self)
    }

    /// Parses a record from JSON.
    public static func decode(json: some Collection<UInt8>) throws -> FrameRecord {
        do { return try JSONDecoder().decode(FrameRecord.self, from: Data(json)) } catch {
            throw MaskstreamError(.invalidInput, "not a maskstream frame record: \(error)")
        }
    }
}
