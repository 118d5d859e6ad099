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
        /// Source index → what was damaged in that input (every decodable frame was still
        /// processed and written to every sink). `maskstream run` exits 3 when this is not empty.
        public var damagedSources: [Int: String] = [:]
    }

    public let config: PipelineConfig
    public let metrics: PipelineMetrics
    private let log: @Sendable (String) -> Void
    private let progress: (@Sendable (Int, Int?) -> Void)?
    private let sources: [SourceStage]
    private let state = Locked((stopping: false, error: MaskstreamError?.none, serverPort: Int?.none))

    public init(config: PipelineConfig, log: @escaping @Sendable (String) -> Void = { _ in },
                progress: (@Sendable (_ frames: Int, _ total: Int?) -> Void)? = nil) {
        self.config = config
        self.log = log
        self.progress = progress
        self.metrics = PipelineMetrics(trackGap: config.tracker.maxLostFrames + 1)
        self.sources = config.sources.enumerated().map { SourceStage(id: $0, source: $1) }
    }

    /// Asks the pipeline to stop: sources stop reading, queued frames drain, sinks finish.
    public func stop() {
        state.withLock { $0.stopping = true }
        for s in sources { s.stop() }
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
        let folder = try await ModelLocation(parsing: m.path).localFolder(
            environment: ProcessInfo.processInfo.environment, log: log)
        let model = try EomtModel(
            folder: folder, device: device,
            options: SegmenterOptions(threshold: config.detectionThreshold, topK: m.topK,
                                      framesInFlight: m.framesInFlight, precision: m.precision))
        let segmenter: any Segmenter = model
        metrics.setClassLabels(segmenter.labels.sorted { $0.key < $1.key }.map(\.value))
        let precision = m.precision == .auto ? "\(model.precision) weights, precision auto" : "\(model.precision) weights"
        log("model \(m.path) (\(precision)) on \(device.info.name) (kernels: \(device.info.kernelSummary))")
        for line in device.kernelProfile.fallbacks { log("kernels: \(line)") }
        var server: LiveStreamServer?
        if let s = config.effectiveServer {
            let live = LiveStreamServer(host: s.host, port: s.port, metrics: { [metrics] in metrics.render() })
            let port = try await live.start()
            state.withLock { $0.serverPort = port }
            log("server: http://\(s.host):\(port)/metrics, ws://\(s.host):\(port)/ws")
            server = live
        }
        var sinks: [any FrameSink]
        do { sinks = try config.sinks.enumerated().map {
            try $1.make(index: $0, sourceCount: sources.count, server: server)
        } } catch {
            await server?.shutdown()
            throw error
        }
        if let viewer = config.viewer, let server, let port = serverPort {
            sinks.append(makeViewerSink(viewer, server: server, liveStates: { [sources] in
                Dictionary(uniqueKeysWithValues: sources.compactMap { s in s.liveState.map { (s.id, $0) } })
            }))
            log("viewer: http://\(server.host):\(port)/")
        }
        let needs = sinks.reduce(into: SinkNeeds()) { $0.formUnion($1.needs) }

        func queue<T>(_: T.Type) -> BoundedQueue<Event<T>> { BoundedQueue(capacity: config.queueDepth, policy: .block) }
        let (frames, submitted) = (queue(VideoFrame.self), queue(SegmentStage.Submitted.self))
        let (segmented, emitted) = (queue(SegmentStage.Segmented.self), queue(Emission.self))
        metrics.setSources(
            queueDepth: { ["source_to_submit": frames.count, "submit_to_collect": submitted.count,
                           "collect_to_track": segmented.count, "track_to_emit": emitted.count] },
            dropped: { [sources] in sources.reduce(0) { $0 + $1.droppedFrames } },
            live: { [sources] in
                sources.compactMap { s in
                    s.liveState.map { PipelineMetrics.LiveSourceStatus(source: s.id, reconnects: s.reconnects, state: $0) }
                }
            },
            deviceMemory: { [device] in device.memoryInUse })

        let group = DispatchGroup()
        func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) {
            group.enter()
            let t = Thread { body(); group.leave() }
            t.name = "maskstream.\(name)"
            t.stackSize = 8 << 20
            t.start()
        }
        let fail: @Sendable (any Error) -> Void = { [self] in self.fail($0) }
        let ended = Locked(0)
        for s in sources {
            spawn("source\(s.id)") { [self] in
                do { try s.run(into: frames, labels: segmenter.labels, metrics: metrics, log: log) } catch { fail(error) }
                if ended.withLock({ $0 += 1; return $0 }) == sources.count { frames.close() }
            }
        }
        func launch<S: Stage>(_ stage: S, _ input: BoundedQueue<Event<S.Input>>, _ output: BoundedQueue<Event<S.Output>>?) {
            nonisolated(unsafe) var stage = stage
            spawn(stage.name) { stage.run(input, output, fail: fail) }
        }
        launch(SegmentStage.Submit(segmenter: segmenter, needs: needs), frames, submitted)
        launch(SegmentStage.Collect(segmenter: segmenter, metrics: metrics), submitted, segmented)
        let track = TrackStage(config: config.tracking ? config.tracker : nil, emitThreshold: config.emitThreshold,
                               categoryIdOffset: m.categoryIdOffset, metrics: metrics)
        launch(track, segmented, emitted)
        launch(EmitStage(sinks: sinks, metrics: metrics, fail: fail, progress: { [progress, sources] n in
            progress?(n, sources.count == 1 ? sources[0].expectedFrames : nil)
        }), emitted, nil)
        await withCheckedContinuation { done in group.notify(queue: .global()) { done.resume() } }
        await server?.shutdown()

        let (stopping, error) = state.withLock { ($0.stopping, $0.error) }
        let summary = Summary(
            framesRead: sources.map(\.framesRead), framesWritten: metrics.framesProcessed,
            instancesWritten: metrics.instancesProcessed, droppedFrames: sources.reduce(0) { $0 + $1.droppedFrames },
            reconnects: sources.reduce(0) { $0 + $1.reconnects }, seconds: Date().timeIntervalSince(start),
            stoppedEarly: stopping,
            damagedSources: Dictionary(uniqueKeysWithValues: sources.compactMap { s in s.damageSummary.map { (s.id, $0) } }))
        if let error, !(error.code == .cancelled && summary.stoppedEarly) { throw error }
        return summary
    }
}
