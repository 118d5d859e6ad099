import Foundation

/// A network source that keeps going: it reads on its own thread, reconnects with
/// backoff when the stream stalls or dies, and hands frames over through a
/// drop-oldest queue so a slow consumer never makes frames pile up.
///
/// Frame indices continue across reconnects; the timestamps of frames and of their compressed
/// packets are shifted after a reconnect so both keep increasing (a muxer copying the packets
/// sees one continuous timeline), and the first frame after a reconnect is marked
/// `discontinuity`. Each reconnect is counted in `reconnects` and reported through `events`.
public final class LiveSource: @unchecked Sendable {
    public let url: String
    public let options: OpenOptions
    private let queue: BoundedQueue<VideoFrame>
    private let lock = NSLock()
    private var machine: ReconnectStateMachine
    private var stopped = false
    private var current: MediaReader?
    private var thread: Thread?
    private var firstInfo: StreamInfo?
    private var firstParameters: CodecParameters?
    private let infoReady = DispatchSemaphore(value: 0)
    private let events: @Sendable (String) -> Void

    /// - Parameter events: receives one line per lost stream, retry wait and reconnection.
    public init(url: String, options: OpenOptions = .init(), policy: ReconnectPolicy = .init(), bufferCapacity: Int = 4,
                events: @escaping @Sendable (String) -> Void = { _ in }) {
        self.url = url
        self.options = options
        self.queue = BoundedQueue(capacity: bufferCapacity, policy: .dropOldest)
        self.machine = ReconnectStateMachine(policy: policy)
        self.events = events
    }

    /// The source's state now: `connecting`, `streaming`, `backing_off` or `failed`
    /// (`idle` before `start()`).
    public var state: String { lock.withLock { machine.state.name } }

    /// Frames dropped because the consumer fell behind.
    public var droppedFrames: Int { queue.dropped }
    /// Successful reconnections after the first connection.
    public var reconnects: Int { lock.withLock { machine.reconnects } }

    /// Starts reading; returns the stream info once connected, or throws when the first
    /// connection fails for good (after the policy's attempts).
    @discardableResult
    public func start() throws -> StreamInfo {
        let t = Thread { [self] in run() }
        t.name = "maskstream.live"
        thread = t
        t.start()
        infoReady.wait()
        if let info = lock.withLock({ firstInfo }) { return info }
        // Connection failed for good: the queue carries the error.
        _ = try queue.pop()
        throw MaskstreamError(.network, "could not connect to '\(url)'")
    }

    /// The codec parameters of the first connection (for copying packets into an output);
    /// nil before `start()` succeeded.
    public var codecParameters: CodecParameters? { lock.withLock { firstParameters } }

    /// The next frame (blocking); nil after `stop()`; throws when the source gave up.
    public func nextFrame() throws -> VideoFrame? { try queue.pop() }

    /// Stops reading and unblocks any waiting call.
    public func stop() {
        lock.withLock {
            stopped = true
            current?.cancel()
        }
        queue.close()
    }

    private func run() {
        var index = 0
        var rebase = TimestampRebase()
        var signalled = false
        var lostAt: Date?
        var action = lock.withLock { machine.start() }
        while true {
            if lock.withLock({ stopped }) { break }
            switch action {
            case .connect:
                do {
                    let reader = try MediaReader(url: url, options: options)
                    let reconnects = lock.withLock { current = reader; machine.connected(); return machine.reconnects }
                    if !signalled {
                        lock.withLock { firstInfo = reader.info; firstParameters = reader.codecParameters }
                        signalled = true
                        infoReady.signal()
                    } else if let first = lock.withLock({ firstInfo }) {
                        let down = lostAt.map { String(format: " after %.1f s", Date().timeIntervalSince($0)) } ?? ""
                        events("reconnected to '\(url)'\(down) (reconnect \(reconnects), next frame \(index))")
                        let now = reader.info
                        if now.codec != first.codec || now.width != first.width || now.height != first.height {
                            events("'\(url)' now sends \(now.codec) \(now.width)x\(now.height), not \(first.codec) "
                                   + "\(first.width)x\(first.height): frames are processed as they come; sinks copying "
                                   + "packets keep the first stream's codec parameters")
                        }
                    }
                    rebase.startSegment()
                    while let raw = try reader.nextFrame() {
                        var frame = raw
                        frame.index = index
                        index += 1
                        rebase.apply(to: &frame)
                        queue.push(frame)
                    }
                    // The stream ended cleanly (server closed it): treat as a failure and reconnect.
                    throw MaskstreamError(.network, "'\(url)' ended")
                } catch {
                    lock.withLock { current = nil }
                    if lock.withLock({ stopped }) { break }
                    let streaming = lock.withLock { machine.state == .streaming }
                    if streaming {
                        lostAt = Date()
                        events("lost '\(url)': \(error)")
                    }
                    action = lock.withLock { machine.failed() }
                }
            case .wait(let seconds):
                if seconds > 0 {
                    let attempt = lock.withLock { if case .backingOff(let a, _) = machine.state { a } else { 0 } }
                    events(String(format: "retrying '\(url)' in %.1f s (failed attempts in a row: %d)", seconds, attempt))
                    sleep(seconds)
                }
                action = lock.withLock { machine.start() }
            case .giveUp(let attempts):
                let error = MaskstreamError(.network, "gave up on '\(url)' after \(attempts) failed connection attempts "
                                            + "(reconnect_attempts)")
                if !signalled { signalled = true; infoReady.signal() }
                queue.close(error: error)
                return
            case .none:
                queue.close()
                if !signalled { signalled = true; infoReady.signal() }
                return
            }
        }
        if !signalled { infoReady.signal() }
        queue.close()
    }

    /// Sleeps up to `seconds`, returning early after `stop()`.
    private func sleep(_ seconds: Double) {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end, !lock.withLock({ stopped }) {
            Thread.sleep(forTimeInterval: min(0.1, max(0, end.timeIntervalSinceNow)))
        }
    }
}

/// Keeps a live source's timestamps increasing across reconnects: each connection (segment)
/// restarts its PTS/DTS anywhere (often at 0), so the segment is shifted to continue one frame
/// step after the previous segment's last PTS, and past its last DTS, for frames and their
/// packets alike.
struct TimestampRebase {
    private var offset: Int64 = 0
    private var lastPTS: Int64?
    private var lastDTS: Int64?
    private var step: Int64 = 1
    private var segmentStarted = false

    /// A new connection: its first frame sets the offset.
    mutating func startSegment() {
        segmentStarted = false
    }

    mutating func apply(to frame: inout VideoFrame) {
        if !segmentStarted {
            segmentStarted = true
            if let lastPTS {
                var shift = lastPTS + step - frame.timestamp.pts
                if let lastDTS, let firstDTS = frame.packets.compactMap({ $0.dts ?? $0.pts }).min() {
                    shift = max(shift, lastDTS + 1 - firstDTS)
                }
                offset = shift
                frame.discontinuity = true
            }
        }
        let pts = frame.timestamp.pts + offset
        if let lastPTS, pts > lastPTS { step = pts - lastPTS }
        frame.timestamp.pts = pts
        lastPTS = pts
        for i in frame.packets.indices {
            frame.packets[i].pts = frame.packets[i].pts.map { $0 + offset }
            frame.packets[i].dts = frame.packets[i].dts.map { $0 + offset }
            if let d = frame.packets[i].dts { lastDTS = max(lastDTS ?? d, d) }
        }
    }
}
