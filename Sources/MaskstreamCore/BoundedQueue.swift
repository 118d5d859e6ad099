import Foundation

/// A bounded, thread-safe FIFO between two pipeline stages with an explicit policy for a
/// full queue: `.block` makes the producer wait (files: nothing is ever dropped),
/// `.dropOldest` discards the oldest element and counts it (live: latency stays bounded).
///
/// - Complexity: push and pop are amortized O(1).
public final class BoundedQueue<Element: Sendable>: @unchecked Sendable {
    public enum Policy: Sendable { case block, dropOldest }

    private let condition = NSCondition()
    private var items: [Element] = []
    private var head = 0
    private var closed = false
    private var closeError: MaskstreamError?
    public let capacity: Int
    public let policy: Policy
    private var droppedCount = 0

    public init(capacity: Int, policy: Policy) {
        self.capacity = max(1, capacity)
        self.policy = policy
    }

    /// Elements dropped because the consumer fell behind (`.dropOldest` only).
    public var dropped: Int { condition.lock(); defer { condition.unlock() }; return droppedCount }
    /// Elements waiting.
    public var count: Int { condition.lock(); defer { condition.unlock() }; return items.count - head }

    /// Appends `element`. With `.block`, waits while the queue is full; returns false
    /// when the queue was closed (the element is discarded).
    @discardableResult
    public func push(_ element: Element) -> Bool {
        condition.lock(); defer { condition.unlock() }
        if policy == .block {
            while items.count - head >= capacity && !closed { condition.wait() }
        }
        guard !closed else { return false }
        if items.count - head >= capacity {
            head += 1
            droppedCount += 1
        }
        items.append(element)
        if head > 64 && head * 2 > items.count { items.removeFirst(head); head = 0 }
        condition.broadcast()
        return true
    }

    /// The oldest element; waits until one arrives. Nil once closed and drained, or
    /// throws the error the queue was closed with.
    public func pop() throws -> Element? {
        condition.lock(); defer { condition.unlock() }
        while head == items.count && !closed { condition.wait() }
        if head < items.count {
            let e = items[head]
            head += 1
            condition.broadcast()
            return e
        }
        if let closeError { throw closeError }
        return nil
    }

    /// The oldest element when one is waiting now; nil otherwise (never waits). Batching
    /// consumers take what is already there after a blocking `pop`.
    public func popIfReady() -> Element? {
        condition.lock(); defer { condition.unlock() }
        guard head < items.count else { return nil }
        let e = items[head]
        head += 1
        condition.broadcast()
        return e
    }

    /// Ends the queue: producers stop, pending elements can still be popped, then `pop`
    /// returns nil (or throws `error`).
    public func close(error: MaskstreamError? = nil) {
        condition.lock(); defer { condition.unlock() }
        if !closed { closeError = error }
        closed = true
        condition.broadcast()
    }
}
