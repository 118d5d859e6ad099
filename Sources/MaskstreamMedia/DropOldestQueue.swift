import Foundation

/// A bounded, thread-safe queue for live frames: when full, pushing drops the oldest
/// element and counts it, so latency stays bounded and no drop goes unnoticed.
public final class DropOldestQueue<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []
    private var head = 0
    private var closed = false
    private var closeError: MaskstreamError?
    public let capacity: Int
    /// Elements dropped because the consumer fell behind.
    public private(set) var dropped = 0

    public init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Appends, dropping the oldest element when the queue is full.
    public func push(_ element: Element) {
        condition.lock(); defer { condition.unlock() }
        guard !closed else { return }
        if items.count - head >= capacity {
            head += 1
            dropped += 1
        }
        items.append(element)
        if head > 64 && head * 2 > items.count { items.removeFirst(head); head = 0 }
        condition.signal()
    }

    /// Ends the queue; pending elements can still be popped, then `pop` returns nil or throws `error`.
    public func close(error: MaskstreamError? = nil) {
        condition.lock(); defer { condition.unlock() }
        closed = true
        closeError = error
        condition.broadcast()
    }

    /// The oldest element; blocks until one arrives. Nil when closed and empty.
    public func pop() throws -> Element? {
        condition.lock(); defer { condition.unlock() }
        while head == items.count && !closed { condition.wait() }
        if head < items.count {
            let e = items[head]; head += 1
            return e
        }
        if let closeError { throw closeError }
        return nil
    }

    public var count: Int { condition.lock(); defer { condition.unlock() }; return items.count - head }
}
