import Foundation
import MaskstreamEvaluation
import MaskstreamBrokers
import MaskstreamServer

/// Counters, gauges and per-stage latency histograms of a running pipeline, rendered
/// for Prometheus `/metrics`.
public final class PipelineMetrics: @unchecked Sendable {
    public enum Stage: String, CaseIterable, Sendable { case decode, preprocess, infer, postprocess, track, sink }

    private let lock = NSLock()
    private let histograms: [Stage: LatencyHistogram] = Dictionary(uniqueKeysWithValues: Stage.allCases.map { ($0, LatencyHistogram()) })
    /// Decode → all sinks written, per record (on live input: the delay a consumer sees).
    private let recordAge = LatencyHistogram(
        buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120])
    private var lastRecordAge = 0.0
    private var maxAge = 0.0
    private var frames = 0
    private var instances = 0
    /// The shadow model's agreement with the primary, and the frames it skipped.
    private var shadow = AgreementSummary()
    private var shadowSkippedFrames = 0
    private let shadowIoU = LatencyHistogram(buckets: [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99, 1])
    private let shadowCountDifference = LatencyHistogram(buckets: [-5, -3, -2, -1, 0, 1, 2, 3, 5])
    private var batches = 0
    private var batchedFrames = 0
    private let started = Date()
    private var queueDepth: @Sendable () -> [String: Int] = { [:] }
    private var dropped: @Sendable () -> Int = { 0 }
    private var live: @Sendable () -> [LiveSourceStatus] = { [] }
    private var brokers: @Sendable () -> [BrokerStreamReport] = { [] }

    /// One live source's reconnects and connection state, for `/metrics`.
    struct LiveSourceStatus: Sendable {
        var source: Int
        var reconnects: Int
        var state: String
    }

    /// The connection states a live source reports (one gauge each, 1 for the current one).
    static let liveStates = ["connecting", "streaming", "backing_off", "failed"]

    public init() {}

    func setSources(queueDepth: @escaping @Sendable () -> [String: Int], dropped: @escaping @Sendable () -> Int,
                    live: @escaping @Sendable () -> [LiveSourceStatus] = { [] }) {
        lock.withLock {
            self.queueDepth = queueDepth
            self.dropped = dropped
            self.live = live
        }
    }

    /// Where the broker sinks' per-stream counters come from.
    func setBrokers(_ reports: @escaping @Sendable () -> [BrokerStreamReport]) {
        lock.withLock { brokers = reports }
    }

    /// Records one stage's latency for one frame.
    public func observe(_ stage: Stage, seconds: Double) { histograms[stage]?.observe(seconds) }

    func frameDone(instances n: Int) { lock.withLock { frames += 1; instances += n } }

    /// Records one forward pass over `frames` frames (`model.batch`).
    func batchDone(frames n: Int) { lock.withLock { batches += 1; batchedFrames += n } }

    /// One frame compared with the shadow model.
    func shadowCompared(_ f: FrameAgreement) {
        for iou in f.ious { shadowIoU.observe(iou) }
        shadowCountDifference.observe(Double(f.countDifference))
        lock.withLock { shadow.add(f) }
    }

    /// Sampled frames the shadow model skipped so far (it fell behind).
    func shadowSkipped(_ total: Int) { lock.withLock { shadowSkippedFrames = total } }

    /// The shadow model's agreement so far.
    public var shadowAgreement: AgreementSummary { lock.withLock { shadow } }

    /// Frames per forward pass so far (0 before the first).
    public var meanBatch: Double { lock.withLock { batches > 0 ? Double(batchedFrames) / Double(batches) : 0 } }

    /// Records one record's age: seconds from its frame's decode to the last sink's write.
    func observeRecordAge(seconds: Double) {
        recordAge.observe(seconds)
        lock.withLock {
            lastRecordAge = seconds
            maxAge = max(maxAge, seconds)
        }
    }

    /// The largest record age so far (decode → written), seconds.
    public var maxRecordAge: Double { lock.withLock { maxAge } }

    /// Frames through the whole pipeline so far.
    public var framesProcessed: Int { lock.withLock { frames } }

    /// Tracked instances written so far.
    public var instancesProcessed: Int { lock.withLock { instances } }

    /// Frames per second since start.
    public var fps: Double {
        let elapsed = Date().timeIntervalSince(started)
        return elapsed > 0 ? Double(framesProcessed) / elapsed : 0
    }

    /// Mean seconds per frame of one stage (0 before the first frame).
    public func meanLatency(_ stage: Stage) -> Double {
        guard let s = histograms[stage]?.snapshot(), s.count > 0 else { return 0 }
        return s.sum / Double(s.count)
    }

    /// Prometheus text exposition (format 0.0.4).
    public func render() -> String {
        let (frames, instances, depth, droppedNow, liveNow, brokersNow) = lock.withLock {
            (self.frames, self.instances, queueDepth, dropped, live, brokers)
        }
        var text = PrometheusText()
        for stage in Stage.allCases {
            guard let histogram = histograms[stage] else { continue }
            text.histogram("maskstream_stage_latency_seconds", histogram.snapshot(), labels: ["stage": stage.rawValue],
                           help: "Per-frame latency of each pipeline stage.")
        }
        text.histogram("maskstream_record_age_seconds", recordAge.snapshot(),
                       help: "Seconds from a frame's decode to its record written by every sink.")
        text.gauge("maskstream_record_age_last_seconds", lock.withLock { lastRecordAge },
                   help: "Age of the last record written (decode → every sink).")
        text.counter("maskstream_frames_total", Double(frames), help: "Frames through the whole pipeline.")
        text.counter("maskstream_instances_total", Double(instances), help: "Tracked instances written.")
        text.gauge("maskstream_fps", fps, help: "Frames per second since start.")
        let (batchCount, batchFrames) = lock.withLock { (batches, batchedFrames) }
        text.counter("maskstream_batches_total", Double(batchCount), help: "Forward passes (batches of frames).")
        text.counter("maskstream_batched_frames_total", Double(batchFrames),
                     help: "Frames through the forward passes (÷ batches: the mean batch).")
        text.counter("maskstream_dropped_frames_total", Double(droppedNow()), help: "Live frames dropped because the pipeline fell behind.")
        for (q, d) in depth().sorted(by: { $0.key < $1.key }) {
            text.gauge("maskstream_queue_depth", Double(d), labels: ["queue": q], help: "Frames waiting between stages.")
        }
        for s in liveNow() {
            text.counter("maskstream_reconnects_total", Double(s.reconnects), labels: ["source": String(s.source)],
                         help: "Successful reconnections of a live source after its first connection.")
            for state in Self.liveStates {
                text.gauge("maskstream_source_state", s.state == state ? 1 : 0,
                           labels: ["source": String(s.source), "state": state],
                           help: "A live source's connection state (1 for the current one).")
            }
        }
        let (agreement, skipped) = lock.withLock { (shadow, shadowSkippedFrames) }
        if agreement.frames > 0 || skipped > 0 {
            text.counter("maskstream_shadow_frames_total", Double(agreement.frames),
                         help: "Frames the shadow model segmented and compared with the primary.")
            text.counter("maskstream_shadow_skipped_frames_total", Double(skipped),
                         help: "Sampled frames the shadow model skipped because it fell behind.")
            text.histogram("maskstream_shadow_mask_iou", shadowIoU.snapshot(),
                           help: "Mask IoU of instances matched between the primary and the shadow model.")
            text.histogram("maskstream_shadow_count_difference", shadowCountDifference.snapshot(),
                           help: "Instances of the shadow minus instances of the primary, per compared frame.")
            text.gauge("maskstream_shadow_class_agreement", agreement.classAgreement ?? 1,
                       help: "Fraction of matched instances whose class the two models agree on.")
            text.gauge("maskstream_shadow_score_shift", agreement.meanScoreShift ?? 0,
                       help: "Mean score of the shadow minus the primary over matched instances.")
            text.gauge("maskstream_shadow_primary_matched_ratio", agreement.primaryMatched ?? 1,
                       help: "Fraction of the primary's instances the shadow model also found.")
        }
        for b in brokersNow() {
            let labels = ["sink": b.sink, "target": b.target]
            text.counter("maskstream_broker_delivered_records_total", Double(b.stats.delivered), labels: labels,
                         help: "Records a broker confirmed (Redis reply, MQTT PUBACK).")
            text.counter("maskstream_broker_dropped_records_total", Double(b.stats.dropped), labels: labels,
                         help: "Records dropped: the spool was full, or undelivered at the drain deadline.")
            text.gauge("maskstream_broker_spooled_records", Double(b.stats.spooled), labels: labels,
                       help: "Records waiting for the broker.")
            text.gauge("maskstream_broker_connected", b.stats.connected ? 1 : 0, labels: labels,
                       help: "Whether the broker stream is connected.")
            text.counter("maskstream_broker_reconnects_total", Double(b.stats.reconnects), labels: labels,
                         help: "Reconnections to the broker after the first connection.")
        }
        return text.render()
    }
}
