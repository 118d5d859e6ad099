import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamPipeline

// Nested in InputRobustnessTests (serialized): these runs load the CPU and must not overlap
// the real-time RTSP test.
extension InputRobustnessTests {
    /// `maskstream run --shard i/n` as replicas run it: every source runs on exactly the shard
    /// rendezvous hashing gives it, and a shard without sources idles until SIGTERM (exit 0).
    @Suite(.timeLimit(.minutes(5))) struct ShardCommandTests {
        @Test func shardsSplitOnePipelinesSources() throws {
            let dir = try TestMedia.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let root = TestMedia.repositoryRoot
            let urls = try (0..<3).map { k in
                let link = dir.appending(path: "cam\(k).mp4")
                let sample = root.appending(path: "examples/sample.mp4")
                try FileManager.default.createSymbolicLink(at: link, withDestinationURL: sample)
                return link.path()
            }
            let sources = urls.enumerated().map { "  - { url: \($1), max_frames: 2, name: cam\($0) }" }
            let pipeline = dir.appending(path: "p.yaml")
            try ("sources:\n" + sources.joined(separator: "\n") + "\nmodel:\n  path: "
                + root.appending(path: "models/default").path() + "\ntracker: {}\nsinks:\n"
                + "  - { type: jsonl, path: s.jsonl }\n").write(to: pipeline, atomically: true, encoding: .utf8)
            let n = 4  // more shards than sources: at least one shard is empty
            var ran: [String] = []
            for i in 0..<n {
                let owned = urls.filter { Shard.owner(of: $0, count: n) == i }
                let out = dir.appending(path: "out\(i)")
                let args = ["run", pipeline.path(), "--shard", "\(i)/\(n)", "--output", out.path(), "--no-progress"]
                if owned.isEmpty {
                    try checkIdles(args, shard: "\(i)/\(n)", total: urls.count)
                    continue
                }
                let r = try TestMedia.run(CommandLineTests.binary, args, timeout: 120)
                #expect(r.status == 0, "\(r.stderr)")
                #expect(r.stderr.contains("shard \(i)/\(n): \(owned.count) of \(urls.count) sources"), "\(r.stderr)")
                let opened = urls.filter { r.stderr.contains("source ") && r.stderr.contains(": \($0): ") }
                #expect(opened == owned, "shard \(i) ran the sources hashing gives it")
                ran += opened
                let records = try FrameRecord.readJSONL(out.appending(path: "s.jsonl"))
                #expect(records.count == 2 * owned.count)
            }
            #expect(ran.sorted() == urls.sorted(), "every source on exactly one shard")
        }

        /// A shard without sources says so, keeps running, and exits 0 on SIGTERM.
        func checkIdles(_ args: [String], shard: String, total: Int) throws {
            let p = TestMedia.processWithDefaultSignals(CommandLineTests.binary)
            p.arguments! += args
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            var text = ""
            while !text.contains("\n") {
                let chunk = err.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            #expect(text.contains("shard \(shard): 0 of \(total) sources"), "\(text)")
            #expect(p.isRunning, "an empty shard idles (a StatefulSet replica stays up)")
            kill(p.processIdentifier, SIGTERM)
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
        }
    }
}
