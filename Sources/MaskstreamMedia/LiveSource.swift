import Foundation

/// A network source that keeps going: it reads on its own thread, reconnects with
/// backoff when the stream stalls or dies, and hands frames over through a
/// drop-oldest queue so a slow consumer never makes frames pile up.
///
/// Frame indices continue across reconnects; timestamps are shifted after a reconnect
/// so they keep increasing (each reconnect is counted in `reconnects`).
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

    public init(url: String, options: OpenOptions = .init(), policy: ReconnectPolicy = .init(), bufferCapacity: Int = 4) {
        self.url = url
        self.options = options
        self.queue = BoundedQueue(capacity: bufferCapacity, policy: .dropOldest)
        self.machine = ReconnectStateMachine(policy: policy)
    }

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
        var ptsOffset: Int64 = 0
        var lastPTS: Int64?
        var step: Int64 = 1
        var signalled = false
        var action = lock.withLock { machine.start() }
        while true {
            if lock.withLock({ stopped }) { break }
            switch action {
            case .connect:
                do {
                    let reader = try MediaReader(url: url, options: options)
                    lock.withLock { current = reader; machine.connected() }
                    if !signalled {
                        lock.withLock { firstInfo = reader.info; firstParameters = reader.codecParameters }
                        signalled = true
                        infoReady.signal()
                    }
                    var segmentStart: Int64?
                    while let raw = try reader.nextFrame() {
                        var frame = raw
                        frame.index = index
                        index += 1
                        if segmentStart == nil {
                            segmentStart = raw.timestamp.pts
                            if let lastPTS { ptsOffset = lastPTS + step - raw.timestamp.pts }
                        }
                        frame.timestamp.pts = raw.timestamp.pts + ptsOffset
                        if let lastPTS, frame.timestamp.pts > lastPTS { step = frame.timestamp.pts - lastPTS }
                        lastPTS = frame.timestamp.pts
                        queue.push(frame)
                    }
                    // The stream ended cleanly (server closed it): treat as a failure and reconnect.
                    throw MaskstreamError(.network, "'\(url)' ended")
                } catch {
                    lock.withLock { current = nil }
                    if lock.withLock({ stopped }) { break }
                    action = lock.withLock { machine.failed() }
                }
            case .wait(let seconds):
                if seconds > 0 { Thread.sleep(forTimeInterval: seconds) }
                action = lock.withLock { machine.start() }
            case .giveUp(let attempts):
                let error = MaskstreamError(.network, "gave up on '\(url)' after \(attempts) failed connection attempts")
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
}
