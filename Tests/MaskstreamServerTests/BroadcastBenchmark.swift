import Foundation
import HummingbirdWSClient
import Logging
import MaskstreamServer
import Testing

/// Throughput numbers for benchmarks/RESULTS.md; skipped unless MASKSTREAM_BENCH is set:
/// `MASKSTREAM_BENCH=1 swift test --filter BroadcastBenchmark`
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["MASKSTREAM_BENCH"] != nil))
struct BroadcastBenchmark {
    /// A frame record of about 2 KB, the size of a frame with a few RLE masks.
    private static let record = #"{"frame":0,"instances":[{"track_id":1,"segmentation":{"counts":"\#(String(repeating: "a1b2", count: 500))"}}]}"#

    @Test func publishCostPerCall() {
        let hub = BroadcastHub(capacity: 64)
        let subscriptions = (0..<4).map { _ in hub.subscribe() }
        let calls = 100_000
        let elapsed = ContinuousClock().measure {
            for _ in 0..<calls { hub.publish(Self.record) }
        }
        let ns = Double(elapsed.components.attoseconds) / 1e9 + Double(elapsed.components.seconds) * 1e9
        print("BENCH publish: 4 subscribers (full, dropping): \(Int(ns / Double(calls))) ns per publish")
        hub.finish()
        _ = subscriptions
    }

    @Test(arguments: [1, 4])
    func endToEndDelivery(clients: Int) async throws {
        let messages = 5000
        let server = LiveStreamServer(port: 0, clientBufferCapacity: messages) { "" }
        let port = try await server.start()
        let logger: Logger = {
            var logger = Logger(label: "bench")
            logger.logLevel = .critical
            return logger
        }()
        let clock = ContinuousClock()
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<clients {
                group.addTask {
                    let received = ReceivedCount()
                    try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/ws", logger: logger) { inbound, _, _ in
                        for try await _ in inbound.messages(maxSize: 1 << 20) {
                            if received.increment() == messages { return }
                        }
                    }
                    return received.value
                }
            }
            while server.clientCount < clients { try await Task.sleep(for: .milliseconds(2)) }
            let sendStart = clock.now
            for _ in 0..<messages { server.broadcast(Self.record) }
            for try await received in group { #expect(received == messages) }
            let seconds = Double((clock.now - sendStart).components.attoseconds) / 1e18 + Double((clock.now - sendStart).components.seconds)
            let total = Double(messages * clients)
            print("BENCH e2e: \(clients) client(s) x \(messages) msgs of \(Self.record.utf8.count) B: \(Int(total / seconds)) msgs/s delivered, \(String(format: "%.1f", total * Double(Self.record.utf8.count) / seconds / 1e6)) MB/s, drops \(server.droppedMessages)")
        }
        await server.shutdown()
    }
}

private final class ReceivedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() -> Int { lock.lock(); defer { lock.unlock() }; count += 1; return count }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
