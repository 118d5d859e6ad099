/// Capped exponential backoff with ±20 % jitter between reconnection attempts to a broker:
/// 0.1 s, 0.2 s, 0.4 s, … up to `maxDelay`; ``reset()`` after a successful connection.
///
/// ```swift
/// var backoff = Backoff(maxDelay: 2)
/// backoff.next()   // ≈ 0.1
/// backoff.next()   // ≈ 0.2
/// ```
public struct Backoff: Sendable {
    public var initialDelay: Double
    public var maxDelay: Double
    private var attempt = 0

    public init(initialDelay: Double = 0.1, maxDelay: Double = 2) {
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
    }

    /// The delay before the next attempt, in seconds (never above `maxDelay`).
    public mutating func next() -> Double {
        let base = min(maxDelay, initialDelay * Double(1 << min(attempt, 20)))
        attempt += 1
        return min(maxDelay, base * Double.random(in: 0.8...1.2))
    }

    public mutating func reset() { attempt = 0 }
}
