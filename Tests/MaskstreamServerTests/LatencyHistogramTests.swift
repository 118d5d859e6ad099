import MaskstreamServer
import Testing

@Suite struct LatencyHistogramTests {
    @Test(arguments: [
        // Prometheus `le`: a value equal to a bound counts in that bucket.
        ([0.5], [1, 1, 1]),
        ([1.0], [0, 1, 1]),
        ([1.5], [0, 0, 1]),
        ([2.0], [0, 0, 1]),
        ([2.5], [0, 0, 0]),
        ([-3.0], [1, 1, 1]),
        ([0.1, 1.0, 1.9, 3.0, 100.0], [1, 2, 3]),
    ])
    func cumulativeBuckets(values: [Double], cumulative: [UInt64]) {
        let histogram = LatencyHistogram(buckets: [1, 0.5, 2, .infinity, 1, .nan])
        for v in values { histogram.observe(v) }
        let snapshot = histogram.snapshot()
        #expect(snapshot.upperBounds == [0.5, 1, 2])
        #expect(snapshot.cumulativeCounts == cumulative)
        #expect(snapshot.count == UInt64(values.count))
        #expect(snapshot.sum == values.reduce(0, +))
    }

    @Test func nanIsIgnoredAndDurationsAreSeconds() {
        let histogram = LatencyHistogram()
        histogram.observe(.nan)
        histogram.observe(Duration.milliseconds(3))
        histogram.observe(Duration.seconds(20))
        let snapshot = histogram.snapshot()
        #expect(snapshot.count == 2)
        #expect(abs(snapshot.sum - 20.003) < 1e-12)
        let index = try! #require(snapshot.upperBounds.firstIndex(of: 0.005))
        #expect(snapshot.cumulativeCounts[index] == 1)
        #expect(snapshot.cumulativeCounts.last == 1)  // 20 s lands only in +Inf
        #expect(snapshot.upperBounds == LatencyHistogram.defaultBuckets)
    }

    @Test func concurrentObservationsAreAllCounted() async {
        let histogram = LatencyHistogram(buckets: [0.01, 0.1])
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { for i in 0..<1000 { histogram.observe(i.isMultiple(of: 2) ? 0.005 : 0.05) } }
            }
        }
        let snapshot = histogram.snapshot()
        #expect(snapshot.cumulativeCounts == [4000, 8000])
        #expect(snapshot.count == 8000)
        #expect(abs(snapshot.sum - (4000 * 0.005 + 4000 * 0.05)) < 1e-6)
    }
}
