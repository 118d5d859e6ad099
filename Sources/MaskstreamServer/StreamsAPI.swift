import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// One stream of a running pipeline as `GET /streams` lists it.
public struct StreamStatus: Codable, Sendable, Equatable {
    /// The stream's name (`sources[].name`, or the `name` it was added with).
    public var name: String
    /// The `source` field of its records.
    public var id: Int
    public var url: String
    /// connecting, live, reconnecting, failed or finished.
    public var state: String
    /// Records written per second since its first frame.
    public var fps: Double
    /// Records written so far.
    public var frames: Int
    /// Live frames dropped because the pipeline fell behind.
    public var drops: Int
    public var reconnects: Int
    /// The error that ended or interrupted the stream, when one did.
    public var lastError: String?

    public init(name: String, id: Int, url: String, state: String, fps: Double, frames: Int, drops: Int,
                reconnects: Int, lastError: String? = nil) {
        (self.name, self.id, self.url, self.state, self.fps) = (name, id, url, state, fps)
        (self.frames, self.drops, self.reconnects, self.lastError) = (frames, drops, reconnects, lastError)
    }

    enum CodingKeys: String, CodingKey {
        case name, id, url, state, fps, frames, drops, reconnects
        case lastError = "last_error"
    }
}

/// What the server's stream-management routes act on: the running pipeline's streams.
public protocol StreamsController: AnyObject, Sendable {
    /// Every stream, in the order they were added.
    func streams() -> [StreamStatus]
    /// Adds a stream from a `POST /streams` body (JSON: `url`, `name`, the `sources[]` keys and
    /// optional `sinks`) and returns it; throws a typed error for a bad request.
    func addStream(json: String) throws -> StreamStatus
    /// Stops one stream (its frames already read still flow through) and returns it.
    func removeStream(named name: String) throws -> StreamStatus
}

/// Who may call the stream-management routes: anyone on a loopback-only server, or holders of
/// `api_token` (an HTTP bearer token, compared in constant time).
public struct APIAccess: Sendable {
    /// The bearer token `/streams` requires; nil: no token (the server must bind loopback only).
    public var token: String?
    /// Called with one line per refused request.
    public var log: @Sendable (String) -> Void

    public init(token: String? = nil, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.token = token
        self.log = log
    }

    /// Whether `host` reaches this machine only (so the API may run without a token).
    public static func isLoopback(_ host: String) -> Bool {
        ["127.0.0.1", "::1", "localhost", "[::1]"].contains(host.lowercased()) || host.hasPrefix("127.")
    }

    /// Whether the request's `Authorization` header carries the token (always true without one).
    func allows(_ authorization: String?) -> Bool {
        guard let token else { return true }
        let prefix = "Bearer "
        guard let header = authorization, header.hasPrefix(prefix) else { return false }
        return Self.constantTimeEqual(Array(header.dropFirst(prefix.count).utf8), Array(token.utf8))
    }

    /// Compares two byte strings in time that depends on their lengths only, not on where they
    /// differ (so a wrong token's timing tells nothing about the right one).
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for i in 0..<max(a.count, b.count) {
            diff |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return diff == 0
    }
}

extension LiveStreamServer {
    /// Answers a management request (`/streams`, `/model`): refuses it (401, one log line)
    /// without the right bearer token, else runs `body`; a `MaskstreamError` becomes its HTTP
    /// status and `{"error", "code"}`.
    func guarded(_ request: Request,
                 _ body: () async throws -> (HTTPResponse.Status, Data)) async -> Response {
        guard access.allows(request.headers[.authorization]) else {
            let reason = request.headers[.authorization] == nil ? "no bearer token" : "wrong bearer token"
            access.log("server: refused \(request.method) \(request.uri.path): \(reason) (401)")
            return Self.json(.unauthorized, ["error": "missing or wrong bearer token (server.api_token)"])
        }
        do {
            let (status, data) = try await body()
            return Response(status: status, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        } catch let error as MaskstreamError {
            let status: HTTPResponse.Status = switch error.code {
            case .notFound: .notFound
            case .config, .invalidInput, .unsupported, .malformedModel: .badRequest
            case .cancelled: .serviceUnavailable
            default: .internalServerError
            }
            return Self.json(status, ["error": error.message, "code": error.code.name])
        } catch {
            return Self.json(.internalServerError, ["error": "\(error)"])
        }
    }

    /// `GET /streams`, `POST /streams`, `DELETE /streams/{name}` on `router`, answered by the
    /// controller registered with ``setStreamsController(_:)`` (503 before one is).
    func addStreamRoutes(to router: Router<BasicWebSocketRequestContext>) {
        let controller: @Sendable () -> (any StreamsController)? = { [weak self] in self?.streamsController }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        @Sendable func streams() throws -> any StreamsController {
            guard let streams = controller() else {
                throw MaskstreamError(.cancelled, "the pipeline is not running streams yet (or any more)")
            }
            return streams
        }
        router.get("/streams") { [self] request, _ in
            await guarded(request) { (.ok, try encoder.encode(["streams": try streams().streams()])) }
        }
        router.post("/streams") { [self] request, _ in
            await guarded(request) {
                let text = String(buffer: try await request.body.collect(upTo: 1 << 20))
                return (.created, try encoder.encode(try streams().addStream(json: text)))
            }
        }
        router.delete("/streams/:name") { [self] request, context in
            await guarded(request) {
                let name = context.parameters.get("name") ?? ""
                return (.ok, try encoder.encode(try streams().removeStream(named: name)))
            }
        }
    }

    static func json(_ status: HTTPResponse.Status, _ object: [String: String]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
