import Foundation
import MaskstreamTestSupport

/// scripts/hub_test_server.py on 127.0.0.1 (port 0), serving model folders in the hub's URL
/// layout; started and killed by a test. `requests` reads its request log.
final class HubTestServer: @unchecked Sendable {
    struct Request: Decodable {
        var method: String
        var path: String
        var range: String?
        var authorization: String?
    }

    struct Options {
        var dropOnce: String?
        var corrupt: String?
        var token: String?
    }

    private(set) var port = 0
    private var process: Process?
    let logFile: URL

    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Serves `repos` (`org/name` → (folder, commit)).
    init(repos: [String: (folder: URL, commit: String)], options: Options = Options(), logIn folder: URL) throws {
        logFile = folder.appending(path: "hub-requests-\(UUID().uuidString.prefix(8)).jsonl")
        var args = ["--port", "0", "--log", logFile.path]
        for (id, repo) in repos.sorted(by: { $0.key < $1.key }) {
            args += ["--repo", "\(id)=\(repo.folder.path)@\(repo.commit)"]
        }
        if let f = options.dropOnce { args += ["--drop-once", f] }
        if let f = options.corrupt { args += ["--corrupt", f] }
        if let t = options.token { args += ["--token", t] }
        let (p, ready) = try TestMedia.startServerScript("hub_test_server.py", args)
        process = p
        guard ready.hasPrefix("READY "), let port = Int(ready.dropFirst(6)) else {
            stop()
            throw TestFailure("hub test server did not give its port: \(ready)")
        }
        self.port = port
    }

    /// Every request so far, in order.
    var requests: [Request] {
        get throws {
            let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
            return try text.split(separator: "\n").map { try JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
        }
    }

    func stop() {
        if let p = process, p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        process = nil
    }

    deinit { stop() }
}
