import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HummingbirdWSClient
import Logging
import MaskstreamServer
import Testing

/// The live viewer's routes on the pipeline's server: the page and its files, the viewer
/// WebSocket's messages (hello, streams, records, frames), and a recording's replay routes.
@Suite struct ViewerChannelTests {
    private static let logger: Logger = {
        var logger = Logger(label: "maskstream.test.viewer")
        logger.logLevel = .critical
        return logger
    }()

    private func get(_ port: Int, _ path: String) async throws -> (status: Int, type: String?, body: Data) {
        let url = try #require(URL(string: "http://127.0.0.1:\(port)\(path)"))
        let (data, response) = try await URLSession.shared.data(from: url)
        let http = try #require(response as? HTTPURLResponse)
        return (http.statusCode, http.value(forHTTPHeaderField: "Content-Type"), data)
    }

    @Test(arguments: [("/", "text/html"), ("/viewer/viewer.js", "text/javascript"),
                      ("/viewer/rle.js", "text/javascript"), ("/viewer/viewer.css", "text/css")])
    func servesThePageAndItsFiles(path: String, type: String) async throws {
        let server = LiveStreamServer(port: 0) { "" }
        let port = try await server.start()
        let response = try await get(port, path)
        #expect(response.status == 200)
        #expect(response.type?.hasPrefix(type) == true)
        #expect(response.body.count > 100)
        if path == "/" {
            let html = String(decoding: response.body, as: UTF8.self)
            #expect(html.contains(#"<script src="/viewer/viewer.js">"#) && !html.contains("http"), "no CDN")
        }
        await server.shutdown()
    }

    @Test(arguments: ["/viewer/nope.js", "/viewer/..%2FPackage.swift", "/replay/records.json", "/replay/frame/0.jpg"])
    func unknownFilesAndAbsentRecordingsAre404(path: String) async throws {
        let server = LiveStreamServer(port: 0) { "" }
        let port = try await server.start()
        #expect(try await get(port, path).status == 404)
        await server.shutdown()
    }

    @Test func streamStatesRecordsAndFramesReachTheViewer() async throws {
        let server = LiveStreamServer(port: 0) { "" }
        let port = try await server.start()
        server.viewer.configure(mode: "live", fps: 5)
        server.viewer.publishStreamState(source: 1, name: "cam1", state: .running)
        let received = try await withThrowingTaskGroup(of: [String].self) { group in
            group.addTask {
                let messages = Locked([String]())
                try await WebSocketClient.connect(url: "ws://127.0.0.1:\(port)/viewer/ws", logger: Self.logger) {
                    inbound, _, _ in
                    for try await message in inbound.messages(maxSize: 1 << 24) {
                        if case .text(let text) = message { messages.withLock { $0.append(text) } }
                        if messages.withLock({ $0.count }) == 7 { return }
                    }
                }
                return messages.withLock { $0 }
            }
            while server.viewer.clientCount == 0 { try await Task.sleep(for: .milliseconds(5)) }
            server.viewer.publishStreamState(source: 0, name: "cam0", state: .running)
            server.viewer.publishRecord(json: #"{"frame":3,"instances":[],"source":0}"#)
            server.viewer.publishFrame(source: 0, frame: 3, ageMilliseconds: 12.5, dropped: 2, jpeg: [0xFF, 0xD8, 0xFF])
            server.viewer.publishStreamState(source: 1, name: "cam1", state: .ended)
            server.viewer.publishStreamState(source: 0, name: "cam0", state: .removed)
            let messages = try await group.next() ?? []
            group.cancelAll()
            return messages
        }
        #expect(received.count == 7)
        guard received.count == 7 else { return }
        #expect(received[0] == #"{"type":"hello","mode":"live","viewer_fps":5.0}"#)
        #expect(received[1] == #"{"streams":[{"name":"cam1","source":1,"state":"running"}],"type":"streams"}"#)
        #expect(received[2].contains(#"{"name":"cam0","source":0,"state":"running"},{"name":"cam1""#))
        #expect(received[3] == #"{"frame":3,"instances":[],"source":0}"#)
        #expect(received[4] == #"{"type":"frame","source":0,"frame":3,"age_ms":12.5,"dropped":2,"jpeg":"/9j/"}"#)
        #expect(received[5] == #"{"streams":[{"name":"cam0","source":0,"state":"running"}],"type":"streams"}"#)
        #expect(received[6] == #"{"streams":[],"type":"streams"}"#, "ended and removed streams leave the list")
        #expect(server.viewer.currentStreams.isEmpty)
        await server.shutdown()
    }

    @Test func servesARecordingForReplay() async throws {
        let server = LiveStreamServer(port: 0) { "" }
        server.viewer.setReplay(ReplayContent(recordsJSON: #"[{"frame":0},{"frame":1}]"#,
                                              frames: [[0xFF, 0xD8, 1], [0xFF, 0xD8, 2]]))
        let port = try await server.start()
        let records = try await get(port, "/replay/records.json")
        #expect(records.status == 200 && String(decoding: records.body, as: UTF8.self) == #"[{"frame":0},{"frame":1}]"#)
        let frame = try await get(port, "/replay/frame/1.jpg")
        #expect(frame.status == 200 && frame.type == "image/jpeg" && [UInt8](frame.body) == [0xFF, 0xD8, 2])
        #expect(try await get(port, "/replay/frame/2.jpg").status == 404)
        #expect(try await get(port, "/replay/frame/x.png").status == 404)
        await server.shutdown()
    }
}
