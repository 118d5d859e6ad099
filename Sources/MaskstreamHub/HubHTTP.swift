import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP exchange with the hub: status, headers (names lowercased) and, for a response
/// that was not written to a file, its body (the first 64 KiB: error pages).
struct HubResponse: Sendable {
    var status: Int
    var headers: [String: String]
    var url: URL
    var body: Data

    subscript(_ name: String) -> String? { headers[name.lowercased()] }
}

/// The hub's HTTP requests over URLSession (FoundationNetworking, libcurl): `HEAD` without
/// following a redirect to another host (the metadata is on the hub's own answer), and
/// `GET` into a file, resumed at an offset with `Range`, following redirects to the CDN.
///
/// The token goes to the endpoint's host only: a redirect to another host (the CDN's signed
/// URL) is followed without `Authorization`.
struct HubHTTP: Sendable {
    let settings: HubSettings
    /// Seconds without a byte before a request fails (an idle timeout, not a total one).
    var idleTimeout: TimeInterval = 30

    private var endpointHost: String? { URL(string: settings.endpoint)?.host }

    private func request(_ url: URL, method: String, range: Int64? = nil) -> URLRequest {
        var r = URLRequest(url: url)
        r.httpMethod = method
        r.timeoutInterval = idleTimeout
        r.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        r.setValue("maskstream; hf_hub-compatible", forHTTPHeaderField: "User-Agent")
        if let token = settings.token, url.host == endpointHost {
            r.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        if let range { r.setValue("bytes=\(range)-", forHTTPHeaderField: "Range") }
        return r
    }

    /// `HEAD url`, following relative redirects (a renamed repo) but not absolute ones (the
    /// CDN), as huggingface_hub does: the metadata is on the hub's own answer.
    func head(_ url: URL) async throws -> HubResponse {
        var current = url
        for _ in 0..<10 {
            let response = try await perform(request(current, method: "HEAD"), sink: nil, followRedirects: false)
            guard (300...399).contains(response.status), let location = response["location"],
                  URL(string: location)?.host == nil,
                  let next = URL(string: location, relativeTo: current)?.absoluteURL else { return response }
            current = next
        }
        throw MaskstreamError(.network, "too many redirects for \(url.absoluteString): check HF_ENDPOINT")
    }

    /// `GET url` into `file`: from `offset` with `Range` when `offset > 0` (a `206` appends at
    /// `offset`, a `200` rewrites the file from its start). `progress` gets the file's size
    /// after each chunk. Non-2xx answers leave the file as it was.
    func get(_ url: URL, into file: URL, offset: Int64, progress: @escaping @Sendable (Int64) -> Void)
        async throws -> HubResponse
    {
        let sink = FileSink(file: file, offset: offset, progress: progress)
        return try await perform(request(url, method: "GET", range: offset > 0 ? offset : nil), sink: sink,
                                 followRedirects: true)
    }

    private func perform(_ request: URLRequest, sink: FileSink?, followRedirects: Bool) async throws -> HubResponse {
        let delegate = Transfer(sink: sink, followRedirects: followRedirects, endpointHost: endpointHost)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = idleTimeout
        configuration.timeoutIntervalForResource = 7 * 24 * 3600
        configuration.urlCache = nil
        let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let task = session.dataTask(with: request)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                delegate.start(continuation)
                task.resume()
            }
        } onCancel: {
            task.cancel()
        }
    }
}

/// Where a `GET`'s body goes: a file, appended at `offset` (`206`) or rewritten (`200`).
final class FileSink: @unchecked Sendable {
    let file: URL
    let offset: Int64
    let progress: @Sendable (Int64) -> Void
    /// Touched only from the session's delegate queue (serial).
    private var handle: FileHandle?
    private(set) var size: Int64 = 0

    init(file: URL, offset: Int64, progress: @escaping @Sendable (Int64) -> Void) {
        self.file = file
        self.offset = offset
        self.progress = progress
    }

    /// Opens the file for a `200` (from byte 0) or a `206` starting at `start`.
    func open(status: Int, start: Int64) throws {
        if !FileManager.default.fileExists(atPath: file.path) {
            guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
                throw MaskstreamError(.io, "cannot create '\(file.path)': check that the hub cache is writable")
            }
        }
        let h = try FileHandle(forWritingTo: file)
        let from: Int64 = status == 206 ? start : 0
        try h.truncate(atOffset: UInt64(from))
        try h.seek(toOffset: UInt64(from))
        handle = h
        size = from
    }

    func write(_ data: Data) throws {
        guard let handle else { return }
        try handle.write(contentsOf: data)
        size += Int64(data.count)
        progress(size)
    }

    func close() {
        try? handle?.close()
        handle = nil
    }

    var isOpen: Bool { handle != nil }
}

/// One request's URLSession delegate: collects the response, streams a 2xx body into the
/// sink, and resumes the caller once the task completes.
private final class Transfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private struct State {
        var continuation: CheckedContinuation<HubResponse, any Error>?
        var response: HTTPURLResponse?
        var body = Data()
        var failure: (any Error & Sendable)?
    }

    private let sink: FileSink?
    private let followRedirects: Bool
    private let endpointHost: String?
    private let state = Locked(State())

    init(sink: FileSink?, followRedirects: Bool, endpointHost: String?) {
        self.sink = sink
        self.followRedirects = followRedirects
        self.endpointHost = endpointHost
    }

    func start(_ continuation: CheckedContinuation<HubResponse, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        guard followRedirects else { return completionHandler(nil) }
        var next = request
        if next.url?.host != endpointHost { next.setValue(nil, forHTTPHeaderField: "Authorization") }
        completionHandler(next)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        guard let http = response as? HTTPURLResponse else { return completionHandler(.cancel) }
        state.withLock { $0.response = http }
        if let sink, http.statusCode == 200 || http.statusCode == 206 {
            do {
                if http.statusCode == 206 {
                    // `Content-Range: bytes <start>-<end>/<total>` must start where the file ends.
                    let range = http.value(forHTTPHeaderField: "Content-Range") ?? ""
                    let start = range.split(separator: " ").last?.split(separator: "-").first.flatMap { Int64($0) }
                    guard start == sink.offset else {
                        throw MaskstreamError(.network, "the server answered a resume from byte \(sink.offset) with "
                                              + "Content-Range '\(range)'")
                    }
                }
                try sink.open(status: http.statusCode, start: sink.offset)
            } catch {
                state.withLock { $0.failure = error as? MaskstreamError ?? MaskstreamError(.io, "\(error)") }
                return completionHandler(.cancel)
            }
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        if let sink, sink.isOpen {
            do { try sink.write(data) } catch {
                state.withLock { $0.failure = MaskstreamError(.io, "writing '\(sink.file.path)' failed: \(error)") }
                dataTask.cancel()
            }
            return
        }
        state.withLock { if $0.body.count < 65_536 { $0.body.append(data.prefix(65_536 - $0.body.count)) } }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        sink?.close()
        let (continuation, result): (CheckedContinuation<HubResponse, any Error>?, Result<HubResponse, any Error>) =
            state.withLock { s in
                defer { s.continuation = nil }
                if let failure = s.failure { return (s.continuation, .failure(failure)) }
                if let error { return (s.continuation, .failure(error)) }
                guard let r = s.response else {
                    return (s.continuation, .failure(MaskstreamError(.network, "no HTTP response")))
                }
                var headers: [String: String] = [:]
                for (k, v) in r.allHeaderFields {
                    if let k = k as? String, let v = v as? String { headers[k.lowercased()] = v }
                }
                return (s.continuation, .success(HubResponse(status: r.statusCode, headers: headers,
                                                             url: r.url ?? task.originalRequest!.url!, body: s.body)))
            }
        continuation?.resume(with: result)
    }
}
