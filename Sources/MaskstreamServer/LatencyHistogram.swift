/// A thread-safe histogram of durations in seconds with fixed bucket upper bounds,
/// ready to render as a Prometheus histogram with ``PrometheusText/histogram(_:_:labels:help:)``.
///
/// ```swift
/// let decode = LatencyHistogram()
/// let start = ContinuousClock.now
/// // … decode a frame …
/// decode.observe(ContinuousClock.now - start)
/// var text = PrometheusText()
/// text.histogram("maskstream_stage_latency_seconds", decode.snapshot(), labels: ["stage": "decode"], help: "Per-stage latency")
/// ```
public final class LatencyHistogram: Sendable {
    /// 1 ms … 10 s, roughly three buckets per decade.
    public static let defaultBuckets: [Double] = [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    /// A consistent copy of the histogram at one instant.
    public struct Snapshot: Sendable, Equatable {
        /// Finite bucket upper bounds, strictly increasing (the `+Inf` bucket is implicit).
        public let upperBounds: [Double]
        /// `cumulativeCounts[i]` = observations ≤ `upperBounds[i]`; same length as `upperBounds`.
        public let cumulativeCounts: [UInt64]
        /// Sum of all observed values.
        public let sum: Double
        /// Number of observations (the `+Inf` bucket).
        public let count: UInt64

        public init(upperBounds: [Double], cumulativeCounts: [UInt64], sum: Double, count: UInt64) {
            self.upperBounds = upperBounds
            self.cumulativeCounts = cumulativeCounts
            self.sum = sum
            self.count = count
        }
    }

    private struct State {
        /// Per-bucket (non-cumulative) counts; the last slot is the `+Inf` overflow.
        var counts: [UInt64]
        var sum: Double = 0
    }

    /// Finite bucket upper bounds in seconds, strictly increasing.
    public let upperBounds: [Double]
    private let state: Locked<State>

    /// - Parameter buckets: upper bounds in seconds. They are sorted, de-duplicated, and
    ///   non-finite values are removed (`+Inf` is always implied), so any array is accepted.
    public init(buckets: [Double] = LatencyHistogram.defaultBuckets) {
        let bounds = Array(Set(buckets.filter(\.isFinite))).sorted()
        self.upperBounds = bounds
        self.state = Locked(State(counts: Array(repeating: 0, count: bounds.count + 1)))
    }

    /// Records one observation in seconds. NaN is ignored (it would poison the sum).
    ///
    /// - Complexity: O(log *b*) for *b* buckets.
    public func observe(_ seconds: Double) {
        guard !seconds.isNaN else { return }
        let bucket = bucketIndex(for: seconds)
        state.withLock { state in
            state.counts[bucket] &+= 1
            state.sum += seconds
        }
    }

    /// Records one observed duration.
    public func observe(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        observe(Double(seconds) + Double(attoseconds) * 1e-18)
    }

    /// The current counts, cumulative per bucket as Prometheus expects.
    public func snapshot() -> Snapshot {
        let (counts, sum) = state.withLock { ($0.counts, $0.sum) }
        var cumulative: [UInt64] = []
        cumulative.reserveCapacity(upperBounds.count)
        var running: UInt64 = 0
        for i in upperBounds.indices {
            running &+= counts[i]
            cumulative.append(running)
        }
        let total = running &+ (counts.last ?? 0)
        return Snapshot(upperBounds: upperBounds, cumulativeCounts: cumulative, sum: sum, count: total)
    }

    /// Index of the first bucket whose upper bound is ≥ `value` (Prometheus `le` semantics).
    private func bucketIndex(for value: Double) -> Int {
        var low = 0
        var high = upperBounds.count
        while low < high {
            let mid = (low + high) / 2
            if upperBounds[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
