import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamPipeline

/// End to end on the embedded sample video and default model: real FFmpeg, real Vulkan
/// (lavapipe on CI), real tracker, every sink.
@Suite(.serialized) struct PipelineRunnerTests {
    static let root = TestMedia.repositoryRoot

    func config(out: URL, maxFrames: Int) throws -> PipelineConfig {
        let text = """
        sources:
          - url: \(Self.root.appending(path: "examples/sample.mp4").path())
            max_frames: \(maxFrames)
        model:
          path: \(Self.root.appending(path: "models/default").path())
          threshold: 0.5
        tracker: {}
        sinks:
          - { type: jsonl, path: \(out.appending(path: "s.jsonl").path()) }
          - { type: ts, path: \(out.appending(path: "s.ts").path()) }
          - { type: mots, path: \(out.appending(path: "s.mots.txt").path()) }
          - { type: ytvis, path: \(out.appending(path: "s.ytvis.json").path()) }
          - { type: video, path: \(out.appending(path: "s.mp4").path()) }
        """
        return try PipelineConfig.parse(yaml: text)
    }

    @Test func everySinkAgreesAndTimestampsArePreserved() async throws {
        let out = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let n = 12
        let summary = try await PipelineRunner(config: config(out: out, maxFrames: n)).run()
        #expect(summary.framesWritten == n)
        #expect(!summary.stoppedEarly)

        let records = try FrameRecord.readJSONL(out.appending(path: "s.jsonl"))
        #expect(records.count == n)
        #expect(records.map(\.frame) == Array(0..<n))
        // PTS preserved: the records carry the source's own presentation timestamps.
        let expected = Array(try TestMedia.probeFramePTS(Self.root.appending(path: "examples/sample.mp4")).prefix(n))
        #expect(records.map(\.pts) == expected)
        #expect(records.contains { !$0.instances.isEmpty }, "the default model finds objects in the sample")
        #expect(summary.instancesWritten == records.reduce(0) { $0 + $1.instances.count })

        // KLV track: the same records at the same times.
        let klv = try MetadataTrackReader.read(path: out.appending(path: "s.ts").path())
            .map { try FrameRecord.decode(json: $0.value) }
            .sorted { $0.frame < $1.frame }
        #expect(klv == records)

        // MOTS: one line per instance, same ids/classes/masks.
        let mots = try String(contentsOf: out.appending(path: "s.mots.txt"), encoding: .utf8).split(separator: "\n")
        #expect(mots.count == records.reduce(0) { $0 + $1.instances.count })
        for line in mots {
            let f = line.split(separator: " ")
            let rec = records[Int(f[0])!]
            let inst = try #require(rec.instances.first {
                $0.trackId == Int(f[1]) || line.contains($0.segmentation.compressedCounts)
            })
            #expect(String(f[5]) == inst.segmentation.compressedCounts)
        }

        // YouTube-VIS: per track, a segmentation per frame, matching the records.
        let ytvis = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appending(path: "s.ytvis.json"))) as? [[String: Any]]
        let trackIds = Set(records.flatMap { $0.instances.map(\.trackId) })
        #expect(ytvis?.count == trackIds.count)
        for entry in ytvis ?? [] {
            let segs = entry["segmentations"] as? [Any]
            #expect(segs?.count == n)
        }

        // Annotated video: every frame there, same frame times.
        let video = try MediaReader(url: out.appending(path: "s.mp4").path())
        var count = 0
        while try video.nextFrame() != nil { count += 1 }
        #expect(count == n)
    }

    @Test func gracefulStopLeavesValidOutputs() async throws {
        let out = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let stopAfter = 4
        nonisolated(unsafe) var runnerRef: PipelineRunner?
        let runner = PipelineRunner(config: try config(out: out, maxFrames: 1000), progress: { frames, _ in
            if frames == stopAfter { runnerRef?.stop() }
        })
        runnerRef = runner
        let summary = try await runner.run()
        #expect(summary.stoppedEarly)
        #expect(summary.framesWritten >= stopAfter && summary.framesWritten < 1000)
        let records = try FrameRecord.readJSONL(out.appending(path: "s.jsonl"))
        #expect(records.count == summary.framesWritten, "every frame read was written")
        let klv = try MetadataTrackReader.read(path: out.appending(path: "s.ts").path())
        #expect(klv.count == summary.framesWritten)
        let ytvis = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appending(path: "s.ytvis.json")))
        #expect(ytvis is [Any])
        let video = try MediaReader(url: out.appending(path: "s.mp4").path())
        var count = 0
        while try video.nextFrame() != nil { count += 1 }
        #expect(count == summary.framesWritten)
    }

    /// One server per process: a websocket sink and `server:` give one server, which serves /metrics.
    @Test func servesPrometheusMetricsWhileRunning() async throws {
        let out = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        var c = try config(out: out, maxFrames: 4)
        var server = PipelineConfig.Server()
        server.port = 0
        c.server = server
        c.sinks.append(PipelineConfig.Sink(kind: .websocket))
        nonisolated(unsafe) var runnerRef: PipelineRunner?
        nonisolated(unsafe) var scraped = ""
        let runner = PipelineRunner(config: c, progress: { frames, _ in
            if frames == 3, let port = runnerRef?.serverPort {
                scraped = (try? TestMedia.run("curl", ["-s", "http://127.0.0.1:\(port)/metrics"]).stdout) ?? ""
            }
        })
        runnerRef = runner
        _ = try await runner.run()
        let inferCount = scraped.split(separator: "\n").first { $0.hasPrefix("maskstream_stage_latency_seconds_count{stage=\"infer\"}") }
            .flatMap { Int($0.split(separator: " ").last ?? "") }
        #expect((inferCount ?? 0) >= 3, "infer latency observed for every frame so far: \(scraped)")
        #expect(scraped.contains("maskstream_frames_total"))
        #expect(scraped.contains("maskstream_queue_depth{queue=\"submit_to_collect\"}"))
        let ages = scraped.split(separator: "\n").first { $0.hasPrefix("maskstream_record_age_seconds_count ") }
            .flatMap { Int($0.split(separator: " ").last ?? "") }
        #expect((ages ?? 0) >= 2, "record age observed per record written: \(scraped)")
        func value(_ prefix: String) -> Double? {
            scraped.split(separator: "\n").first { $0.hasPrefix(prefix) }
                .flatMap { Double($0.split(separator: " ").last ?? "") }
        }
        #expect((value("maskstream_capture_to_emit_seconds_count{source=\"0\"}") ?? 0) >= 2, "\(scraped)")
        #expect((value("maskstream_stream_frames_total{source=\"0\"}") ?? 0) >= 2, "\(scraped)")
        #expect((value("maskstream_tracks_started_total{source=\"0\"}") ?? 0) >= 1, "\(scraped)")
        #expect((value("maskstream_instance_score_count{source=\"0\"}") ?? 0) >= 1, "\(scraped)")
        #expect((value("maskstream_mask_area_ratio_count{source=\"0\"}") ?? 0) >= 1, "\(scraped)")
        #expect(scraped.contains("maskstream_class_instances_total{source=\"0\",class=\""), "\(scraped)")
        #expect(scraped.contains("maskstream_input_drift_jsd{source=\"0\"}"), "\(scraped)")
        #expect((value("maskstream_device_memory_bytes ") ?? 0) > 0, "model weights are on the device: \(scraped)")
    }

    @Test func missingModelIsATypedError() async throws {
        let out = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        var c = try config(out: out, maxFrames: 2)
        let empty = out.appending(path: "empty-model")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        c.model.path = empty.path()
        let error = await #expect(throws: MaskstreamError.self) { try await PipelineRunner(config: c).run() }
        #expect(error?.code == .malformedModel || error?.code == .notFound)
    }
}
