import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamPipeline

/// Image folders, globs and patterns as pipeline sources: config rules and a real run
/// (real FFmpeg, the default model on Vulkan, the tracker, file sinks).
@Suite(.serialized) struct ImageSourceTests {
    static let root = TestMedia.repositoryRoot
    static let model = root.appending(path: "models/default").path()

    /// Frames of the sample video as JPEGs named with gaps and in natural order:
    /// frame1, frame2, frame5, frame10, frame11 (and a text file the reader skips).
    static func makeFolder(in dir: URL) throws -> (folder: URL, names: [String]) {
        let folder = dir.appending(path: "frames")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let r = try TestMedia.run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y",
                                             "-i", root.appending(path: "examples/sample.mp4").path(),
                                             "-frames:v", "5", "-vf", "scale=320:180",
                                             folder.path(percentEncoded: false) + "/%d.jpg"])
        guard r.status == 0 else { throw TestFailure("ffmpeg failed: \(r.stderr)") }
        let names = ["frame1.jpg", "frame2.jpg", "frame5.jpg", "frame10.jpg", "frame11.jpg"]
        for (i, name) in names.enumerated() {
            try FileManager.default.moveItem(at: folder.appending(path: "\(i + 1).jpg"),
                                             to: folder.appending(path: name))
        }
        try Data("1,2,3\n".utf8).write(to: folder.appending(path: "groundtruth.txt"))
        return (folder, names)
    }

    func yaml(source: String, sinks: [String]) -> String {
        """
        sources:
          - \(source)
        model:
          path: \(Self.model)
        sinks:
        \(sinks.map { "  - \($0)" }.joined(separator: "\n"))
        """
    }

    @Test func aFolderRunsThroughThePipelineWithEveryImageInItsRecord() async throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (folder, names) = try Self.makeFolder(in: dir)
        let out = dir.appending(path: "out")
        let config = try PipelineConfig.parse(yaml: yaml(source: "{ url: \(folder.path()), fps: 10 }", sinks: [
            "{ type: jsonl, path: \(out.appending(path: "r.jsonl").path()) }",
            "{ type: mots, path: \(out.appending(path: "r.mots.txt").path()) }",
            "{ type: ytvis, path: \(out.appending(path: "r.ytvis.json").path()) }",
            "{ type: video, path: \(out.appending(path: "r.mp4").path()) }",
        ]))
        let logged = Locked<[String]>([])
        let runner = PipelineRunner(config: config, log: { line in logged.withLock { $0.append(line) } })
        let summary = try await runner.run()
        #expect(summary.framesWritten == names.count)
        #expect(summary.framesRead == [names.count])

        let records = try FrameRecord.readJSONL(out.appending(path: "r.jsonl"))
        #expect(records.count == names.count, "one record per image")
        #expect(records.map(\.file) == names, "natural order, each record names its image")
        #expect(records.map(\.frame) == Array(0..<names.count))
        #expect(records.map(\.pts) == (0..<Int64(names.count)).map { $0 })
        #expect(records.map(\.timeBase) == Array(repeating: [1, 10], count: names.count))
        #expect(zip(records, 0...).allSatisfy { abs($0.time - Double($1) / 10) < 1e-9 })
        #expect(records.allSatisfy { $0.width == 320 && $0.height == 180 })
        #expect(records.contains { !$0.instances.isEmpty }, "the default model finds objects in the sample's frames")
        let line = try String(contentsOf: out.appending(path: "r.jsonl"), encoding: .utf8).split(separator: "\n")[0]
        #expect(line.contains("\"file\":\"frame1.jpg\""))

        let skipped = logged.withLock { $0 }.filter { $0.contains("without an image extension") }
        #expect(skipped.count == 1 && skipped[0].contains("groundtruth.txt"), "said once: \(logged.withLock { $0 })")

        let video = try MediaReader(url: out.appending(path: "r.mp4").path())
        var count = 0
        while try video.nextFrame() != nil { count += 1 }
        #expect(count == names.count, "the annotated video has every image")
        let mots = try String(contentsOf: out.appending(path: "r.mots.txt"), encoding: .utf8).split(separator: "\n")
        #expect(mots.count == records.reduce(0) { $0 + $1.instances.count })
    }

    @Test func videoRecordsCarryNoFile() throws {
        let record = FrameRecord(source: 0, frame: 0, timestamp: Timestamp(pts: 0, timeBase: Rational(1, 25)),
                                 width: 2, height: 2, instances: [])
        #expect(!(try record.jsonLine()).contains("file"))
        let image = FrameRecord(source: 0, frame: 0, timestamp: Timestamp(pts: 0, timeBase: Rational(1, 25)),
                                width: 2, height: 2, instances: [], file: "00007.jpg")
        #expect(try image.jsonLine().contains("\"file\":\"00007.jpg\""))
        #expect(try FrameRecord.decode(json: Array(image.jsonLine().utf8)).file == "00007.jpg")
    }

    @Test func aTSSinkOnAnImageSourceIsAConfigErrorNamingTheKeys() throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (folder, _) = try Self.makeFolder(in: dir)
        let text = yaml(source: "url: \(folder.path())", sinks: [
            "{ type: jsonl, path: \(dir.appending(path: "r.jsonl").path()) }",
            "{ type: ts, path: \(dir.appending(path: "r.ts").path()), video: copy }",
        ])
        let error = #expect(throws: MaskstreamError.self) { try PipelineConfig.parse(yaml: text, file: "p.yaml") }
        #expect(error?.code == .config)
        let message = error?.message ?? ""
        #expect(message.hasPrefix("p.yaml:"), "cites the sink line: \(message)")
        #expect(message.contains("sinks[1]") && message.contains("sources[0].url"), "\(message)")
        #expect(message.contains("image sequence") && message.contains("video: auto"), "\(message)")

        // The default pipeline's ts sink (video: auto) re-encodes images: images in, no error.
        var c = try PipelineConfig.load(path: Self.root.appending(path: "pipelines/default.yaml").path())
        try c.apply(input: dir.appending(path: "frames/*.jpg").path(), model: Self.model)
    }

    /// A ts sink (video: auto) on an image folder re-encodes the images: one KLV record and one
    /// decodable H.264 frame per image, at the images' times.
    @Test func aTSSinkReencodesAnImageFolder() async throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (folder, names) = try Self.makeFolder(in: dir)
        let text = yaml(source: "{ url: \(folder.path()), fps: 10 }", sinks: [
            "{ type: jsonl, path: \(dir.appending(path: "r.jsonl").path()) }",
            "{ type: ts, path: \(dir.appending(path: "r.ts").path()) }",
        ])
        _ = try await PipelineRunner(config: try PipelineConfig.parse(yaml: text)).run()
        let records = try FrameRecord.readJSONL(dir.appending(path: "r.jsonl"))
        #expect(records.count == names.count)
        let klv = try MetadataTrackReader.read(path: dir.appending(path: "r.ts").path())
            .map { try FrameRecord.decode(json: $0.value) }
        #expect(klv == records)
        let reader = try MediaReader(url: dir.appending(path: "r.ts").path())
        #expect(reader.info.codec == "h264")
        var frames = 0
        while try reader.nextFrame() != nil { frames += 1 }
        #expect(frames == names.count)
    }

    @Test func everyInputFormPassesValidationAndBadOnesAreLocated() throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (folder, _) = try Self.makeFolder(in: dir)
        let sink = "{ type: jsonl, path: \(dir.appending(path: "r.jsonl").path()) }"
        for url in [folder.path(), folder.appending(path: "*.jpg").path(), "-"] {
            let c = try PipelineConfig.parse(yaml: yaml(source: "url: '\(url)'", sinks: [sink]))
            #expect(c.sources[0].url == url)
            #expect(c.sources[0].fps == 25, "fps defaults to 25")
        }
        let empty = dir.appending(path: "empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let bad: [(String, MaskstreamError.Code, String)] = [
            ("url: \(empty.path())", .invalidInput, "is empty"),
            ("url: '\(dir.path(percentEncoded: false))/none/%05d.jpg'", .notFound, "matches no file"),
            ("url: '\(dir.appending(path: "*.png").path())'", .notFound, "matches no file"),
            ("url: /dev/video97", .notFound, "camera"),
            ("{ url: \(folder.path()), fps: 0 }", .config, "fps"),
        ]
        for (source, code, text) in bad {
            let error = #expect(throws: MaskstreamError.self) {
                try PipelineConfig.parse(yaml: yaml(source: source, sinks: [sink]), file: "p.yaml")
            }
            #expect(error?.code == code, "\(source): \(error?.message ?? "")")
            #expect(error?.message.contains(text) == true && error?.message.hasPrefix("p.yaml:") == true,
                    "\(source): \(error?.message ?? "")")
        }
    }

    @Test(arguments: PipelineConfig.SinkKind.allCases, PipelineConfig.TSVideo.allCases)
    func sinkNeedsAreTheSinksOwn(_ kind: PipelineConfig.SinkKind, _ video: PipelineConfig.TSVideo) throws {
        var config = PipelineConfig.Sink(kind: kind, path: nil)
        config.video = kind == .ts ? video : .auto
        guard kind != .websocket else {
            #expect(config.needs.isEmpty)
            return
        }
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        if kind.isBroker {
            config.url = "\(kind.rawValue)://127.0.0.1:1"  // made, not connected: nothing is written
        } else {
            config.path = dir.appending(path: "out.x").path()
        }
        let sink = try config.make(index: 0, sourceCount: 1, server: nil)
        #expect(sink.needs == config.needs)
    }
}
