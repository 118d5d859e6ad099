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
    let log: @Sendable (String) -> Void
    private var trackers: [Int: Tracker] = [:]
    /// The model generation of the last frame and its class names.
    private var model: (generation: Int, labels: [Int: String])?

    init(config: TrackerConfig?, emitThreshold: Float, categoryIdOffset: Int, metrics: PipelineMetrics,
         log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.config = config
        self.emitThreshold = emitThreshold
        self.categoryIdOffset = categoryIdOffset
        self.metrics = metrics
        self.log = log
    }

    /// A reloaded model with other classes: every track restarts (its class would mean
    /// something else); the same classes: tracks go on across the switch.
    private mutating func follow(generation: Int, labels: [Int: String]) {
        defer { model = (generation, labels) }
        guard let model, model.generation != generation, model.labels != labels, config != nil else { return }
        log("model generation \(generation) has other classes (\(labels.count) vs \(model.labels.count)): "
            + "every track ends, new ones get new IDs")
        for id in trackers.keys { trackers[id]?.endAllTracks() }
    }

    mutating func begin(_ source: SourceContext) throws {
        if let config { trackers[source.id] = Tracker(config: config) }
    }

    mutating func end(source: Int) throws { trackers[source] = nil }

    mutating func process(_ job: SegmentStage.Segmented) throws -> Emission {
        let t0 = Date()
        follow(generation: job.generation, labels: job.labels)
        let info = job.info
        let segments = config == nil ? job.segments : Self.disjoint(job.segments)
        let detections = segments.map { s in
            var d = Detection(rle: s.rle, box: s.bbox, classId: s.classId + categoryIdOffset, score: s.score,
                              embedding: s.embedding, label: s.label)
            d.maskScore = s.maskScore
            return d
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
