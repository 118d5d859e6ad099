import Foundation
import MaskstreamServer

/// Runs a pipeline: source → decode → infer (EoMT on Vulkan) → track → encode (RLE) → sinks.
///
/// Each stage runs on its own thread, joined by bounded queues: file sources block when
/// the pipeline is behind (nothing is dropped), live sources drop the oldest frame
/// (counted). `stop()` (SIGINT/SIGTERM) stops the sources, lets every frame already read
/// flow through, and finishes every sink so its output is valid.
public final class PipelineRunner: @unchecked Sendable {
    public struct Summary: Sendable {
        public var framesRead: [Int]
        public var framesWritten: Int
        public var instancesWritten: Int
        public var droppedFrames: Int
        public var reconnects: Int
        public var seconds: Double
        public var fps: Double { seconds > 0 ? Double(framesWritten) / seconds : 0 }
        public var stoppedEarly: Bool
    }

    private enum SourceItem: Sendable { case frame(VideoFrame), end(Int) }
    private struct Prepared: Sendable { var frame: VideoFrame; var ticket: SegmentTicket }
    private struct Inferred: Sendable { var frame: VideoFrame; var segmented: SegmentedFrame }
    private enum SinkItem: Sendable { case begin(SourceContext), frame(FrameRecord, VideoFrame) }

    public let config: PipelineConfig
    public let metrics = PipelineMetrics()
    private let log: @Sendable (String) -> Void
    private let lock = NSLock()
    private var stopping = false
    private var liveSources: [LiveSource] = []
    private var readers: [MediaReader] = []
    private var firstError: MaskstreamError?
    private var framesRead: [Int]
    private var progress: (@Sendable (Int, Int?) -> Void)?

    public init(config: PipelineConfig, log: @escaping @Sendable (String) -> Void = { _ in },
                progress: (@Sendable (_ frames: Int, _ total: Int?) -> Void)? = nil) {
        self.config = config
        self.log = log
        self.progress = progress
        self.framesRead = Array(repeating: 0, count: config.sources.count)
    }

    /// Asks the pipeline to stop: sources stop reading, queued frames drain, sinks finish.
    public func stop() {
        lock.withLock {
            stopping = true
            for s in liveSources { s.stop() }
            for r in readers { r.cancel() }
        }
    }

    private var isStopping: Bool { lock.withLock { stopping } }

    private func record(_ error: any Error) {
        let e = (error as? MaskstreamError) ?? MaskstreamError(.internal, "\(error)")
        lock.withLock { if firstError == nil { firstError = e } }
    }

    /// Loads the model, opens the sources and sinks, and runs until every source ends or
    /// `stop()` is called. Throws the first error any stage hit (after finishing the sinks).
    public func run() throws -> Summary {
        let start = Date()
        let device = try VulkanDevice(selection: DeviceSelection(parsing: config.model.device))
        let options = SegmenterOptions(threshold: Float(config.model.threshold), topK: config.model.topK,
                                       framesInFlight: config.model.framesInFlight)
        let model = try EomtModel(folder: URL(fileURLWithPath: config.model.path), device: device, options: options)
        let labels = model.labels
        log("model \(config.model.path) on \(device.info.name)")
        nonisolated(unsafe) let sinks = try makeSinks()
        var metricsServer: LiveStreamServer?
        if let port = config.metricsPort {
            let server = LiveStreamServer(host: "127.0.0.1", port: port, metrics: { [metrics] in metrics.render() })
            let bound = try blockingAwait { try await server.start() }
            lock.withLock { _metricsPort = bound }
            log("metrics: http://127.0.0.1:\(bound)/metrics")
            metricsServer = server
        }
        defer { if let metricsServer { _ = try? blockingAwait { await metricsServer.shutdown() } } }  // touched only by the sink thread after this point

        let frames = BoundedQueue<SourceItem>(capacity: config.queueDepth, policy: .block)
        let prepared = BoundedQueue<Prepared>(capacity: config.queueDepth, policy: .block)
        let inferred = BoundedQueue<Inferred?>(capacity: config.queueDepth, policy: .block)
        let records = BoundedQueue<SinkItem>(capacity: config.queueDepth, policy: .block)
        metrics.setSources(
            queueDepth: { ["decode_to_preprocess": frames.count, "preprocess_to_infer": prepared.count,
                           "infer_to_postprocess": 0,
                           "postprocess_to_track": inferred.count, "track_to_sink": records.count] },
            dropped: { [weak self] in self?.lock.withLock { self?.liveSources.reduce(0) { $0 + $1.droppedFrames } } ?? 0 })

        var threads: [Thread] = []
        let group = DispatchGroup()
        func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) {
            group.enter()
            let t = Thread { body(); group.leave() }
            t.name = name
            t.stackSize = 8 << 20
            threads.append(t)
        }

        // Sources: one thread each, all feeding the shared model.
        let sourceCount = config.sources.count
        let ended = Counter()
        for (id, source) in config.sources.enumerated() {
            spawn("maskstream.source\(id)") { [self] in
                do { try readSource(id: id, source: source, labels: labels, frames: frames, records: records) } catch { record(error) }
                if ended.increment() == sourceCount { frames.close() }
            }
        }

        // Submit → wait → postprocess around one model. The device runs preprocessing, the
        // forward pass and mask post-processing for up to `frames_in_flight` frames at once;
        // the host turns the bit masks of frame N-1 into instances meanwhile.
        /// One model stage: pops `input`, times `body`, pushes its result (nil: skip). On an
        /// error the pipeline stops; either way both queues close so neighbours finish.
        func modelStage<In: Sendable, Out: Sendable>(
            _ stage: PipelineMetrics.Stage, _ input: BoundedQueue<In>, _ output: BoundedQueue<Out>,
            seconds: (@Sendable (Out, Double) -> Double?)? = nil,
            _ body: @escaping @Sendable (In) throws -> Out?
        ) {
            spawn("maskstream.\(stage.rawValue)") { [self] in
                do {
                    while let item = try input.pop() {
                        let t0 = Date()
                        guard let result = try body(item) else { continue }
                        let elapsed = Date().timeIntervalSince(t0)
                        if let s = seconds.map({ $0(result, elapsed) }) ?? elapsed {
                            metrics.observe(stage, seconds: s)
                        }
                        if !output.push(result) { break }
                    }
                } catch {
                    record(error)
                    stop()
                }
                input.close()
                output.close()
            }
        }
        // The submit stage's time is its own work, not the wait for a free lane: it is observed
        // with the frame's other timings after collect.
        modelStage(.preprocess, frames, prepared, seconds: { _, _ in nil }) { item in
            guard case .frame(let frame) = item else { return nil }
            return Prepared(frame: frame, ticket: try model.submit(rgb: frame.rgb, width: frame.width, height: frame.height))
        }
        modelStage(.infer, prepared, inferred, seconds: { [metrics] job, _ in
            guard let t = job?.segmented.timings else { return nil }
            metrics.observe(.preprocess, seconds: t.submit)
            metrics.observe(.postprocess, seconds: t.host)
            return t.device
        }) { job in
            Optional(Inferred(frame: job.frame, segmented: try model.collect(job.ticket)))
        }

        // Track + encode: a tracker per source; masks become COCO RLE.
        let trackerConfig = config.tracker
        let categoryOffset = config.model.categoryIdOffset
        spawn("maskstream.track") { [self] in
            var trackers: [Int: Tracker] = [:]
            do {
                while let item = try inferred.pop(), let job = item {
                    let t0 = Date()
                    let frame = job.frame
                    let detections = job.segmented.segments.map { s in
                        Detection(rle: s.rle, box: s.bbox, classId: s.classId, score: s.score, embedding: s.embedding)
                    }
                    var tracker = trackers[frame.sourceId] ?? Tracker(config: trackerConfig)
                    let tracked = tracker.update(detections)
                    trackers[frame.sourceId] = tracker
                    let instances = tracked.map { t in
                        InstanceRecord(trackId: t.trackId, categoryId: t.detection.classId + categoryOffset,
                                       label: labels[t.detection.classId] ?? String(t.detection.classId),
                                       score: Double(t.detection.score),
                                       bbox: [t.detection.box.x, t.detection.box.y, t.detection.box.width, t.detection.box.height],
                                       segmentation: t.detection.rle)
                    }
                    let rec = FrameRecord(source: frame.sourceId, frame: frame.index, timestamp: frame.timestamp,
                                          width: frame.width, height: frame.height, instances: instances)
                    metrics.observe(.track, seconds: Date().timeIntervalSince(t0))
                    records.push(.frame(rec, frame))
                }
            } catch { record(error) }
            records.close()
        }

        // Sinks: every sink gets the same records in order.
        spawn("maskstream.sink") { [self] in
            var failed = Set<String>()
            do {
                while let item = try records.pop() {
                    switch item {
                    case .begin(let ctx):
                        for s in sinks where !failed.contains(s.name) {
                            do { try s.begin(source: ctx) } catch { record(error); failed.insert(s.name) }
                        }
                    case .frame(let rec, let frame):
                        let t0 = Date()
                        for s in sinks where !failed.contains(s.name) {
                            do { try s.write(rec, frame: frame) } catch { record(error); failed.insert(s.name); stop() }
                        }
                        metrics.observe(.sink, seconds: Date().timeIntervalSince(t0))
                        metrics.frameDone(instances: rec.instances.count)
                        progress?(metrics.framesProcessed, totalFrames)
                    }
                }
            } catch { record(error) }
            for s in sinks {
                do { try s.finish() } catch { record(error) }
            }
        }

        for t in threads { t.start() }
        group.wait()

        let elapsed = Date().timeIntervalSince(start)
        let summary = lock.withLock {
            Summary(framesRead: framesRead, framesWritten: metrics.framesProcessed,
                    instancesWritten: metrics.instancesProcessed, droppedFrames: liveSources.reduce(0) { $0 + $1.droppedFrames },
                    reconnects: liveSources.reduce(0) { $0 + $1.reconnects }, seconds: elapsed, stoppedEarly: stopping)
        }
        if let e = lock.withLock({ firstError }), !(e.code == .cancelled && summary.stoppedEarly) { throw e }
        return summary
    }

    private var totalFrames: Int? {
        lock.withLock { _totalFrames }
    }
    private var _totalFrames: Int?
    private var _metricsPort: Int?

    /// The port `/metrics` is served on once `run()` started it (`metrics_port` in the YAML).
    public var metricsPort: Int? { lock.withLock { _metricsPort } }

    private func readSource(id: Int, source: PipelineConfig.Source, labels: [Int: String],
                            frames: BoundedQueue<SourceItem>, records: BoundedQueue<SinkItem>) throws {
        let options = OpenOptions(openTimeout: source.openTimeout, readTimeout: source.readTimeout, sourceId: id)
        var count = 0
        let limit = source.maxFrames ?? Int.max
        if MediaReader.isNetworkURL(source.url) {
            let live = LiveSource(url: source.url, options: options, bufferCapacity: source.liveBuffer)
            lock.withLock { liveSources.append(live) }
            if isStopping { return }
            let info = try live.start()
            // Packets of a live stream are copied with the codec parameters of the first connection.
            guard let params = live.codecParameters else {
                throw MaskstreamError(.internal, "live source '\(source.url)' started without codec parameters")
            }
            records.push(.begin(SourceContext(id: id, info: info, codecParameters: params, labels: labels)))
            log("source \(id): \(info)")
            while count < limit, !isStopping, let frame = try live.nextFrame() {
                count += 1
                lock.withLock { framesRead[id] = count }
                frames.push(.frame(frame))
            }
            live.stop()
        } else {
            let reader = try MediaReader(url: source.url, options: options)
            lock.withLock {
                readers.append(reader)
                if config.sources.count == 1 {
                    let declared = reader.info.declaredFrameCount
                        ?? reader.info.duration.map { Int(($0 * reader.info.frameRate.value).rounded()) }
                    _totalFrames = declared.map { min($0, limit) }
                }
            }
            records.push(.begin(SourceContext(id: id, info: reader.info, codecParameters: reader.codecParameters, labels: labels)))
            log("source \(id): \(reader.info)")
            var t0 = Date()
            while count < limit, !isStopping, let frame = try reader.nextFrame() {
                metrics.observe(.decode, seconds: Date().timeIntervalSince(t0))
                count += 1
                lock.withLock { framesRead[id] = count }
                frames.push(.frame(frame))
                t0 = Date()
            }
            if reader.corruptPackets > 0 { log("source \(id): \(reader.corruptPackets) corrupt packets skipped") }
        }
        frames.push(.end(id))
    }

    private func makeSinks() throws -> [any FrameSink] {
        let n = config.sources.count
        return try config.sinks.map { s -> any FrameSink in
            switch s.kind {
            case .jsonl: return try JSONLinesSink(path: s.path ?? "-")
            case .ts: return try TransportStreamSink(path: s.path!, sourceCount: n)
            case .video: return try AnnotatedVideoSink(path: s.path!, sourceCount: n)
            case .mots: return try MOTSSink(path: s.path!, sourceCount: n)
            case .ytvis: return try YouTubeVISSink(path: s.path!)
            case .websocket: return try WebSocketSink(host: s.host, port: s.port, metrics: metrics)
            }
        }
    }
}

/// A thread-safe counter.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int { lock.withLock { value += 1; return value } }
}
