import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HummingbirdWSClient
import Logging
import ServiceLifecycle
import MaskstreamServer
import Prometheus
import Testing

/// Messages one test client has received, readable while it is still connected.
private actor Inbox {
    private(set) var messages: [String] = []
    func append(_ text: String) { messages.append(text) }
    var count: Int { messages.count }
}

private struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Polls `condition` every few milliseconds until it holds or `seconds` pass.
private func waitUntil(
    _ what: String, seconds: Double = 60, _ condition: @Sendable () async -> Bool
) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while !(await condition()) {
        guard ContinuousClock.now < deadline else { throw TimedOut(what: what) }
        try await Task.sleep(for: .milliseconds(5))
    }
}

private let clientLogger: Logger = {
    var logger = Logger(label: "maskstream.test.client")
    logger.logLevel = .critical
    return logger
}()

/// Connects to `/ws` and appends every text message to `inbox` until `count` arrived
/// (or, with nil, until the server closes the connection).
private func receive(port: Int, into inbox: Inbox, count: Int?) async throws {
    try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/ws", logger: clientLogger) { inbound, _, _ in
        for try await message in inbound.messages(maxSize: 1 << 24) {
            if case .text(let text) = message { await inbox.append(text) }
            if let count, await inbox.count >= count { return }
        }
    }
}

/// Connects to `/ws` and reads nothing for `seconds` (data piles up in the socket),
/// then drains until the server closes the connection.
private func stall(port: Int, seconds: Int = 60) async throws {
    try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/ws", logger: clientLogger) { inbound, _, _ in
        try await Task.sleep(for: .seconds(seconds))
        for try await _ in inbound {}
    }
}

private func httpGet(port: Int, path: String) async throws -> (status: Int, contentType: String?, body: String) {
    let url = try #require(URL(string: "http://127.0.0.1:\(port)\(path)"))
    let (data, response) = try await URLSession.shared.data(from: url)
    let http = try #require(response as? HTTPURLResponse)
    return (http.statusCode, http.value(forHTTPHeaderField: "Content-Type"), String(decoding: data, as: UTF8.self))
}

/// Thread-safe scrape counter for the metrics closure.
private final class ScrapeCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value }
}

@Suite struct LiveStreamServerTests {
    @Test func clientReceivesBroadcastsInOrder() async throws {
        let server = LiveStreamServer(port: 0) { "" }
        let port = try await server.start()
        #expect(port > 0)
        #expect(server.boundPort == port)
        let inbox = Inbox()
        let sent = (0..<50).map { #"{"frame_index":\#($0),"instances":[]}"# }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await receive(port: port, into: inbox, count: sent.count) }
            try await waitUntil("client to connect") { server.clientCount == 1 }
            for text in sent { server.broadcast(text) }
            try await group.waitForAll()
        }
        #expect(await inbox.messages == sent)
        #expect(server.droppedMessages == 0)
        try await waitUntil("client to be removed after it closed") { server.clientCount == 0 }
        await server.shutdown()
        #expect(server.boundPort == nil)
    }

    @Test func everyClientReceivesEveryMessage() async throws {
        let server = LiveStreamServer(port: 0) { "" }
        let port = try await server.start()
        let inboxes = [Inbox(), Inbox()]
        // A message above the 16 KiB frame size arrives whole (fragmented and reassembled).
        let sent = ["first", String(repeating: "r", count: 100_000), "last"]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for inbox in inboxes {
                group.addTask { try await receive(port: port, into: inbox, count: sent.count) }
            }
            try await waitUntil("two clients to connect") { server.clientCount == 2 }
            for text in sent { server.broadcast(text) }
            try await group.waitForAll()
        }
        for inbox in inboxes { #expect(await inbox.messages == sent) }
        await server.shutdown()
    }

    @Test func stalledClientDropsOldestWithoutHoldingBackOthers() async throws {
        let server = LiveStreamServer(port: 0, clientBufferCapacity: 4) { "" }
        let port = try await server.start()
        let fast = Inbox()
        // 1 MiB records: more than the socket buffers of the stalled connection can absorb.
        let padding = String(repeating: "x", count: 1 << 20)
        let total = 40
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await stall(port: port) }
            try await waitUntil("stalled client to connect") { server.clientCount == 1 }
            group.addTask { try await receive(port: port, into: fast, count: nil) }
            try await waitUntil("fast client to connect") { server.clientCount == 2 }
            let clock = ContinuousClock()
            var slowestBroadcast = Duration.zero
            for i in 0..<total {
                let elapsed = clock.measure { server.broadcast("\(i) \(padding)") }
                slowestBroadcast = max(slowestBroadcast, elapsed)
                // Paced so the fast client never falls behind: everything it misses is a bug.
                try await waitUntil("fast client to get message \(i)", seconds: 20) { await fast.count > i }
            }
            #expect(slowestBroadcast < .milliseconds(100))
            let stats = server.clientStats
            #expect(stats.count == 2)
            let stalled = try #require(stats.first)  // connected first: the lower id
            #expect(stalled.enqueued == total)
            #expect(stalled.dropped > 0)
            #expect(stats.last?.dropped == 0)
            #expect(server.droppedMessages == stalled.dropped)
            group.cancelAll()
        }
        let indices = await fast.messages.map { $0.prefix { $0 != " " } }
        #expect(indices == (0..<total).map { Substring(String($0)) })
        await server.shutdown()
    }

    @Test func metricsServesTheClosureTextAsPrometheus() async throws {
        let scrapes = ScrapeCounter()
        let registry = PrometheusCollectorRegistry()
        let counter = registry.makeCounter(descriptor: MetricNameDescriptor(
            metricName: "maskstream_scrapes_total", unitName: "", helpText: "Scrapes."))
        let server = LiveStreamServer(port: 0) {
            counter.increment(by: Int64(scrapes.next()) - 1)
            return registry.emitToString()
        }
        let port = try await server.start()
        for scrape in 1...2 {
            let response = try await httpGet(port: port, path: "/metrics")
            #expect(response.status == 200)
            #expect(response.contentType?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(response.body == """
                # HELP maskstream_scrapes_total Scrapes.
                # TYPE maskstream_scrapes_total counter
                maskstream_scrapes_total \(scrape * (scrape - 1) / 2)

                """)
        }
        let health = try await httpGet(port: port, path: "/healthz")
        #expect(health.status == 200)
        #expect(health.body == "ok")
        #expect(try await httpGet(port: port, path: "/nope").status == 404)
        // A plain GET of /ws (no upgrade headers) is an HTTP error, not a crash or a hang.
        let plain = try await httpGet(port: port, path: "/ws").status
        #expect((400..<500).contains(plain))
        #expect(server.clientCount == 0)
        await server.shutdown()
    }

    @Test func bindingAPortInUseThrowsANetworkError() async throws {
        let first = LiveStreamServer(port: 0) { "" }
        let port = try await first.start()
        let second = LiveStreamServer(port: port) { "" }
        let error = await #expect(throws: MaskstreamError.self) { try await second.start() }
        #expect(error?.code == .network)
        #expect(error?.message.contains("\(port)") == true)
        #expect(error?.message.contains("already in use") == true)
        #expect(second.boundPort == nil)
        // The first server is unaffected.
        #expect(try await httpGet(port: port, path: "/healthz").body == "ok")
        await second.shutdown()
        await first.shutdown()
    }

    @Test(arguments: [
        ("127.0.0.1", -1),
        ("127.0.0.1", 65536),
        ("", 0),
    ])
    func invalidAddressIsAConfigError(host: String, port: Int) async throws {
        let server = LiveStreamServer(host: host, port: port) { "" }
        let error = await #expect(throws: MaskstreamError.self) { try await server.start() }
        #expect(error?.code == .config)
    }

    @Test func nonLocalAddressIsANetworkError() async throws {
        // 192.0.2.1 (TEST-NET-1, RFC 5737) is never assigned to a local interface.
        let server = LiveStreamServer(host: "192.0.2.1", port: 0, access: APIAccess(token: "0123456789abcdef")) { "" }
        let error = await #expect(throws: MaskstreamError.self) { try await server.start() }
        #expect(error?.code == .network)
        #expect(error?.message.contains("192.0.2.1") == true)
    }

    /// Beyond loopback the stream API needs a token: without one the server refuses to start.
    @Test func nonLoopbackWithoutTokenIsAConfigError() async throws {
        let server = LiveStreamServer(host: "0.0.0.0", port: 0) { "" }
        let error = await #expect(throws: MaskstreamError.self) { try await server.start() }
        #expect(error?.code == .config)
        #expect(error?.message.contains("api_token") == true)
    }

    @Test func startTwiceIsAConfigError() async throws {
        let server = LiveStreamServer(port: 0) { "" }
        _ = try await server.start()
        let error = await #expect(throws: MaskstreamError.self) { try await server.start() }
        #expect(error?.code == .config)
        await server.shutdown()
    }

    @Test func shutdownWithConnectedClientsIsBounded() async throws {
        let server = LiveStreamServer(port: 0, clientBufferCapacity: 2, shutdownGrace: .milliseconds(500)) { "" }
        let port = try await server.start()
        let reader = Inbox()
        let padding = String(repeating: "y", count: 1 << 20)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await receive(port: port, into: reader, count: nil) }
            group.addTask { try? await stall(port: port, seconds: 1) }
            try await waitUntil("two clients to connect") { server.clientCount == 2 }
            // Fill the stalled client's socket so it cannot take a close frame either.
            for i in 0..<24 { server.broadcast("\(i) \(padding)") }
            let clock = ContinuousClock()
            let elapsed = await clock.measure { await server.shutdown() }
            // Grace is 2 s; the bound leaves room for a loaded CI machine while still catching a hang.
            #expect(elapsed < .seconds(12))
            // Both client connections end once the server is gone.
            let clientsDone = try await clock.measure { try await group.waitForAll() }
            #expect(clientsDone < .seconds(20))
        }
        #expect(server.clientCount == 0)
        // The listener is closed: new connections are refused.
        await #expect(throws: (any Error).self) { _ = try await httpGet(port: port, path: "/healthz") }
    }

    @Test func shutdownRacingStartLeavesNothingListening() async throws {
        for _ in 0..<5 {
            let server = LiveStreamServer(port: 0) { "" }
            async let started: Int? = {
                do { return try await server.start() } catch let error as MaskstreamError {
                    #expect(error.code == .cancelled || error.code == .config)
                    return nil
                }
            }()
            await server.shutdown()
            if let port = try await started {
                // start() won the race: the shutdown may have come before it finished, so stop again.
                await server.shutdown()
                await #expect(throws: (any Error).self) { _ = try await httpGet(port: port, path: "/healthz") }
            }
            #expect(server.boundPort == nil)
            let error = await #expect(throws: MaskstreamError.self) { try await server.start() }
            #expect(error?.code == .config)
        }
    }

    @Test func shutdownWithoutStartReturns() async {
        let server = LiveStreamServer(port: 0) { "" }
        await server.shutdown()
        server.broadcast("nobody listens")
        #expect(server.clientCount == 0)
    }
}

@Suite struct LiveStreamServerServiceTests {
    @Test func runsInAServiceGroupUntilGracefulShutdown() async throws {
        let server = LiveStreamServer(port: 0) { "" }
        let logger = Logger(label: "maskstream.test.group")
        let group = ServiceGroup(configuration: .init(services: [server], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await waitUntil("server to listen") { server.boundPort != nil }
            let port = try #require(server.boundPort)
            #expect(try await httpGet(port: port, path: "/healthz").body == "ok")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(server.boundPort == nil)
    }

    @Test func runRethrowsBindErrors() async throws {
        let first = LiveStreamServer(port: 0) { "" }
        let port = try await first.start()
        let second = LiveStreamServer(port: port) { "" }
        let error = await #expect(throws: MaskstreamError.self) { try await second.run() }
        #expect(error?.code == .network)
        await first.shutdown()
    }
}
