import Foundation

/// The Track stage: a tracker per source gives each segment its track ID, and what is emitted
/// is decided here, once (``PipelineConfig/emitThreshold``); the frame's record is built and
/// encoded here, once, for every sink.
struct TrackStage: Stage {
    let name = "track"
    /// nil: `tracker: off`.
    let config: TrackerConfig?
    /// A tracked instance is emitted when its track has scored this; an untracked one when it does.
    let emitThreshold: Float
    /// Added to the model's class index to give `category_id`.
    let categoryIdOffset: Int
    let metrics: PipelineMetrics
    private var trackers: [Int: Tracker] = [:]

    init(config: TrackerConfig?, emitThreshold: Float, categoryIdOffset: Int, metrics: PipelineMetrics) {
        self.config = config
        self.emitThreshold = emitThreshold
        self.categoryIdOffset = categoryIdOffset
        self.metrics = metrics
    }

    mutating func begin(_ source: SourceContext) throws {
        if let config { trackers[source.id] = Tracker(config: config) }
    }

    mutating func end(source: Int) throws { trackers[source] = nil }

    mutating func process(_ job: SegmentStage.Segmented) throws -> Emission {
        let t0 = Date()
        let info = job.info
        let segments = config == nil ? job.segments : Self.disjoint(job.segments)
        let detections = segments.map { s in
            Detection(rle: s.rle, box: s.bbox, classId: s.classId + categoryIdOffset, score: s.score,
                      embedding: s.embedding, label: s.label)
        }
        var tracks: [TrackedInstance] = []
        let instances: [InstanceRecord]
        if let config {
            var tracker = trackers[info.source] ?? Tracker(config: config)
            tracks = tracker.update(detections).filter { $0.trackScore >= emitThreshold }
            trackers[info.source] = tracker
            instances = tracks.map(InstanceRecord.init)
        } else {
            instances = detections.filter { $0.score >= emitThreshold }.map(InstanceRecord.init)
        }
        let record = FrameRecord(source: info.source, frame: info.index, timestamp: info.timestamp,
                                 width: info.width, height: info.height, instances: instances,
                                 discontinuity: info.discontinuity, file: info.file)
        let json = try record.jsonLine()
        metrics.observe(.track, seconds: Date().timeIntervalSince(t0))
        return Emission(record: record, json: json, tracks: tracks, media: job.media, decodedAt: info.decodedAt)
    }
}
