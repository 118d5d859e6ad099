import Foundation
import MaskstreamHub
import MaskstreamServer

/// Runs a pipeline: Source → Segment (submit, collect) → Track → Emit, each stage on its own
/// thread between bounded queues (docs/ARCHITECTURE.md). Files block when the pipeline is
/// behind (nothing is dropped), live sources drop their oldest frame (counted). `stop()`
/// (SIGINT/SIGTERM) stops the sources, lets every frame already read flow through, and
/// finishes every sink so its output is valid. This type only wires the stages together.
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
        /// Frames per forward pass (`model.batch` caps it).
        public var meanBatch: Double = 0
        /// Source index → what was damaged in that input (every decodable frame was still
        /// processed and written to every sink). `maskstream run` exits 3 when this is not empty.
        public var damagedSources: [Int: String] = [:]
        /// What each broker sink's stream delivered and dropped (empty without broker sinks).
        public var brokers: [BrokerStreamReport] = []
    }

    public let config: PipelineConfig
    public let metrics: PipelineMetrics
    private let log: @Sendable (String) -> Void
    private let progress: (@Sendable (Int, Int?) -> Void)?
    /// The streams: the YAML's sources, then those added through `POST /streams`.
    let registry = StreamRegistry()
    private let state = Locked(RunState())
    /// The model slot of a running pipeline, with the device and options a reload loads with.
    private let slot = Locked<(slot: ModelSlot, device: VulkanDevice, options: SegmenterOptions)?>(nil)
    /// Starts one stream's source thread once `run()` has wired the stages (nil before and after).
    private let launcher = Locked<(@Sendable (SourceStage, _ fatal: Bool) throws -> Void)?>(nil)

    private struct RunState {
        var stopping = false
        var error: MaskstreamError?
        var serverPort: Int?
        /// Source threads running; the frame queue closes when this reaches 0 (and, with
        /// `server.keep_running`, the pipeline is stopping).
        var active = 0
        var framesClosed = false
    }

    public init(config: PipelineConfig, log: @escaping @Sendable (String) -> Void = { _ in },
                progress: (@Sendable (_ frames: Int, _ total: Int?) -> Void)? = nil) {
        self.config = config
        self.log = log
        self.progress = progress
        self.metrics = PipelineMetrics(trackGap: config.tracker.maxLostFrames + 1)
        // Names were checked unique by `PipelineConfig.validate()`.
        for source in config.sources { try? registry.add(source) }
    }

    private var sources: [SourceStage] { registry.stages }
    private var keepRunning: Bool { config.server?.keepRunning == true }

    /// Asks the pipeline to stop: sources stop reading, queued frames drain, sinks finish.
    public func stop() {
        state.withLock { $0.stopping = true }
        for s in sources { s.stop() }
        closeFramesIfDone()
    }

    /// The frame queue (set by `run()`), closed once no source can push to it any more.
    private let frameQueue = Locked<BoundedQueue<Event<VideoFrame>>?>(nil)

    private func closeFramesIfDone() {
        let close = state.withLock { s -> Bool in
            guard !s.framesClosed, s.active == 0, s.stopping || !keepRunning else { return false }
            s.framesClosed = true
            return true
        }
        if close { frameQueue.withLock { $0 }?.close() }
    }

    /// The port of the pipeline's server (`/metrics`, `/ws`) once `run()` started it.
    public var serverPort: Int? { state.withLock { $0.serverPort } }

    /// The live viewer's sink; every source shows as starting until it opens.
    private func makeViewerSink(_ settings: PipelineConfig.Viewer, server: LiveStreamServer,
                                liveStates: @escaping @Sendable () -> [Int: String]) -> ViewerSink {
        let names = config.sources.map(\.url)
        for (i, name) in names.enumerated() {
            server.viewer.publishStreamState(source: i, name: name, state: .starting)
        }
        let sink = ViewerSink(channel: server.viewer, settings: settings, names: names, liveStates: liveStates,
                              log: log)
        metrics.setViewerDropped { sink.droppedFrames }
        return sink
    }

    private func fail(_ error: any Error) {
        let e = (error as? MaskstreamError) ?? MaskstreamError(.internal, "\(error)")
        state.withLock { if $0.error == nil { $0.error = e } }
        stop()
    }

    /// Loads the model, opens the server, sinks and sources, and runs until every source ends
    /// or `stop()` is called. Throws the first error any stage hit (after finishing the sinks).
    public func run() async throws -> Summary {
        let start = Date()
        let device = try VulkanDevice(selection: DeviceSelection(parsing: config.model.device))
        let m = config.model
        let options = SegmenterOptions(threshold: config.detectionThreshold, topK: m.topK,
                                       framesInFlight: m.framesInFlight, precision: m.precision,
                                       batch: config.modelBatch)
        let first = try await ModelSlot.load(path: m.path, device: device, options: options, generation: 1,
                                             progress: HubProgressBar(), log: log)
        let model = first.model
        let slot = ModelSlot(first)
        self.slot.withLock { $0 = (slot, device, options) }
        defer { self.slot.withLock { $0 = nil } }
        let segmenter: any Segmenter = model
        let shadow: ShadowStage?
        if let sh = config.shadow {
            let shadowDevice = sh.device.map { $0 == m.device } ?? true
                ? device : try VulkanDevice(selection: DeviceSelection(parsing: sh.device ?? m.device))
            let options = SegmenterOptions(threshold: config.emitThreshold, topK: m.topK, framesInFlight: 1,
                                           precision: m.precision)
            let loaded = try await ModelSlot.load(path: sh.path, device: shadowDevice, options: options, generation: 1,
                                                  log: log)
            shadow = try ShadowStage(model: loaded.model, every: sh.every, emitThreshold: config.emitThreshold,
                                     categoryIdOffset: m.categoryIdOffset, report: sh.report, metrics: metrics, log: log)
            log("shadow model \(sh.path) (sha256 \(loaded.info.sha256.prefix(12))) on every \(sh.every). frame, on "
                + shadowDevice.info.name)
        } else {
            shadow = nil
        }
        metrics.setClassLabels(segmenter.labels.sorted { $0.key < $1.key }.map(\.value))
        let precision = m.precision == .auto ? "\(model.precision) weights, precision auto" : "\(model.precision) weights"
        log("model \(m.path) (\(precision)) on \(device.info.name) (kernels: \(device.info.kernelSummary))")
        for line in device.kernelProfile.fallbacks { log("kernels: \(line)") }
        var server: LiveStreamServer?
        if let s = config.effectiveServer {
            let live = LiveStreamServer(host: s.host, port: s.port, access: APIAccess(token: s.effectiveAPIToken, log: log),
                                        metrics: { [metrics] in metrics.render() })
            let port = try await live.start()
            state.withLock { $0.serverPort = port }
            log("server: http://\(s.host):\(port)/metrics, ws://\(s.host):\(port)/ws, http://\(s.host):\(port)/streams")
            server = live
        }
        var sinks: [any FrameSink]
        do { sinks = try config.sinks.enumerated().map {
            // With streams coming and going, every per-source file is named by its source.
            try $1.make(index: $0, sourceCount: keepRunning ? max(2, sources.count) : sources.count, server: server,
                        sourceNames: config.sources.map(\.name))
        } } catch {
            await server?.shutdown()
            throw error
        }
        if let viewer = config.viewer, let server, let port = serverPort {
            sinks.append(makeViewerSink(viewer, server: server, liveStates: { [registry] in
                Dictionary(uniqueKeysWithValues: registry.stages.compactMap { s in s.liveState.map { (s.id, $0) } })
            }))
            log("viewer: http://\(server.host):\(port)/")
        }
        if let capture = config.capture {
            do {
                sinks.append(try CaptureSink(capture, threshold: config.model.threshold,
                                             categoryIdOffset: m.categoryIdOffset,
                                             drift: { [metrics] in metrics.inputDrift(source: $0) }))
            } catch {
                await server?.shutdown()
                throw error
            }
            log("capture: uncertain frames into \(capture.path) (at most \(capture.budgetPerHour) an hour per source)")
        }
        let needs = sinks.reduce(into: SinkNeeds()) { $0.formUnion($1.needs) }
        let brokerSinks = sinks.compactMap { $0 as? BrokerSink }
        metrics.setBrokers { brokerSinks.flatMap(\.reports) }

        func queue<T>(_: T.Type) -> BoundedQueue<Event<T>> { BoundedQueue(capacity: config.queueDepth, policy: .block) }
        let (frames, submitted) = (queue(VideoFrame.self), queue(SegmentStage.Submitted.self))
        let (segmented, emitted) = (queue(SegmentStage.Segmented.self), queue(Emission.self))
        metrics.setSources(
            queueDepth: { ["source_to_submit": frames.count, "submit_to_collect": submitted.count,
                           "collect_to_track": segmented.count, "track_to_emit": emitted.count] },
            dropped: { [registry] in registry.stages.reduce(0) { $0 + $1.droppedFrames } },
            live: { [registry] in
                registry.stages.compactMap { s in
                    s.liveState.map { PipelineMetrics.LiveSourceStatus(source: s.id, reconnects: s.reconnects, state: $0) }
                }
            },
            deviceMemory: { [device] in device.memoryInUse })

        let group = DispatchGroup()
        let spawn: @Sendable (String, @escaping @Sendable () -> Void) -> Void = { name, body in
            group.enter()
            let t = Thread { body(); group.leave() }
            t.name = "maskstream.\(name)"
            t.stackSize = 8 << 20
            t.start()
        }
        let fail: @Sendable (any Error) -> Void = { [self] in self.fail($0) }
        frameQueue.withLock { $0 = frames }
        let labels = segmenter.labels
        launcher.withLock {
            $0 = { [self, metrics, log] stage, fatal in
                try state.withLock { s in
                    guard !s.stopping, !s.framesClosed else {
                        throw MaskstreamError(.cancelled, "the pipeline is stopping: it takes no new streams")
                    }
                    s.active += 1
                }
                spawn("source\(stage.id)") { [self] in
                    do { try stage.run(into: frames, labels: labels, metrics: metrics, log: log) } catch {
                        if fatal { fail(error) } else { log("stream '\(stage.name)': \(error)") }
                    }
                    state.withLock { $0.active -= 1 }
                    closeFramesIfDone()
                }
            }
        }
        for s in sources { try launcher.withLock { $0 }?(s, !keepRunning) }
        closeFramesIfDone()
        server?.setStreamsController(self)
        server?.setModelController(self)
        func launch<S: Stage>(_ stage: S, _ input: BoundedQueue<Event<S.Input>>, _ output: BoundedQueue<Event<S.Output>>?) {
            nonisolated(unsafe) var stage = stage
            spawn(stage.name) { stage.run(input, output, fail: fail) }
        }
        var submit = SegmentStage.Submit(slot: slot, log: log, needs: { [registry] in needs.union(registry.needs(of: $0)) })
        submit.shadow = shadow
        spawn(submit.name) { [submit] in submit.run(frames, submitted, fail: fail) }
        if let shadow { spawn("shadow") { shadow.run(); shadow.finish() } }
        launch(SegmentStage.Collect(metrics: metrics, shadow: shadow), submitted, segmented)
        let track = TrackStage(config: config.tracking ? config.tracker : nil, emitThreshold: config.emitThreshold,
                               categoryIdOffset: m.categoryIdOffset, metrics: metrics, log: log)
        launch(track, segmented, emitted)
        let single = sources.count == 1 && !keepRunning ? sources.first : nil
        launch(EmitStage(sinks: sinks, streams: registry, metrics: metrics, fail: fail, log: log,
                         progress: { [progress] n in progress?(n, single?.expectedFrames) }), emitted, nil)
        await withCheckedContinuation { done in group.notify(queue: .global()) { done.resume() } }
        launcher.withLock { $0 = nil }
        server?.setStreamsController(nil)
        server?.setModelController(nil)
        await server?.shutdown()

        let (stopping, error) = state.withLock { ($0.stopping, $0.error) }
        let summary = Summary(
            framesRead: registry.stages.map(\.framesRead), framesWritten: metrics.framesProcessed,
            instancesWritten: metrics.instancesProcessed, droppedFrames: sources.reduce(0) { $0 + $1.droppedFrames },
            reconnects: sources.reduce(0) { $0 + $1.reconnects }, seconds: Date().timeIntervalSince(start),
            stoppedEarly: stopping, meanBatch: metrics.meanBatch,
            damagedSources: Dictionary(uniqueKeysWithValues: sources.compactMap { s in
                s.damageSummary.map { (s.id, $0) }
            }),
            brokers: brokerSinks.flatMap(\.reports))
        if let error, !(error.code == .cancelled && summary.stoppedEarly) { throw error }
        return summary
    }
}

extension PipelineRunner: StreamsController {
    public func streams() -> [StreamStatus] { registry.statuses() }

    /// Adds a stream from a `POST /streams` body: `url`, `name` and the other `sources[]` keys,
    /// and optionally `sinks` of its own (besides the pipeline's, which get every stream).
    public func addStream(json: String) throws -> StreamStatus {
        let (source, sinkConfigs) = try config.streamRequest(json, nextIndex: registry.stages.count)
        guard let launch = launcher.withLock({ $0 }) else {
            throw MaskstreamError(.cancelled, "the pipeline is not running: it takes no new streams")
        }
        let sinks = try sinkConfigs.enumerated().map { try $1.make(index: $0, sourceCount: 1, server: nil) }
        let stage = try registry.add(source, sinks: sinks)
        do { try launch(stage, false) } catch {
            stage.failed(error)
            throw error
        }
        log("stream '\(stage.name)' added: \(source.url) (source \(stage.id))")
        return registry.statuses()[stage.id]
    }

    /// Stops one stream: it reads no more, what it read flows through, its own sinks finish.
    public func removeStream(named name: String) throws -> StreamStatus {
        guard let stage = registry.stage(named: name) else {
            throw MaskstreamError(.notFound, "no stream named '\(name)' (GET /streams lists them)")
        }
        stage.stop()
        log("stream '\(name)' removed")
        return registry.statuses()[stage.id]
    }
}

extension PipelineRunner: ModelController {
    public func modelInfo() -> ModelInfo {
        slot.withLock { $0 }?.slot.info ?? ModelInfo(name: config.model.path, folder: "", revision: nil, sha256: "",
                                                     loadSeconds: 0, generation: 0, labels: [])
    }

    /// `POST /model`: `{"path": "models/other"}` (a folder or hub id; no body or no path: the
    /// running model's path again, as SIGHUP does).
    public func reloadModel(json: String) async throws -> ModelInfo {
        var path: String?
        let trimmed = json.trimmingCharacters(in: .whitespacesAndNewlines)
        if !trimmed.isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any],
                  object.keys.allSatisfy({ $0 == "path" }) else {
                throw MaskstreamError(.config, "POST /model: the body must be a JSON object {\"path\": \"…\"}")
            }
            guard object["path"] == nil || object["path"] is String else {
                throw MaskstreamError(.config, "POST /model: 'path' must be a string")
            }
            path = object["path"] as? String
        }
        return try await reloadModel(path: path)
    }

    /// Loads `path` (nil: the running model's) beside the running model and switches new batches
    /// to it; a model that fails to load leaves the running one in place (its error is thrown).
    public func reloadModel(path: String? = nil) async throws -> ModelInfo {
        guard let (slot, device, options) = slot.withLock({ $0 }) else {
            throw MaskstreamError(.cancelled, "the pipeline is not running a model")
        }
        return try await slot.exclusively {
            let name = path ?? slot.info.name
            log("model: loading \(name) beside generation \(slot.info.generation)")
            let loaded: ModelSlot.Loaded
            do {
                loaded = try await ModelSlot.load(path: name, device: device, options: options,
                                                  generation: slot.info.generation + 1, log: log)
            } catch {
                log("model: \(name) was not loaded, generation \(slot.info.generation) goes on: \(error)")
                throw error
            }
            let info = slot.replace(with: loaded.model, info: loaded.info)
            log(String(format: "model: generation %d (%@, sha256 %@) loaded in %.2f s; it takes the next batch",
                       info.generation, name, String(info.sha256.prefix(12)), info.loadSeconds))
            return info
        }
    }
}
