import Foundation

/// The Track stage: a tracker per source gives each segment its track ID; the frame's record
/// is built and encoded here, once, for every sink.
struct TrackStage: Stage {
    let name = "track"
    let config: TrackerConfig
    /// Added to the model's class index to give `category_id`.
    let categoryIdOffset: Int
    let metrics: PipelineMetrics
    private var trackers: [Int: Tracker] = [:]

    init(config: TrackerConfig, categoryIdOffset: Int, metrics: PipelineMetrics) {
        self.config = config
        self.categoryIdOffset = categoryIdOffset
        self.metrics = metrics
    }

    mutating func begin(_ source: SourceContext) throws { trackers[source.id] = Tracker(config: config) }

    mutating func process(_ job: SegmentStage.Segmented) throws -> Emission {
        let t0 = Date()
        let info = job.info
        let detections = job.segments.map { s in
            Detection(rle: s.rle, box: s.bbox, classId: s.classId + categoryIdOffset, score: s.score,
                      embedding: s.embedding, label: s.label)
        }
        var tracker = trackers[info.source] ?? Tracker(config: config)
        let tracks = tracker.update(detections)
        trackers[info.source] = tracker
        let record = FrameRecord(source: info.source, frame: info.index, timestamp: info.timestamp,
                                 width: info.width, height: info.height, instances: tracks.map(InstanceRecord.init),
                                 discontinuity: info.discontinuity, file: info.file)
        let json = try record.jsonLine()
        metrics.observe(.track, seconds: Date().timeIntervalSince(t0))
        return Emission(record: record, json: json, tracks: tracks, media: job.media, decodedAt: info.decodedAt)
    }
}
