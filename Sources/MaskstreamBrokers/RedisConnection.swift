import CHiredis
import Foundation

/// A blocking connection to one Redis server (hiredis's `redisContext`): commands as argument
/// lists, sent one at a time or pipelined. Not thread-safe: one thread uses it at a time.
///
/// ```swift
/// let redis = try RedisConnection(url: BrokerURL("redis://127.0.0.1:6379", scheme: .redis))
/// let id = try redis.command(["XADD", "maskstream:cam", "*", "record", json]).string
/// ```
/// Every failure is a `MaskstreamError` naming the hiredis call: `.network` when the server
/// cannot be reached or the connection dies (the connection is then unusable: make a new one),
/// `.invalidInput` for an error reply the caller asked to be thrown.
public final class RedisConnection {
    public let url: BrokerURL
    private let context: UnsafeMutablePointer<redisContext>

    /// Connects, authenticates and selects the database; `timeout` bounds the connect and
    /// every later read or write (a hung server fails with `.network` instead of blocking).
    public init(url: BrokerURL, timeout: Double = 2) throws {
        self.url = url
        guard let c = redisConnectWithTimeout(url.host, Int32(url.port), CHiredis_timeval(timeout)) else {
            throw MaskstreamError(.network, "redisConnectWithTimeout to \(url) failed: out of memory")
        }
        context = c  // from here on a throw runs deinit, which frees it
        if c.pointee.err != 0 {
            let why = Self.errorText(c)
            throw MaskstreamError(.network, "redisConnectWithTimeout to \(url) failed: \(why): "
                + "check that Redis runs there (redis-cli -h \(url.host) -p \(url.port) ping)")
        }
        guard redisSetTimeout(c, CHiredis_timeval(timeout)) == CHiredis_REDIS_OK() else {
            let why = Self.errorText(c)
            throw MaskstreamError(.network, "redisSetTimeout on \(url) failed: \(why)")
        }
        _ = redisEnableKeepAlive(c)
        if let password = url.password {
            let args = url.user.map { ["AUTH", $0, password] } ?? ["AUTH", password]
            if case .error(let e) = try command(args) {
                throw MaskstreamError(.network, "AUTH on \(url) failed: \(e): check the address's password")
            }
        }
        if url.database != 0, case .error(let e) = try command(["SELECT", String(url.database)]) {
            throw MaskstreamError(.network, "SELECT \(url.database) on \(url) failed: \(e)")
        }
    }

    deinit { redisFree(context) }

    /// Runs one command and returns its reply (an error reply is returned, not thrown).
    @discardableResult
    public func command(_ arguments: [String]) throws -> RedisReply {
        try pipeline([arguments])[0]
    }

    /// Runs one command; an error reply is thrown as `.invalidInput` naming the command.
    @discardableResult
    public func checked(_ arguments: [String]) throws -> RedisReply {
        let reply = try command(arguments)
        if case .error(let e) = reply {
            throw MaskstreamError(.invalidInput, "Redis \(arguments.first ?? "") on \(url) failed: \(e)")
        }
        return reply
    }

    /// Sends every command before reading any reply (one round trip for all), and returns the
    /// replies in order.
    /// - Complexity: O(total bytes); one network round trip.
    public func pipeline(_ commands: [[String]]) throws -> [RedisReply] {
        for args in commands { try append(args) }
        return try (0..<commands.count).map { _ in try nextReply() }
    }

    private func append(_ arguments: [String]) throws {
        // One buffer for every argument (binary-safe: hiredis takes the lengths).
        var buffer: [CChar] = []
        var offsets: [Int] = []
        var lengths: [Int] = []
        for a in arguments {
            offsets.append(buffer.count)
            lengths.append(a.utf8.count)
            buffer.append(contentsOf: a.utf8.map { CChar(bitPattern: $0) })
        }
        buffer.append(0)
        let status: Int32 = buffer.withUnsafeBufferPointer { chars in
            let base = chars.baseAddress!
            var pointers: [UnsafePointer<CChar>?] = offsets.map { base + $0 }
            return redisAppendCommandArgv(context, Int32(pointers.count), &pointers, lengths)
        }
        guard status == CHiredis_REDIS_OK() else {
            throw MaskstreamError(.network, "redisAppendCommandArgv on \(url) failed: \(Self.errorText(context))")
        }
    }

    private func nextReply() throws -> RedisReply {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == CHiredis_REDIS_OK(), let raw else {
            throw MaskstreamError(.network, "redisGetReply on \(url) failed: \(Self.errorText(context))")
        }
        defer { freeReplyObject(raw) }
        return RedisReply(raw.assumingMemoryBound(to: redisReply.self))
    }

    private static func errorText(_ c: UnsafeMutablePointer<redisContext>) -> String {
        let text = withUnsafeBytes(of: c.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return text.isEmpty ? "connection closed" : text
    }
}
