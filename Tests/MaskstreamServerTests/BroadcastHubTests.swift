import MaskstreamServer
import Testing

@Suite struct BroadcastHubTests {
    /// Drains everything a subscription has buffered (the hub must be finished first).
    private func drain(_ subscription: BroadcastHub.Subscription) async -> [String] {
        var out: [String] = []
        for await text in subscription.messages { out.append(text) }
        return out
    }

    @Test(arguments: [
        // (capacity, published, expected kept (newest), expected dropped)
        (4, 0, 0, 0),
        (4, 3, 3, 0),
        (4, 4, 4, 0),
        (4, 10, 4, 6),
        (1, 5, 1, 4),
        (0, 5, 1, 4),  // capacity below 1 is raised to 1
    ])
    func dropsOldestWhenFull(capacity: Int, published: Int, kept: Int, dropped: Int) async {
        let hub = BroadcastHub(capacity: capacity)
        let subscription = hub.subscribe()
        for i in 0..<published { hub.publish("m\(i)") }
        #expect(hub.droppedMessages == dropped)
        #expect(hub.stats == [.init(id: subscription.id, enqueued: published, dropped: dropped)])
        hub.finish()
        let received = await drain(subscription)
        #expect(received == (published - kept..<published).map { "m\($0)" })
    }

    @Test func fansOutToEverySubscriberIndependently() async {
        let hub = BroadcastHub(capacity: 3)
        let a = hub.subscribe()
        hub.publish("x0")
        let b = hub.subscribe()  // only sees what is published after it joined
        for i in 1...4 { hub.publish("x\(i)") }
        #expect(hub.subscriberCount == 2)
        // a: x0…x4 into 3 slots → drops x0, x1; b: x1…x4 → drops x1.
        #expect(hub.stats.map(\.dropped) == [2, 1])
        #expect(hub.droppedMessages == 3)
        hub.finish()
        #expect(await drain(a) == ["x2", "x3", "x4"])
        #expect(await drain(b) == ["x2", "x3", "x4"])
        #expect(hub.subscriberCount == 0)
    }

    @Test func unsubscribeEndsTheStreamAndKeepsTheDropTotal() async {
        let hub = BroadcastHub(capacity: 1)
        let a = hub.subscribe()
        hub.publish("1")
        hub.publish("2")
        hub.unsubscribe(a.id)
        hub.unsubscribe(12345)  // unknown ids are ignored
        #expect(hub.subscriberCount == 0)
        #expect(hub.droppedMessages == 1)
        #expect(await drain(a) == ["2"])
        hub.publish("3")  // no subscribers: nothing to drop
        #expect(hub.droppedMessages == 1)
    }

    @Test func subscribeAfterFinishGetsAnEndedStream() async {
        let hub = BroadcastHub(capacity: 8)
        hub.finish()
        let late = hub.subscribe()
        hub.publish("ignored")
        #expect(hub.subscriberCount == 0)
        #expect(await drain(late).isEmpty)
    }

    @Test func cancelledConsumerIsRemoved() async throws {
        let hub = BroadcastHub(capacity: 8)
        let subscription = hub.subscribe()
        let consumer = Task { for await _ in subscription.messages {} }
        consumer.cancel()
        await consumer.value
        #expect(hub.subscriberCount == 0)
    }

    @Test func concurrentPublishersAreCountedExactly() async {
        let hub = BroadcastHub(capacity: 10)
        let subscription = hub.subscribe()
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<4 {
                group.addTask { for i in 0..<250 { hub.publish("\(t)-\(i)") } }
            }
        }
        #expect(hub.stats.first?.enqueued == 1000)
        #expect(hub.droppedMessages == 990)
        hub.finish()
        #expect(await drain(subscription).count == 10)
    }
}
