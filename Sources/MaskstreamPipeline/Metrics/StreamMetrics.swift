import Foundation
import Prometheus

/// The metrics of one stream (source), labelled `source="<id>"`: capture → emit latency,
/// instances per class, score and mask-area histograms, tracks started and ended, input
/// drift, and for live sources reconnects and connection state.
final class StreamMetrics: @unchecked Sendable {
    let source: Int
    private let registry: PrometheusCollectorRegistry
    private let labels: [(String, String)]
    private let captureToEmit: ValueHistogram
    private let scores: ValueHistogram
    private let areas: ValueHistogram
    private let framesCounter: Counter
    private let instancesCounter: Counter
    private let tracksStarted: Counter
    private let tracksEnded: Counter
    private let activeTracks: Gauge
    private let drift: Gauge
    private let lock = NSLock()
    private var churn: TrackChurn
    private var colours = ColourDrift()
    private var classCounters: [String: Counter] = [:]
    private var reconnectsSeen = 0

    init(source: Int, registry: PrometheusCollectorRegistry, trackGap: Int, classLabels: [String] = []) {
        self.source = source
        self.registry = registry
        let labels = [("source", String(source))]
        self.labels = labels
        churn = TrackChurn(gap: trackGap)
        let name = PipelineMetrics.name
        captureToEmit = registry.makeValueHistogram(
            descriptor: name("maskstream_capture_to_emit_seconds",
                             "Seconds from a frame's capture (decode) to its record emitted, per stream."),
            labels: labels, buckets: PipelineMetrics.ageBuckets)
        scores = registry.makeValueHistogram(
            descriptor: name("maskstream_instance_score", "Scores of the emitted instances, per stream."),
            labels: labels, buckets: PipelineMetrics.scoreBuckets)
        areas = registry.makeValueHistogram(
            descriptor: name("maskstream_mask_area_ratio",
                             "Mask area of the emitted instances as a fraction of the frame, per stream."),
            labels: labels, buckets: PipelineMetrics.areaBuckets)
        framesCounter = registry.makeCounter(
            descriptor: name("maskstream_stream_frames_total", "Records emitted, per stream."), labels: labels)
        instancesCounter = registry.makeCounter(
            descriptor: name("maskstream_stream_instances_total", "Instances emitted, per stream."), labels: labels)
        tracksStarted = registry.makeCounter(
            descriptor: name("maskstream_tracks_started_total", "Track IDs emitted for the first time, per stream."),
            labels: labels)
        tracksEnded = registry.makeCounter(
            descriptor: name("maskstream_tracks_ended_total",
                             "Tracks no longer emitted (unseen past the tracker's memory, or stream ended)."),
            labels: labels)
        activeTracks = registry.makeGauge(
            descriptor: name("maskstream_active_tracks", "Tracks emitted within the tracker's memory, per stream."),
            labels: labels)
        drift = registry.makeGauge(
            descriptor: name("maskstream_input_drift_jsd",
                             "Jensen-Shannon divergence (bits) of recent frames' colour histogram vs the baseline."),
            labels: labels)
        for label in classLabels { _ = classCounter(label) }
    }

    /// The input drift of the last frame (nil until the baseline window is full).
    var inputDrift: Double? { lock.withLock { lastDrift } }
    private var lastDrift: Double?

    func observeInput(rgb: [UInt8], width: Int, height: Int) {
        let divergence: Double? = lock.withLock {
            colours.observe(rgb: rgb, width: width, height: height)
            return colours.divergence
        }
        if let divergence {
            drift.set(divergence)
            lock.withLock { lastDrift = divergence }
        }
    }

    func observe(_ record: FrameRecord, ageSeconds: Double?) {
        framesCounter.increment()
        instancesCounter.increment(by: Int64(record.instances.count))
        if let ageSeconds, ageSeconds.isFinite { captureToEmit.record(ageSeconds) }
        let frameArea = Double(max(1, record.width * record.height))
        var ids: [Int] = []
        for instance in record.instances {
            scores.record(instance.score)
            areas.record(Double(instance.segmentation.area) / frameArea)
            classCounter(instance.label).increment()
            if let id = instance.trackId { ids.append(id) }
        }
        let (started, ended, active) = lock.withLock {
            let change = churn.observe(frame: record.frame, trackIds: ids)
            return (change.started, change.ended, churn.active)
        }
        if started > 0 { tracksStarted.increment(by: Int64(started)) }
        if ended > 0 { tracksEnded.increment(by: Int64(ended)) }
        activeTracks.set(Double(active))
    }

    func finish() {
        let ended = lock.withLock { churn.finish() }
        if ended > 0 { tracksEnded.increment(by: Int64(ended)) }
        activeTracks.set(to: 0)
    }

    func setLive(reconnects: Int, state: String) {
        let counter = registry.makeCounter(
            descriptor: PipelineMetrics.name("maskstream_reconnects_total",
                                             "Successful reconnections of a live source after its first connection."),
            labels: labels)
        lock.withLock {
            if reconnects > reconnectsSeen { counter.increment(by: Int64(reconnects - reconnectsSeen)) }
            reconnectsSeen = max(reconnectsSeen, reconnects)
        }
        for name in PipelineMetrics.liveStates {
            registry.makeGauge(
                descriptor: PipelineMetrics.name("maskstream_source_state",
                                                 "A live source's connection state (1 for the current one)."),
                labels: labels + [("state", name)]).set(to: state == name ? 1 : 0)
        }
    }

    private func classCounter(_ label: String) -> Counter {
        lock.withLock {
            if let c = classCounters[label] { return c }
            let c = registry.makeCounter(
                descriptor: PipelineMetrics.name("maskstream_class_instances_total",
                                                 "Emitted instances per class, per stream."),
                labels: labels + [("class", label)])
            classCounters[label] = c
            return c
        }
    }
}
