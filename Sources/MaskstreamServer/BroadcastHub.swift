/// Fans text messages out to any number of subscribers, each behind its own bounded
/// drop-oldest buffer, so one slow subscriber never blocks the publisher or the others.
///
/// `publish` never waits: when a subscriber's buffer is full its oldest pending
/// message is dropped and counted, for that subscriber and in the hub's total.
///
/// ```swift
/// let hub = BroadcastHub(capacity: 64)
/// let sub = hub.subscribe()
/// hub.publish(#"{"frame":0}"#)
/// for await text in sub.messages { print(text) }
/// ```
public final class BroadcastHub: Sendable {
    /// One subscriber: its id (for `unsubscribe` and `stats`) and its message stream.
    public struct Subscription: Sendable {
        public let id: Int
        /// The messages published after `subscribe()`, oldest first; ends on `unsubscribe` or `finish`.
        public let messages: AsyncStream<String>
    }

    /// Counters of one live subscriber.
    public struct SubscriberStats: Sendable, Equatable {
        public let id: Int
        /// Messages accepted into the subscriber's buffer (including ones later dropped).
        public var enqueued: Int
        /// Messages dropped because the subscriber's buffer was full.
        public var dropped: Int

        public init(id: Int, enqueued: Int, dropped: Int) {
            self.id = id
            self.enqueued = enqueued
            self.dropped = dropped
        }
    }

    private struct Subscriber {
        let continuation: AsyncStream<String>.Continuation
        var stats: SubscriberStats
    }

    private struct State {
        var subscribers: [Int: Subscriber] = [:]
        var nextID = 0
        var droppedTotal = 0
        var finished = false
    }

    /// Most messages buffered per subscriber before the oldest is dropped.
    public let capacity: Int
    private let state = Locked(State())

    /// - Parameter capacity: messages buffered per subscriber; values below 1 are raised to 1.
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Adds a subscriber. After `finish()` the returned stream is already finished.
    public func subscribe() -> Subscription {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(capacity))
        let id: Int? = state.withLock { state in
            guard !state.finished else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = Subscriber(
                continuation: continuation,
                stats: SubscriberStats(id: id, enqueued: 0, dropped: 0)
            )
            return id
        }
        guard let id else {
            continuation.finish()
            return Subscription(id: -1, messages: stream)
        }
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(id) }
        return Subscription(id: id, messages: stream)
    }

    /// Removes a subscriber and ends its stream; unknown ids are ignored.
    public func unsubscribe(_ id: Int) {
        let removed = state.withLock { $0.subscribers.removeValue(forKey: id) }
        removed?.continuation.finish()
    }

    /// Appends `text` to every subscriber's buffer without waiting.
    ///
    /// - Complexity: O(*s*) for *s* subscribers.
    public func publish(_ text: String) {
        state.withLock { state in
            var index = state.subscribers.values.startIndex
            while index != state.subscribers.values.endIndex {
                switch state.subscribers.values[index].continuation.yield(text) {
                case .enqueued:
                    state.subscribers.values[index].stats.enqueued += 1
                case .dropped:
                    state.subscribers.values[index].stats.enqueued += 1
                    state.subscribers.values[index].stats.dropped += 1
                    state.droppedTotal += 1
                case .terminated:
                    break
                @unknown default:
                    break
                }
                state.subscribers.values.formIndex(after: &index)
            }
        }
    }

    /// Ends every subscriber's stream (after it drains its buffer) and refuses new ones.
    public func finish() {
        let subscribers = state.withLock { state in
            state.finished = true
            defer { state.subscribers.removeAll() }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.continuation.finish() }
    }

    /// Subscribers currently attached.
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Messages dropped so far over all subscribers, including ones that have left.
    public var droppedMessages: Int { state.withLock { $0.droppedTotal } }

    /// Counters of the subscribers currently attached, by ascending id.
    public var stats: [SubscriberStats] {
        state.withLock { $0.subscribers.values.map(\.stats) }.sorted { $0.id < $1.id }
    }
}
