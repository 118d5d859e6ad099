import Foundation
import Testing
@testable import MaskstreamCore

@Suite struct BoundedQueueTests {
    @Test func dropOldestKeepsTheNewestAndCounts() throws {
        let q = BoundedQueue<Int>(capacity: 3, policy: .dropOldest)
        for i in 0..<10 { q.push(i) }
        #expect(q.dropped == 7)
        #expect(try q.pop() == 7)
        #expect(try q.pop() == 8)
        #expect(try q.pop() == 9)
        q.close()
        #expect(try q.pop() == nil)
    }

    @Test func blockMakesTheProducerWaitAndLosesNothing() throws {
        let q = BoundedQueue<Int>(capacity: 2, policy: .block)
        let producer = Thread { for i in 0..<1000 { q.push(i) }; q.close() }
        producer.start()
        var got: [Int] = []
        while let v = try q.pop() {
            got.append(v)
            #expect(q.count <= 2)
        }
        #expect(got == Array(0..<1000))
        #expect(q.dropped == 0)
    }

    @Test func closeWithErrorThrowsAfterDraining() throws {
        let q = BoundedQueue<Int>(capacity: 2, policy: .dropOldest)
        q.push(1)
        q.close(error: MaskstreamError(.network, "gone"))
        #expect(q.push(2) == false)
        #expect(try q.pop() == 1)
        #expect(throws: MaskstreamError.self) { try q.pop() }
    }

    @Test func closeReleasesABlockedProducer() throws {
        let q = BoundedQueue<Int>(capacity: 1, policy: .block)
        q.push(0)
        let done = NSCondition()
        nonisolated(unsafe) var result: Bool?
        let t = Thread { let r = q.push(1); done.lock(); result = r; done.signal(); done.unlock() }
        t.start()
        Thread.sleep(forTimeInterval: 0.05)
        q.close()
        done.lock()
        while result == nil { _ = done.wait(until: Date().addingTimeInterval(5)) }
        done.unlock()
        #expect(result == false)
    }
}
