import Foundation
import MaskstreamServer

/// Feeds the live viewer (`/` on the pipeline's server): every record, and at most
/// `viewer.fps` JPEG frames a second per stream, plus each stream's state as it begins and ends.
///
/// JPEG encoding (FFmpeg's mjpeg) runs on the sink's own thread behind a drop-oldest queue of
/// two frames: `write` only copies a reference to the frame's pixels, so a slow encoder or a slow
/// browser never slows the pipeline; frames it drops are counted (``droppedFrames``, and
/// `maskstream_viewer_dropped_frames_total`).
final class ViewerSink: FrameSink, @unchecked Sendable {
    let name = "viewer"
    var needs: SinkNeeds { .pixels }

    private struct Job: Sendable {
        var source: Int, frame: Int, width: Int, height: Int
        var rgb: [UInt8]
        var decodedAt: UInt64
    }

    private let channel: ViewerChannel
    private let settings: PipelineConfig.Viewer
    private let names: [String]
    private let queue = BoundedQueue<Job>(capacity: 2, policy: .dropOldest)
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var lastSent: [Int: UInt64] = [:]
    private var dropsBySource: [Int: Int] = [:]
    private let log: @Sendable (String) -> Void
    private let liveStates: @Sendable () -> [Int: String]
    private var shown: [Int: ViewerChannel.StreamState] = [:]
    private var finished = false

    /// - Parameters:
    ///   - names: each source's name in the viewer (its URL), by source index.
    ///   - liveStates: the connection state of each live source (`LiveSource.state`), polled
    ///     twice a second so a reconnecting or failed camera shows as such.
    init(channel: ViewerChannel, settings: PipelineConfig.Viewer, names: [String],
         liveStates: @escaping @Sendable () -> [Int: String] = { [:] },
         log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.channel = channel
        self.settings = settings
        self.names = names
        self.liveStates = liveStates
        self.log = log
        channel.configure(mode: "live", fps: settings.fps)
        let thread = Thread { [self] in encodeLoop() }
        thread.name = "maskstream.viewer"
        thread.start()
        let watcher = Thread { [self] in watchLiveStates() }
        watcher.name = "maskstream.viewer-states"
        watcher.start()
    }

    /// The viewer's state for a live source's connection state.
    static func viewerState(live: String) -> ViewerChannel.StreamState {
        switch live {
        case "streaming": .running
        case "failed": .failed
        default: .reconnecting  // connecting, backing_off
        }
    }

    /// Publishes each live source's state when it changes, until `finish()`; ended streams stay gone.
    private func watchLiveStates() {
        while !lock.withLock({ finished }) {
            for (source, live) in liveStates() {
                let state = Self.viewerState(live: live)
                let changed = lock.withLock {
                    guard let old = shown[source], !old.isGone, old != state else { return false }
                    shown[source] = state
                    return true
                }
                if changed { channel.publishStreamState(source: source, name: streamName(source), state: state) }
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
    }

    /// Frames not sent to the viewer because the encoder was behind.
    var droppedFrames: Int { queue.dropped }

    private func streamName(_ source: Int) -> String {
        names.indices.contains(source) ? names[source] : "stream \(source)"
    }

    func begin(source: SourceContext) throws {
        lock.withLock { shown[source.id] = .running }
        channel.publishStreamState(source: source.id, name: streamName(source.id), state: .running)
    }

    func write(_ frame: Emission) throws {
        channel.publishRecord(json: frame.json)
        guard let rgb = frame.media.rgb else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        let interval = UInt64(1e9 / settings.fps)
        let due = lock.withLock {
            let source = frame.record.source
            if let last = lastSent[source], now &- last < interval { return false }
            lastSent[source] = now
            return true
        }
        guard due else { return }
        let r = frame.record
        let before = queue.dropped
        _ = queue.push(Job(source: r.source, frame: r.frame, width: r.width, height: r.height, rgb: rgb,
                           decodedAt: frame.decodedAt))
        if queue.dropped > before { lock.withLock { dropsBySource[r.source, default: 0] += 1 } }
    }

    func end(source: Int) throws {
        lock.withLock { shown[source] = .ended }
        channel.publishStreamState(source: source, name: streamName(source), state: .ended)
    }

    func finish() throws {
        lock.withLock { finished = true }
        queue.close()
        done.wait()
    }

    private func encodeLoop() {
        var encoders: [Int: JPEGEncoder] = [:]
        defer { done.signal() }
        while let job = try? queue.pop() {
            do {
                var encoder = encoders[job.source]
                if encoder?.width != job.width || encoder?.height != job.height {
                    encoder = try JPEGEncoder(width: job.width, height: job.height, quality: settings.quality)
                    encoders[job.source] = encoder
                }
                guard let encoder else { continue }
                let jpeg = try encoder.encode(rgb: job.rgb)
                let age = job.decodedAt > 0
                    ? Double(DispatchTime.now().uptimeNanoseconds &- job.decodedAt) / 1e6 : Double.nan
                let dropped = lock.withLock { dropsBySource[job.source, default: 0] }
                channel.publishFrame(source: job.source, frame: job.frame, ageMilliseconds: age, dropped: dropped,
                                     jpeg: jpeg)
            } catch {
                log("viewer: frame \(job.frame) of source \(job.source) not shown: \(error)")
            }
        }
    }
}
