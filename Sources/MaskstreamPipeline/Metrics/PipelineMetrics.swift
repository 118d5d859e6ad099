import Foundation
import MaskstreamBrokers
import MaskstreamEvaluation
import MaskstreamServer
import Prometheus

/// Counters, gauges and histograms of a running pipeline, kept in the pipeline's own
/// `PrometheusCollectorRegistry` (swift-prometheus) and rendered for `/metrics`.
///
/// One registry per pipeline, not a process-wide bootstrap: tests run several pipelines in
/// one process, and each serves only its own numbers. Values the stages push (latencies,
/// records, instances, colour histograms) go to the registry as they happen; values read from
/// elsewhere (queue depths, drops, reconnects, source states, device memory) are pulled from
/// the closures given to ``setSources(queueDepth:dropped:live:deviceMemory:)`` at each scrape.
///
/// ```swift
/// let metrics = PipelineMetrics()
/// metrics.observe(.infer, seconds: 0.031)
/// let body = metrics.render()   // Prometheus text 0.0.4
/// ```
public final class PipelineMetrics: @unchecked Sendable {
    public enum Stage: String, CaseIterable, Sendable { case decode, preprocess, infer, postprocess, track, sink }

    /// The registry every metric of this pipeline lives in.
    public let registry = PrometheusCollectorRegistry()

    private let lock = NSLock()
    private let stageHistograms: [Stage: ValueHistogram]
    private var stageTotals: [Stage: (sum: Double, count: Int)] = [:]
    /// Decode → all sinks written, per record (on live input: the delay a consumer sees).
    private let recordAge: ValueHistogram
    private let recordAgeLast: Gauge
    private let framesCounter: Counter
    private let instancesCounter: Counter
    private let fpsGauge: Gauge
    private let droppedCounter: Counter
    private let memoryGauge: Gauge
    private let memoryPeakGauge: Gauge
    private var maxAge = 0.0
    private var frames = 0
    private var instances = 0
    private var droppedSeen = 0
    private var streams: [Int: StreamMetrics] = [:]
    private let started = Date()
    private var queueDepth: @Sendable () -> [String: Int] = { [:] }
    private var dropped: @Sendable () -> Int = { 0 }
    private var live: @Sendable () -> [LiveSourceStatus] = { [] }
    private var deviceMemory: @Sendable () -> (current: Int, peak: Int)? = { nil }
    private var viewerDropped: @Sendable () -> Int = { 0 }
    private var viewerDroppedSeen = 0
    private var classLabels: [String] = []
    private let viewerDroppedCounter: Counter
    /// Forward passes and the frames they held (`model.batch`).
    private let batchesCounter: Counter
    private let batchedFramesCounter: Counter
    private var batches = 0
    private var batchedFrames = 0
    /// The shadow model's agreement with the primary, and the frames it skipped.
    private var shadow = AgreementSummary()
    private var shadowSkippedSeen = 0
    private var brokers: @Sendable () -> [BrokerStreamReport] = { [] }
    /// Broker counters already added to the registry, by metric and labels.
    private var brokerSeen: [String: Int] = [:]
    /// Frames a track may go unseen before it counts as ended (the tracker's `max_lost_frames` + 1).
    let trackGap: Int

    /// One live source's reconnects and connection state, for `/metrics`.
    struct LiveSourceStatus: Sendable {
        var source: Int
        var reconnects: Int
        var state: String
    }

    /// The connection states a live source reports (one gauge each, 1 for the current one).
    static let liveStates = ["connecting", "streaming", "backing_off", "failed"]

    static let latencyBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    static let ageBuckets: [Double] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120]
    static let scoreBuckets: [Double] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1]
    static let areaBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]

    /// - Parameter trackGap: frames a track may go unemitted before it counts as ended.
    public init(trackGap: Int = 31) {
        self.trackGap = trackGap
        let r = registry
        stageHistograms = Dictionary(uniqueKeysWithValues: Stage.allCases.map { stage in
            (stage, r.makeValueHistogram(
                descriptor: Self.name("maskstream_stage_latency_seconds", "Per-frame latency of each pipeline stage."),
                labels: [("stage", stage.rawValue)], buckets: Self.latencyBuckets))
        })
        recordAge = r.makeValueHistogram(
            descriptor: Self.name("maskstream_record_age_seconds",
                                  "Seconds from a frame's decode to its record written by every sink."),
            buckets: Self.ageBuckets)
        recordAgeLast = r.makeGauge(descriptor: Self.name(
            "maskstream_record_age_last_seconds", "Age of the last record written (decode → every sink)."))
        framesCounter = r.makeCounter(descriptor: Self.name("maskstream_frames_total",
                                                            "Frames through the whole pipeline."))
        instancesCounter = r.makeCounter(descriptor: Self.name("maskstream_instances_total",
                                                               "Tracked instances written."))
        fpsGauge = r.makeGauge(descriptor: Self.name("maskstream_fps", "Frames per second since start."))
        droppedCounter = r.makeCounter(descriptor: Self.name(
            "maskstream_dropped_frames_total", "Live frames dropped because the pipeline fell behind."))
        memoryGauge = r.makeGauge(descriptor: Self.name(
            "maskstream_device_memory_bytes", "Bytes of Vulkan device memory the pipeline holds in buffers."))
        viewerDroppedCounter = r.makeCounter(descriptor: Self.name(
            "maskstream_viewer_dropped_frames_total",
            "Frames not sent to the live viewer because its JPEG encoder was behind (the pipeline never waits)."))
        memoryPeakGauge = r.makeGauge(descriptor: Self.name(
            "maskstream_device_memory_peak_bytes", "Most bytes of Vulkan device memory held at once."))
        batchesCounter = r.makeCounter(descriptor: Self.name("maskstream_batches_total",
                                                             "Forward passes (batches of frames)."))
        batchedFramesCounter = r.makeCounter(descriptor: Self.name(
            "maskstream_batched_frames_total", "Frames through the forward passes (÷ batches: the mean batch)."))
    }

    /// Records one forward pass over `frames` frames (`model.batch`).
    func batchDone(frames n: Int) {
        batchesCounter.increment()
        batchedFramesCounter.increment(by: Int64(n))
        lock.withLock { batches += 1; batchedFrames += n }
    }

    /// Frames per forward pass so far (0 before the first).
    public var meanBatch: Double { lock.withLock { batches > 0 ? Double(batchedFrames) / Double(batches) : 0 } }

    static let shadowIoUBuckets: [Double] = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99, 1]
    static let countDifferenceBuckets: [Double] = [-5, -3, -2, -1, 0, 1, 2, 3, 5]

    /// One frame compared with the shadow model.
    func shadowCompared(_ f: FrameAgreement) {
        let r = registry
        let ious = r.makeValueHistogram(descriptor: Self.name(
            "maskstream_shadow_mask_iou", "Mask IoU of instances matched between the primary and the shadow model."),
            buckets: Self.shadowIoUBuckets)
        for iou in f.ious { ious.record(iou) }
        r.makeValueHistogram(descriptor: Self.name(
            "maskstream_shadow_count_difference", "Instances of the shadow minus instances of the primary, per frame."),
            buckets: Self.countDifferenceBuckets).record(Double(f.countDifference))
        r.makeCounter(descriptor: Self.name(
            "maskstream_shadow_frames_total", "Frames the shadow model segmented and compared with the primary."))
            .increment()
        let a = lock.withLock { shadow.add(f); return shadow }
        r.makeGauge(descriptor: Self.name(
            "maskstream_shadow_class_agreement", "Fraction of matched instances whose class the two models agree on."))
            .set(a.classAgreement ?? 1)
        r.makeGauge(descriptor: Self.name(
            "maskstream_shadow_score_shift", "Mean score of the shadow minus the primary over matched instances."))
            .set(a.meanScoreShift ?? 0)
        r.makeGauge(descriptor: Self.name(
            "maskstream_shadow_primary_matched_ratio", "Fraction of the primary's instances the shadow also found."))
            .set(a.primaryMatched ?? 1)
    }

    /// Sampled frames the shadow model skipped so far (it fell behind).
    func shadowSkipped(_ total: Int) {
        let delta = lock.withLock { () -> Int in
            defer { shadowSkippedSeen = max(shadowSkippedSeen, total) }
            return max(0, total - shadowSkippedSeen)
        }
        let counter = registry.makeCounter(descriptor: Self.name(
            "maskstream_shadow_skipped_frames_total", "Sampled frames the shadow model skipped because it fell behind."))
        if delta > 0 { counter.increment(by: Int64(delta)) }
    }

    /// The shadow model's agreement so far.
    public var shadowAgreement: AgreementSummary { lock.withLock { shadow } }
    /// Sampled frames the shadow model skipped so far.
    public var shadowSkippedFrames: Int { lock.withLock { shadowSkippedSeen } }

    /// Where the broker sinks' per-stream counters come from.
    func setBrokers(_ reports: @escaping @Sendable () -> [BrokerStreamReport]) {
        lock.withLock { brokers = reports }
    }

    /// The broker sinks' counters and gauges, pulled at each scrape.
    private func collectBrokers() {
        let reports = lock.withLock { brokers }()
        let r = registry
        for b in reports {
            let labels = [("sink", b.sink), ("target", b.target)]
            func counter(_ name: String, _ help: String, _ total: Int) {
                let key = "\(name)|\(b.sink)|\(b.target)"
                let delta = lock.withLock { () -> Int in
                    let seen = brokerSeen[key] ?? 0
                    brokerSeen[key] = max(seen, total)
                    return max(0, total - seen)
                }
                let c = r.makeCounter(descriptor: Self.name(name, help), labels: labels)
                if delta > 0 { c.increment(by: Int64(delta)) }
            }
            counter("maskstream_broker_delivered_records_total", "Records a broker confirmed (Redis reply, MQTT PUBACK).",
                    b.stats.delivered)
            counter("maskstream_broker_dropped_records_total",
                    "Records dropped: the spool was full, or undelivered at the drain deadline.", b.stats.dropped)
            counter("maskstream_broker_reconnects_total", "Reconnections to the broker after the first connection.",
                    b.stats.reconnects)
            r.makeGauge(descriptor: Self.name("maskstream_broker_spooled_records", "Records waiting for the broker."),
                        labels: labels).set(Double(b.stats.spooled))
            r.makeGauge(descriptor: Self.name("maskstream_broker_connected", "Whether the broker stream is connected."),
                        labels: labels).set(b.stats.connected ? 1.0 : 0.0)
        }
    }

    static func name(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    func setSources(queueDepth: @escaping @Sendable () -> [String: Int], dropped: @escaping @Sendable () -> Int,
                    live: @escaping @Sendable () -> [LiveSourceStatus] = { [] },
                    deviceMemory: @escaping @Sendable () -> (current: Int, peak: Int)? = { nil }) {
        lock.withLock {
            self.queueDepth = queueDepth
            self.dropped = dropped
            self.live = live
            self.deviceMemory = deviceMemory
        }
    }

    /// The model's class labels: every stream exports a (zero) per-class count for each from its
    /// first frame, so "no detections for N minutes" is a query over series that exist.
    func setClassLabels(_ labels: [String]) {
        lock.withLock { classLabels = labels }
    }

    /// Where `maskstream_viewer_dropped_frames_total` is read from.
    func setViewerDropped(_ dropped: @escaping @Sendable () -> Int) {
        lock.withLock { viewerDropped = dropped }
    }

    /// Records one stage's latency for one frame.
    public func observe(_ stage: Stage, seconds: Double) {
        guard seconds.isFinite else { return }
        stageHistograms[stage]?.record(seconds)
        lock.withLock {
            let total = stageTotals[stage] ?? (0, 0)
            stageTotals[stage] = (total.sum + seconds, total.count + 1)
        }
    }

    /// The metrics of one stream, made on first use.
    private func stream(_ source: Int) -> StreamMetrics {
        lock.withLock {
            if let s = streams[source] { return s }
            let s = StreamMetrics(source: source, registry: registry, trackGap: trackGap, classLabels: classLabels)
            streams[source] = s
            return s
        }
    }

    /// Takes one decoded frame of a source (its colour histogram feeds the drift gauge).
    public func observeInput(source: Int, rgb: [UInt8], width: Int, height: Int) {
        stream(source).observeInput(rgb: rgb, width: width, height: height)
    }

    /// Takes one emitted record: per-stream latency, classes, scores, mask areas and tracks.
    /// `ageSeconds` is capture (decode) → emitted, nil when unknown.
    public func observeRecord(_ record: FrameRecord, ageSeconds: Double?) {
        stream(record.source).observe(record, ageSeconds: ageSeconds)
    }

    /// The input drift of a source's last frame (`maskstream_input_drift_jsd`; nil until known).
    public func inputDrift(source: Int) -> Double? { stream(source).inputDrift }

    /// A source ended: its open tracks end.
    public func sourceEnded(_ source: Int) { stream(source).finish() }

    public func frameDone(instances n: Int) {
        framesCounter.increment()
        instancesCounter.increment(by: Int64(n))
        lock.withLock { frames += 1; instances += n }
    }

    /// Records one record's age: seconds from its frame's decode to the last sink's write.
    public func observeRecordAge(seconds: Double) {
        recordAge.record(seconds)
        recordAgeLast.set(seconds)
        lock.withLock { maxAge = max(maxAge, seconds) }
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
        lock.withLock {
            guard let t = stageTotals[stage], t.count > 0 else { return 0 }
            return t.sum / Double(t.count)
        }
    }

    /// Prometheus text exposition (format 0.0.4): pulls the values read from elsewhere, then
    /// renders the registry.
    public func render() -> String {
        collect()
        return registry.emitToString()
    }

    /// Brings the pulled values (queue depths, drops, reconnects, states, memory) up to date.
    private func collect() {
        let (depth, droppedNow, liveNow, memory, viewerNow) = lock.withLock {
            (queueDepth, dropped, live, deviceMemory, viewerDropped)
        }
        fpsGauge.set(fps)
        let (total, viewerTotal) = (droppedNow(), viewerNow())
        lock.withLock {
            if total > droppedSeen { droppedCounter.increment(by: Int64(total - droppedSeen)) }
            droppedSeen = max(droppedSeen, total)
            if viewerTotal > viewerDroppedSeen {
                viewerDroppedCounter.increment(by: Int64(viewerTotal - viewerDroppedSeen))
            }
            viewerDroppedSeen = max(viewerDroppedSeen, viewerTotal)
        }
        for (q, d) in depth() {
            registry.makeGauge(descriptor: Self.name("maskstream_queue_depth", "Frames waiting between stages."),
                               labels: [("queue", q)]).set(Double(d))
        }
        for s in liveNow() { stream(s.source).setLive(reconnects: s.reconnects, state: s.state) }
        if let (current, peak) = memory() {
            memoryGauge.set(Double(current))
            memoryPeakGauge.set(Double(peak))
        }
        collectBrokers()
    }
}
