import Foundation

/// What the live viewer's page (`GET /`) hears on `GET /viewer/ws`: the set of streams and
/// their states, every frame record, and JPEG frames at a capped rate.
///
/// Messages are JSON text:
/// - `{"type":"hello","mode":"live","viewer_fps":10}` first, to each new client;
/// - `{"type":"streams","streams":[{"source":0,"name":"cam0","state":"running"}]}` on connect
///   and whenever a stream begins, changes state, ends or is removed (ended and removed streams
///   leave the list, and their tiles go away);
/// - a frame record as the `/ws` clients get it (it has `"instances"`, no `"type"`);
/// - `{"type":"frame","source":0,"frame":12,"age_ms":41.5,"dropped":0,"jpeg":"<base64>"}`: the
///   picture of that record, `age_ms` after its capture (`dropped`: the stream's frames the
///   encoder dropped so far).
///
/// Each client sits behind its own drop-oldest buffer, so a slow browser loses messages (counted
/// in ``droppedMessages``) and never slows the pipeline.
///
/// ```swift
/// server.viewer.publishStreamState(source: 0, name: "examples/sample.mp4", state: .running)
/// server.viewer.publishRecord(json: recordLine)
/// server.viewer.publishFrame(source: 0, frame: 12, ageMilliseconds: 40, dropped: 0, jpeg: bytes)
/// server.viewer.publishStreamState(source: 0, name: "examples/sample.mp4", state: .ended)
/// ```
public final class ViewerChannel: Sendable {
    /// A stream's state as the viewer shows it.
    public enum StreamState: String, Sendable, CaseIterable {
        case starting, running, reconnecting, ended, removed, failed

        /// Ended and removed streams leave the viewer's list.
        public var isGone: Bool { self == .ended || self == .removed }
    }

    /// One stream in the `streams` message.
    public struct StreamStatus: Sendable, Equatable, Codable {
        public var source: Int
        public var name: String
        public var state: String
    }

    /// Default number of messages buffered per viewer before the oldest is dropped.
    public static let defaultClientBufferCapacity = 64

    let hub: BroadcastHub
    private let replayContent = Locked(ReplayContent?.none)
    private let streams = Locked([Int: StreamStatus]())
    private let settings = Locked((mode: "live", fps: 10.0))

    public init(clientBufferCapacity: Int = ViewerChannel.defaultClientBufferCapacity) {
        hub = BroadcastHub(capacity: clientBufferCapacity)
    }

    /// Sets what the `hello` message tells new clients: `live` or `replay`, and the frame cap.
    public func configure(mode: String, fps: Double) {
        settings.withLock { $0 = (mode, fps) }
    }

    /// The pipeline's hook: a stream began, changed state, ended or was removed. Broadcasts the
    /// new list of streams to every viewer.
    public func publishStreamState(source: Int, name: String, state: StreamState) {
        // Published under the lock, so a client joining (``join()``) sees each change exactly once:
        // in its greeting's snapshot or as a message after it.
        streams.withLock { streams in
            if state.isGone {
                streams.removeValue(forKey: source)
            } else {
                streams[source] = StreamStatus(source: source, name: name, state: state.rawValue)
            }
            hub.publish(Self.streamsMessage(streams))
        }
    }

    /// The streams the viewer shows now, by source.
    public var currentStreams: [StreamStatus] { streams.withLock { $0.values.sorted { $0.source < $1.source } } }

    /// Sends one frame record (its JSON line) to every viewer.
    public func publishRecord(json: String) { hub.publish(json) }

    /// Sends one JPEG picture of a record's frame to every viewer.
    /// `dropped`: frames of this stream the viewer's encoder has dropped so far.
    public func publishFrame(source: Int, frame: Int, ageMilliseconds: Double, dropped: Int = 0, jpeg: [UInt8]) {
        let age = ageMilliseconds.isFinite ? String(format: "%.1f", ageMilliseconds) : "null"
        let head = #"{"type":"frame","source":\#(source),"frame":\#(frame),"age_ms":\#(age),"dropped":\#(dropped),"#
        hub.publish(head + #""jpeg":""#
                    + Data(jpeg).base64EncodedString() + #""}"#)
    }

    /// Serves a recording instead of live streams: the page shows it with a scrubber.
    public func setReplay(_ content: ReplayContent) {
        replayContent.withLock { $0 = content }
        settings.withLock { $0.mode = "replay" }
    }

    /// The recording set by ``setReplay(_:)``.
    var replay: ReplayContent? { replayContent.withLock { $0 } }

    /// Viewers connected now.
    public var clientCount: Int { hub.subscriberCount }

    /// Messages dropped so far because a viewer fell behind.
    public var droppedMessages: Int { hub.droppedMessages }

    /// Subscribes a new client: the messages it gets first (`hello`, then the streams as of the
    /// subscription) and its subscription to everything published after.
    func join() -> (greeting: [String], subscription: BroadcastHub.Subscription) {
        let (mode, fps) = settings.withLock { $0 }
        let hello = #"{"type":"hello","mode":"\#(mode)","viewer_fps":\#(fps)}"#
        return streams.withLock { streams in
            ([hello, Self.streamsMessage(streams)], hub.subscribe())
        }
    }

    private static func streamsMessage(_ streams: [Int: StreamStatus]) -> String {
        struct Message: Encodable { let type = "streams"; let streams: [StreamStatus] }
        let list = streams.values.sorted { $0.source < $1.source }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(Message(streams: list))) ?? Data(#"{"type":"streams","streams":[]}"#.utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
