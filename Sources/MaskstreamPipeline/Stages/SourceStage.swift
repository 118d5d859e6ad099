import Foundation

/// The Source stage: opens one source and pushes its `begin`, every frame and its `end` onto
/// the first queue. A file blocks while that queue is full (nothing is dropped); a live
/// stream keeps its own drop-oldest buffer of `live_buffer` frames (drops counted).
final class SourceStage: @unchecked Sendable {
    let id: Int
    /// The stream's name in `/streams`.
    let name: String
    let source: PipelineConfig.Source
    private let lock = NSLock()
    private var stopped = false
    private var phase = Phase.connecting
    private var lastError: String?
    private var live: LiveSource?
    private var reader: (any FrameReader)?
    private var read = 0
    private var declared: Int?
    private var damage: String?

    /// Where a source is in its life, as `/streams` reports it.
    enum Phase: String { case connecting, live, reconnecting, failed, finished }

    init(id: Int, source: PipelineConfig.Source) {
        self.id = id
        self.name = source.name ?? String(id)
        self.source = source
    }

    /// connecting, live, reconnecting (a live stream between connections), failed or finished.
    var state: Phase {
        lock.withLock {
            guard phase == .live, let live else { return phase }
            switch live.state {
            case "streaming": return .live
            case "failed": return .failed
            default: return live.reconnects > 0 || live.state == "backing_off" ? .reconnecting : .connecting
            }
        }
    }

    /// The error that ended the source, if one did.
    var error: String? { lock.withLock { lastError } }

    /// Records the error that ended the source.
    func failed(_ error: any Error) {
        let message = (error as? MaskstreamError)?.message ?? "\(error)"
        lock.withLock {
            phase = .failed
            lastError = message
        }
    }

    /// Frames read so far.
    var framesRead: Int { lock.withLock { read } }
    /// The frames this source will give, when its container says (capped by `max_frames`).
    var expectedFrames: Int? { lock.withLock { declared } }
    /// Live frames dropped because the pipeline fell behind.
    var droppedFrames: Int { lock.withLock { live?.droppedFrames ?? 0 } }
    var reconnects: Int { lock.withLock { live?.reconnects ?? 0 } }
    /// What was damaged in a file source (corrupt packets, undecodable frames, a container that
    /// ends early) once it was read; nil when it read cleanly.
    var damageSummary: String? { lock.withLock { damage } }
    /// A live source's connection state (`LiveSource.state`); nil for files.
    var liveState: String? { lock.withLock { live?.state } }

    /// Stops reading; what was read still flows through.
    func stop() {
        lock.withLock {
            stopped = true
            live?.stop()
            reader?.cancel()
        }
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    /// Reads the source to its end (or `max_frames`, or `stop()`). A source that fails after its
    /// `begin` still pushes its `end`, so every stage releases what it holds for it.
    func run(into queue: BoundedQueue<Event<VideoFrame>>, labels: [Int: String], metrics: PipelineMetrics,
             log: @escaping @Sendable (String) -> Void) throws {
        var begun = false
        do {
            try read(into: queue, labels: labels, metrics: metrics, log: log, begun: &begun)
            lock.withLock { if phase != .failed { phase = .finished } }
        } catch {
            failed(error)
            if begun { queue.push(.end(source: id)) }
            throw error
        }
    }

    private func read(into queue: BoundedQueue<Event<VideoFrame>>, labels: [Int: String], metrics: PipelineMetrics,
                      log: @escaping @Sendable (String) -> Void, begun: inout Bool) throws {
        var options = source.open
        options.sourceId = id
        let limit = source.maxFrames ?? Int.max
        var next: () throws -> VideoFrame?
        if MediaReader.isNetworkURL(source.url) {
            let live = LiveSource(url: source.url, options: options, policy: source.reconnect,
                                  bufferCapacity: source.liveBuffer, events: { [id] in log("source \(id): \($0)") })
            lock.withLock { self.live = live }
            if isStopped { return }
            let info = try live.start()
            // Packets of a live stream are copied with the codec parameters of the first connection.
            guard let params = live.codecParameters else {
                throw MaskstreamError(.internal, "live source '\(source.url)' started without codec parameters")
            }
            queue.push(.begin(SourceContext(id: id, info: info, codecParameters: params, labels: labels, log: log)))
            begun = true
            lock.withLock { phase = .live }
            log("source \(id): \(info)")
            next = { try live.nextFrame() }
        } else {
            let reader = try MediaInput.open(source.url, imageFrameRate: source.fps, options: options,
                                             log: { log("source \(self.id): \($0)") })
            let info = reader.info
            lock.withLock {
                self.reader = reader
                declared = (info.declaredFrameCount ?? info.duration.map { Int(($0 * info.frameRate.value).rounded()) })
                    .map { min($0, limit) }
            }
            queue.push(.begin(SourceContext(id: id, info: info, codecParameters: reader.codecParameters,
                                                    labels: labels, log: log)))
            begun = true
            lock.withLock { phase = .live }
            log("source \(id): \(info)")
            next = {
                let t0 = Date()
                defer { metrics.observe(.decode, seconds: Date().timeIntervalSince(t0)) }
                return try reader.nextFrame()
            }
        }
        var count = 0
        while count < limit, !isStopped, let frame = try next() {
            count += 1
            lock.withLock { read = count }
            metrics.observeInput(source: id, rgb: frame.rgb, width: frame.width, height: frame.height)
            queue.push(.frame(frame))
        }
        lock.withLock { self.live }?.stop()
        if let damage = lock.withLock({ self.reader })?.damageSummary {
            lock.withLock { self.damage = damage }
            log("source \(id): input damaged (\(damage)); every decodable frame was processed")
        }
        queue.push(.end(source: id))
    }
}
