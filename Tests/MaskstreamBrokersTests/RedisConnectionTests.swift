import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamBrokers

/// hiredis behind our wrapper, against a real redis-server on a free loopback port.
@Suite(.serialized, .timeLimit(.minutes(3))) struct RedisConnectionTests {
    @Test func pipelinesCommandsAndCopiesReplies() throws {
        let server = try RedisTestServer()
        try server.start()
        let redis = try RedisConnection(url: BrokerURL(server.url, scheme: .redis))
        let replies = try redis.pipeline([["SET", "k", "v é"], ["GET", "k"], ["INCR", "n"], ["GET", "missing"],
                                          ["HSET", "k", "f", "x"]])
        #expect(replies[0] == .status("OK"))
        #expect(replies[1] == .string("v é"), "binary-safe UTF-8 round trip")
        #expect(replies[2] == .integer(1))
        #expect(replies[3] == .null)
        guard case .error(let e) = replies[4] else { Issue.record("WRONGTYPE expected"); return }
        #expect(e.hasPrefix("WRONGTYPE"))
        #expect(throws: MaskstreamError.self) { try redis.checked(["HSET", "k", "f", "x"]) }
        let id = try redis.checked(["XADD", "s", "*", "record", "{\"frame\":0}"]).string
        #expect(id?.contains("-") == true)
        let range = try redis.command(["XRANGE", "s", "-", "+"])
        #expect(range.elements.first?.elements.last == .array([.string("record"), .string("{\"frame\":0}")]))
    }

    @Test func unreachableServerIsANetworkErrorNamingTheCall() throws {
        let port = TestMedia.freePort()
        #expect {
            try RedisConnection(url: BrokerURL("redis://127.0.0.1:\(port)", scheme: .redis), timeout: 1)
        } throws: { error in
            let e = error as? MaskstreamError
            return e?.code == .network && e?.message.contains("redisConnectWithTimeout") == true
        }
    }

    /// The server dies under an open connection: the next command fails with `.network`
    /// (no crash, no hang: the socket has a timeout).
    @Test func deadServerFailsTheNextCommand() throws {
        let server = try RedisTestServer()
        try server.start()
        let redis = try RedisConnection(url: BrokerURL(server.url, scheme: .redis), timeout: 1)
        #expect(try redis.command(["PING"]) == .status("PONG"))
        server.stop()
        #expect {
            try redis.command(["PING"])
        } throws: { error in
            (error as? MaskstreamError)?.code == .network
        }
    }
}
