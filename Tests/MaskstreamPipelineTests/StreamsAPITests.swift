import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamPipeline
@testable import MaskstreamServer

/// Streams added and removed at runtime through the pipeline's `/streams` API (real pipeline,
/// real server, curl as the client).
@Suite(.serialized) struct StreamsAPITests {
    static let root = TestMedia.repositoryRoot
    static let sample = root.appending(path: "examples/sample.mp4").path()

    func config(out: URL, token: String? = nil) throws -> PipelineConfig {
        try PipelineConfig.parse(yaml: """
        sources:
          - { url: \(Self.sample), name: a, max_frames: 60 }
          - { url: \(Self.sample), name: b, max_frames: 40 }
        model: { path: \(Self.root.appending(path: "models/default").path()) }
        tracker: {}
        server: { port: 0, keep_running: true\(token.map { ", api_token: \($0)" } ?? "") }
        sinks:
          - { type: jsonl, path: \(out.appending(path: "all.jsonl").path()) }
        """)
    }

    /// curl's status code and body.
    static func curl(_ method: String, _ port: Int, _ path: String, body: String? = nil,
                     token: String? = nil) throws -> (status: Int, body: String) {
        var args = ["-s", "-X", method, "-w", "\n%{http_code}", "http://127.0.0.1:\(port)\(path)"]
        if let body { args += ["-H", "Content-Type: application/json", "--data", body] }
        if let token { args += ["-H", "Authorization: Bearer \(token)"] }
        let out = try TestMedia.run("curl", args).stdout
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    static func statuses(_ body: String) throws -> [String: StreamStatus] {
        let list = try JSONDecoder().decode([String: [StreamStatus]].self, from: Data(body.utf8))["streams"] ?? []
        return Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0) })
    }

    /// A stream added under a running two-stream pipeline gets its frames into the pipeline's
    /// sink and its own; a stream removed mid-run stops after a prefix of its frames; the
    /// untouched stream is complete; `/streams` reports each state; bad requests are typed
    /// HTTP errors; with keep_running the pipeline outlives its streams until stopped.
    @Test func streamsComeAndGoWithoutDisturbingTheOthers() async throws {
        let out = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let own = out.appending(path: "c.jsonl").path()
        nonisolated(unsafe) var runnerRef: PipelineRunner?
        nonisolated(unsafe) var answers: [String: (status: Int, body: String)] = [:]
        let runner = PipelineRunner(config: try config(out: out), progress: { frames, _ in
            guard let runner = runnerRef, let port = runner.serverPort else { return }
            if frames == 8 {
                let body = #"{"url": "\#(Self.sample)", "name": "c", "max_frames": 15, "#
                    + #""sinks": [{"type": "jsonl", "path": "\#(own)"}]}"#
                answers["add"] = try? Self.curl("POST", port, "/streams", body: body)
                answers["duplicate"] = try? Self.curl("POST", port, "/streams", body: #"{"url": "\#(Self.sample)", "name": "c"}"#)
                answers["missing"] = try? Self.curl("POST", port, "/streams", body: #"{"url": "/no/such.mp4"}"#)
                answers["bad key"] = try? Self.curl("POST", port, "/streams", body: #"{"url": "\#(Self.sample)", "fps": "x"}"#)
                answers["not json"] = try? Self.curl("POST", port, "/streams", body: "[1, 2")
            }
            if frames == 20 {
                answers["remove"] = try? Self.curl("DELETE", port, "/streams/a")
                answers["remove unknown"] = try? Self.curl("DELETE", port, "/streams/zz")
            }
        })
        runnerRef = runner
        // Once every stream finished the pipeline waits for more (keep_running): stop it then.
        let watcher = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(200))
                let all = runner.streams()
                guard all.count == 3, all.allSatisfy({ $0.state == "finished" }), let port = runner.serverPort else {
                    continue
                }
                answers["final"] = try? Self.curl("GET", port, "/streams")
                runner.stop()
                return
            }
        }
        let summary = try await runner.run()
        watcher.cancel()
        #expect(answers["add"]?.status == 201, "\(answers["add"] ?? (0, ""))")
        #expect(answers["duplicate"]?.status == 400)
        #expect(answers["missing"]?.status == 404)
        #expect(answers["bad key"]?.status == 400)
        #expect(answers["not json"]?.status == 400)
        #expect(answers["remove"]?.status == 200)
        #expect(answers["remove unknown"]?.status == 404)
        let final = try Self.statuses(try #require(answers["final"]).body)
        #expect(Set(final.keys) == ["a", "b", "c"])

        let records = try FrameRecord.readJSONL(out.appending(path: "all.jsonl"))
        func frames(_ id: Int) -> [Int] { records.filter { $0.source == id }.map(\.frame) }
        let removed = frames(0)
        #expect(removed == Array(0..<removed.count) && removed.count < 60, "a stops after a prefix of its frames")
        #expect(frames(1) == Array(0..<40), "b is untouched")
        #expect(frames(2) == Array(0..<15), "c's frames reach the pipeline's sink")
        let mine = try FrameRecord.readJSONL(URL(fileURLWithPath: own))
        #expect(mine.map(\.frame) == Array(0..<15), "and its own")
        #expect(mine == records.filter { $0.source == 2 })
        #expect(final["a"]?.frames == removed.count && final["b"]?.frames == 40 && final["c"]?.frames == 15)
        #expect(final.values.allSatisfy { $0.drops == 0 })
        #expect(summary.framesWritten == records.count)
    }

    /// With `api_token`, `/streams` needs the bearer token: none or a wrong one is 401 and
    /// logged; the right one lists the streams. A host beyond loopback without a token is a
    /// config error naming server.host.
    @Test func tokenGuardsTheStreamAPI() async throws {
        let out = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let token = "0123456789abcdef0123"
        let logged = Locked<[String]>([])
        nonisolated(unsafe) var runnerRef: PipelineRunner?
        nonisolated(unsafe) var answers: [String: Int] = [:]
        let runner = PipelineRunner(config: try config(out: out, token: token), log: { line in
            logged.withLock { $0.append(line) }
        }, progress: { frames, _ in
            guard frames == 3, let runner = runnerRef, let port = runner.serverPort else { return }
            answers["none"] = (try? Self.curl("GET", port, "/streams"))?.status
            answers["wrong"] = (try? Self.curl("GET", port, "/streams", token: token + "x"))?.status
            answers["add wrong"] = (try? Self.curl("POST", port, "/streams", body: #"{"url": "x"}"#, token: "nope"))?.status
            answers["right"] = (try? Self.curl("GET", port, "/streams", token: token))?.status
            answers["metrics"] = (try? Self.curl("GET", port, "/metrics"))?.status
            runner.stop()
        })
        runnerRef = runner
        _ = try await runner.run()
        #expect(answers == ["none": 401, "wrong": 401, "add wrong": 401, "right": 200, "metrics": 200])
        #expect(logged.withLock { $0 }.filter { $0.contains("refused") && $0.contains("401") }.count == 3)

        for (host, key) in [("0.0.0.0", "server.host"), ("192.168.1.2", "server.host")] {
            var c = try config(out: out)
            c.server?.host = host
            #expect { try c.validate() } throws: { ($0 as? MaskstreamError)?.message.contains(key) == true }
        }
        var short = try config(out: out, token: token)
        short.server?.apiToken = "short"
        #expect(throws: MaskstreamError.self) { try short.validate() }
        #expect(APIAccess.constantTimeEqual(Array("abc".utf8), Array("abc".utf8)))
        #expect(!APIAccess.constantTimeEqual(Array("abc".utf8), Array("abd".utf8)))
        #expect(!APIAccess.constantTimeEqual(Array("abc".utf8), Array("abcd".utf8)))
    }

    /// A pipeline with keep_running may start with no sources and take them all through the
    /// API; without keep_running an empty `sources` is a config error.
    @Test func emptyPipelineNeedsKeepRunning() throws {
        let model = Self.root.appending(path: "models/default").path()
        let yaml = { (keep: Bool) in
            "sources: []\nmodel: { path: \(model) }\nserver: { port: 0, keep_running: \(keep) }\nsinks: []\n"
        }
        #expect(throws: MaskstreamError.self) { try PipelineConfig.parse(yaml: yaml(false)) }
        #expect(try PipelineConfig.parse(yaml: yaml(true)).sources.isEmpty)
    }

    /// Four live RTSP cameras run; a fifth is added, then it and one of the four are removed:
    /// the three others lose no frame (no drops, no gap in their frame indices) and keep going
    /// after both changes.
    @Test func liveStreamsKeepEveryFrameWhileOthersComeAndGo() async throws {
        let out = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let camera = RTSPTestServer()
        try camera.start(fps: 2)
        defer { camera.stop() }
        // A shared mount: every source is its own RTSP session of the same camera.
        let live = "read_timeout: 15, live_buffer: 120"
        let sources = (0..<4).map { "  - { url: \(camera.url), name: cam\($0), \(live) }" }.joined(separator: "\n")
        let config = try PipelineConfig.parse(yaml: """
        sources:
        \(sources)
        model: { path: \(Self.root.appending(path: "models/default").path()) }
        tracker: {}
        server: { port: 0, keep_running: true }
        sinks:
          - { type: jsonl, path: \(out.appending(path: "all.jsonl").path()) }
        """)
        let runner = PipelineRunner(config: config)
        let script = Task {
            func frames(_ name: String) -> Int { runner.streams().first { $0.name == name }?.frames ?? 0 }
            func waitFor(_ what: String, _ done: () -> Bool) async throws {
                for _ in 0..<600 where !done() { try await Task.sleep(for: .milliseconds(100)) }
                if !done() {
                    let streams = runner.streams().map {
                        "\($0.name): \($0.state), \($0.frames) frames, \($0.lastError ?? "no error")"
                    }
                    Issue.record("timed out waiting for \(what); camera server \(camera.state); \(streams)")
                }
            }
            defer { runner.stop() }
            try await waitFor("every camera live") { (0..<4).allSatisfy { frames("cam\($0)") >= 3 } }
            guard let port = runner.serverPort else { return }
            let body = #"{"url": "\#(camera.url)", "name": "cam4", "read_timeout": 15}"#
            #expect(try Self.curl("POST", port, "/streams", body: body).status == 201)
            try await waitFor("the added camera") { frames("cam4") >= 3 }
            let before = frames("cam0")
            #expect(try Self.curl("DELETE", port, "/streams/cam4").status == 200)
            #expect(try Self.curl("DELETE", port, "/streams/cam3").status == 200)
            try await waitFor("the others going on") { (0..<3).allSatisfy { frames("cam\($0)") >= before + 4 } }
        }
        _ = try await runner.run()
        try await script.value
        let records = try FrameRecord.readJSONL(out.appending(path: "all.jsonl"))
        let final = Dictionary(uniqueKeysWithValues: runner.streams().map { ($0.name, $0) })
        for id in 0..<3 {
            let frames = records.filter { $0.source == id }.map(\.frame)
            #expect(frames.count >= 7, "cam\(id)")
            #expect(frames == Array(0..<frames.count), "cam\(id): no frame lost")
            #expect(final["cam\(id)"]?.drops == 0, "cam\(id)")
        }
        #expect(final["cam3"]?.state == "finished" && final["cam4"]?.state == "finished")
        #expect(records.contains { $0.source == 4 })
    }
}
