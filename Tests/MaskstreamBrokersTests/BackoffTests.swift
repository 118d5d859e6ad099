import Testing
@testable import MaskstreamBrokers

/// Reconnection delays: growing, capped, jittered.
struct BackoffTests {
    @Test func growsAndIsCapped() {
        var b = Backoff(initialDelay: 0.1, maxDelay: 1)
        let delays = (0..<10).map { _ in b.next() }
        #expect(delays[0] >= 0.08 && delays[0] <= 0.12)
        #expect(delays[2] >= 0.32 && delays[2] <= 0.48)
        #expect(delays.allSatisfy { $0 <= 1 })
        #expect(delays.last! >= 0.8)
        b.reset()
        #expect(b.next() <= 0.12)
    }
}
