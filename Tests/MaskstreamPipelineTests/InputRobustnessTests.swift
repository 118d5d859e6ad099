import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamPipeline

/// Inputs as users have them: a live camera that restarts, a file cut off mid-packet. Every
/// sink must keep agreeing frame for frame (records = KLV packets = decodable video frames).
@Suite(.serialized) struct InputRobustnessTests {
    static let root = TestMedia.repositoryRoot

    func yaml(url: String, out: URL, extraSource: String = "") -> String {
        """
        sources:
          - url: \(url)
        \(extraSource)
        model:
          path: \(Self.root.appending(path: "models/default").path())
        tracker: {}
        sinks:
          - { type: jsonl, path: \(out.appending(path: "s.jsonl").path()) }
          - { type: ts, path: \(out.appending(path: "s.ts").path()) }
        """
    }

    /// Decodable video frames of an MPEG-TS output, and whether its video DTS only increase.
    func videoOfTS(_ path: URL) throws -> (frames: Int, dtsIncreasing: Bool) {
        let reader = try MediaReader(url: path.path())
        var frames = 0
        while try reader.nextFrame() != nil { frames += 1 }
        let probe = try TestMedia.run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries",
                                                  "packet=dts", "-of", "csv=p=0", path.path()])
        let dts = probe.stdout.split(separator: "\n").compactMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
        return (frames, !dts.isEmpty && zip(dts, dts.dropFirst()).allSatisfy { $0 < $1 })
    }

    /// The RTSP server is killed and restarted mid-run: the run goes on (it used to exit 1 on
    /// the TS muxer's "non monotonically increasing dts"), frame indices and times continue,
    /// the first record after the gap says `discontinuity`, and the TS holds one KLV packet and
    /// one decodable video frame per record, with increasing DTS.
    @Test func rtspRestartKeepsEverySinkInStep() async throws {
        let out = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let port = TestMedia.freePort()
        let first = RTSPTestServer(port: port)
        try first.start()
        defer { first.stop() }
        let second = RTSPTestServer(port: port)
        defer { second.stop() }
        // A large live buffer: no frame is dropped, so decodable frames must equal records.
        let extra = "    read_timeout: 3\n    reconnect_max_delay: 0.5\n    live_buffer: 1000"
        var config = try PipelineConfig.parse(yaml: yaml(url: first.url, out: out, extraSource: extra))
        var server = PipelineConfig.Server()
        server.port = 0
        config.server = server
        nonisolated(unsafe) var runnerRef: PipelineRunner?
        let scraped = Locked("")
        let restarted = Locked(false)
        let logLines = Locked([String]())
        // The first frame index after the reconnect (from its log line): the run stops 20 later.
        let readAtReconnect = Locked(Int?.none)
        let runner = PipelineRunner(config: config, log: { line in
            logLines.withLock { $0.append(line) }
            if line.contains("reconnected to"), let next = line.split(separator: "next frame ").last
                .flatMap({ Int($0.prefix { $0.isNumber }) }) {
                readAtReconnect.withLock { $0 = next }
            }
        }, progress: { frames, _ in
            if frames == 15, !restarted.withLock({ $0 }) {
                restarted.withLock { $0 = true }
                first.stop()
                Thread.detachNewThread {
                    Thread.sleep(forTimeInterval: 2)
                    try? second.start()
                }
            }
            if let read = readAtReconnect.withLock({ $0 }), frames >= read + 20, let runner = runnerRef {
                if scraped.withLock({ $0.isEmpty }), let port = runner.serverPort {
                    let text = (try? TestMedia.run("curl", ["-s", "http://127.0.0.1:\(port)/metrics"]).stdout) ?? ""
                    scraped.withLock { $0 = text }
                }
                runner.stop()
            }
        })
        runnerRef = runner
        // A run that never reconnects must still end (the checks below then fail).
        Thread.detachNewThread { Thread.sleep(forTimeInterval: 90); runner.stop() }
        let summary = try await runner.run()
        #expect(summary.reconnects >= 1)
        #expect(summary.droppedFrames == 0)
        #expect(summary.damagedSources.isEmpty)

        let records = try FrameRecord.readJSONL(out.appending(path: "s.jsonl"))
        #expect(records.count == summary.framesWritten)
        #expect(records.count >= 35)
        #expect(records.map(\.frame) == Array(0..<records.count), "frame indices continue across the reconnect")
        #expect(zip(records, records.dropFirst()).allSatisfy { $0.pts < $1.pts }, "times keep increasing")
        let marked = records.filter { $0.discontinuity == true }
        #expect(marked.count == summary.reconnects, "one discontinuity per reconnect")
        #expect((marked.first?.frame ?? 0) >= 1, "the first frame is no discontinuity")

        let klv = try MetadataTrackReader.read(path: out.appending(path: "s.ts").path())
            .map { try FrameRecord.decode(json: $0.value) }
        #expect(klv == records, "one KLV packet per record, the same records")
        let video = try videoOfTS(out.appending(path: "s.ts"))
        #expect(video.dtsIncreasing, "the TS timeline continues monotonically")
        #expect(video.frames == records.count, "decodable video frames = records")
        let metrics = scraped.withLock { $0 }
        let counted = metrics.split(separator: "\n").first { $0.hasPrefix("maskstream_reconnects_total{source=\"0\"} ") }
            .flatMap { Int($0.split(separator: " ").last ?? "") }
        #expect((counted ?? 0) >= 1, "\(metrics)")
        #expect(metrics.contains("maskstream_source_state{source=\"0\",state=\"streaming\"} 1"), "\(metrics)")
        #expect(metrics.contains("maskstream_source_state{source=\"0\",state=\"backing_off\"} 0"), "\(metrics)")
        // deploy/'s alert rules and dashboard only reference metrics a running pipeline exports.
        #expect(try DeployTests.missing(from: metrics) == [], "\(metrics)")
        let log = logLines.withLock { $0 }
        #expect(log.contains { $0.contains("lost '\(first.url)'") }, "\(log)")
        #expect(log.contains { $0.contains("reconnected to '\(first.url)'") }, "\(log)")
    }

    /// A phone-style MP4 (moov at the front) cut off in the middle of its last packets, or
    /// overwritten in the middle: every
    /// decodable frame is processed and written to every sink, and the summary says the input
    /// was damaged (it used to end with `avcodec_receive_frame failed`, exit 1, and a TS
    /// short of KLV packets).
    @Test(arguments: ["truncated", "overwritten mid-file"])
    func damagedFileIsProcessedFrameByDecodableFrame(damage: String) async throws {
        let out = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let whole = out.appending(path: "whole.mp4"), cut = out.appending(path: "cut.mp4")
        _ = try TestMedia.run("ffmpeg", ["-v", "error", "-y", "-i", Self.root.appending(path: "examples/sample.mp4").path(),
                                         "-t", "2", "-c", "copy", "-movflags", "+faststart", whole.path()])
        var bytes = [UInt8](try Data(contentsOf: whole))
        if damage == "truncated" {
            bytes.removeLast(3000)
        } else {
            // 3,000 bytes of 0xFF in the middle of the video data: NAL units the decoder rejects.
            let mid = bytes.count / 2
            bytes.replaceSubrange(mid..<(mid + 3000), with: [UInt8](repeating: 0xFF, count: 3000))
        }
        try Data(bytes).write(to: cut)
        let decodable = try TestMedia.run("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0",
                                                      "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", cut.path()])
        let expected = try #require(Int(decodable.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(expected > 10)

        let config = try PipelineConfig.parse(yaml: yaml(url: cut.path(), out: out))
        let summary = try await PipelineRunner(config: config).run()
        let damage = try #require(summary.damagedSources[0], "the summary says the input was damaged")
        #expect(!damage.isEmpty)
        let records = try FrameRecord.readJSONL(out.appending(path: "s.jsonl"))
        #expect(records.count == expected, "every frame ffprobe decodes is processed")
        let klv = try MetadataTrackReader.read(path: out.appending(path: "s.ts").path())
        #expect(klv.count == records.count)
        #expect(try videoOfTS(out.appending(path: "s.ts")).dtsIncreasing, "the TS stays valid")

        // The same file whole is not damaged.
        let clean = try await PipelineRunner(config: PipelineConfig.parse(yaml: yaml(url: whole.path(), out: out))).run()
        #expect(clean.damagedSources.isEmpty)
    }

    /// `max_frames` trims the TS to the processed frames: it used to carry the decoder's
    /// read-ahead packets too (32–34 video frames for 30 KLV packets). With B-frames (the sample)
    /// the frames a cut leaves without their copied packets are re-encoded after them.
    @Test(arguments: [("ip", ["-bf", "0"]), ("sample", [])])
    func maxFramesTrimsTheTransportStream(name: String, x264: [String]) async throws {
        let out = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let clip = name == "sample" ? Self.root.appending(path: "examples/sample.mp4")
            : try TestMedia.makeClip(in: out, name: "ip.mp4", codec: "libx264", frames: 60, width: 160, height: 96,
                                     extra: x264)
        for n in [1, 7, 30] {
            let config = try PipelineConfig.parse(yaml: yaml(url: clip.path(), out: out,
                                                             extraSource: "    max_frames: \(n)"))
            let summary = try await PipelineRunner(config: config).run()
            #expect(summary.framesWritten == n)
            let klv = try MetadataTrackReader.read(path: out.appending(path: "s.ts").path())
            #expect(klv.count == n)
            let video = try videoOfTS(out.appending(path: "s.ts"))
            #expect(video.dtsIncreasing)
            #expect(video.frames == n, "\(name) max_frames \(n): decodable video frames = records")
            let pts = try TestMedia.probeFramePTS(out.appending(path: "s.ts"))
            #expect(pts.count == n && Set(pts).count == n, "\(name) max_frames \(n): one video frame per time")
        }
    }

    /// Codecs MPEG-TS cannot carry are re-encoded to H.264 (they used to give a TS with 0 video
    /// packets and unreadable data packets, exit 0); `video: copy` refuses them at startup.
    @Test(arguments: [("vp9.webm", "libvpx-vp9"), ("mjpeg.avi", "mjpeg")])
    func transportStreamReencodesWhatItCannotCarry(name: String, codec: String) async throws {
        let out = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let pixelFormat = codec == "mjpeg" ? "yuvj420p" : "yuv420p"
        let clip = try TestMedia.makeClip(in: out, name: name, codec: codec, frames: 20, width: 160, height: 96,
                                          pixelFormat: pixelFormat)
        let logLines = Locked([String]())
        let config = try PipelineConfig.parse(yaml: yaml(url: clip.path(), out: out))
        let summary = try await PipelineRunner(config: config, log: { l in logLines.withLock { $0.append(l) } }).run()
        #expect(summary.framesWritten == 20)
        #expect(logLines.withLock { $0 }.filter { $0.contains("re-encoding it to H.264") }.count == 1)
        let ts = out.appending(path: "s.ts")
        let records = try FrameRecord.readJSONL(out.appending(path: "s.jsonl"))
        let klv = try MetadataTrackReader.read(path: ts.path()).map { try FrameRecord.decode(json: $0.value) }
        #expect(klv == records)
        let probe = try TestMedia.run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries",
                                                  "stream=codec_name,width,height", "-of", "csv=p=0", ts.path()])
        // (ffprobe lists an MPEG-TS stream under its program and again on its own.)
        #expect(Set(probe.stdout.split(separator: "\n").map(String.init)) == ["h264,160,96"], "\(probe.stdout)")
        let video = try videoOfTS(ts)
        #expect(video.frames == records.count, "decodable video frames = records")
        // The re-encoded frames are the source's: same PTS as the records.
        let pts = try TestMedia.probeFramePTS(ts)
        #expect(pts.count == records.count)

        var copyOnly = config
        copyOnly.sinks[1].video = .copy
        let error = await #expect(throws: MaskstreamError.self) { try await PipelineRunner(config: copyOnly).run() }
        #expect(error?.code == .config)
        #expect(error?.message.contains("'sinks[1].video' is copy") == true, "\(error?.message ?? "")")
    }

    /// An odd-sized input (641×361, 4:4:4 H.264) keeps its size in the records, the annotated
    /// video (it used to come out 640×360) and the re-encoded TS.
    @Test func oddSizesAreKept() async throws {
        let out = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let clip = try TestMedia.makeClip(in: out, name: "odd.mp4", codec: "libx264", frames: 6, width: 160, height: 96,
                                          pixelFormat: "yuv444p", extra: ["-vf", "scale=161:97"])
        var config = try PipelineConfig.parse(yaml: yaml(url: clip.path(), out: out) + """

          - { type: video, path: \(out.appending(path: "a.mp4").path()) }
        """)
        config.sinks[1].video = .encode
        _ = try await PipelineRunner(config: config).run()
        let records = try FrameRecord.readJSONL(out.appending(path: "s.jsonl"))
        #expect(records.count == 6)
        #expect(records.allSatisfy { $0.width == 161 && $0.height == 97 })
        for file in ["a.mp4", "s.ts"] {
            let reader = try MediaReader(url: out.appending(path: file).path())
            #expect(reader.info.width == 161 && reader.info.height == 97, "\(file): \(reader.info)")
            var frames = 0
            while try reader.nextFrame() != nil { frames += 1 }
            #expect(frames == 6, "\(file)")
        }
    }

    /// A phone video stored landscape with a 90° display rotation: records, the annotated video
    /// and the TS (re-encoded upright, since MPEG-TS cannot signal rotation) are portrait, and
    /// the source's log line says the rotation.
    @Test func rotatedInputIsProcessedAsDisplayed() async throws {
        let out = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let stored = try TestMedia.makeClip(in: out, name: "stored.mp4", codec: "libx264", frames: 5, width: 160, height: 96)
        let phone = out.appending(path: "phone.mp4")
        _ = try TestMedia.run("ffmpeg", ["-v", "error", "-y", "-i", stored.path(), "-c", "copy",
                                         "-metadata:s:v:0", "rotate=90", phone.path()])
        let config = try PipelineConfig.parse(yaml: yaml(url: phone.path(), out: out) + """

          - { type: video, path: \(out.appending(path: "a.mp4").path()) }
        """)
        let logLines = Locked([String]())
        _ = try await PipelineRunner(config: config, log: { l in logLines.withLock { $0.append(l) } }).run()
        let log = logLines.withLock { $0 }
        #expect(log.contains { $0.contains("96x160 (rotated") }, "\(log)")
        #expect(log.contains { $0.contains("re-encoding it upright") }, "\(log)")
        let records = try FrameRecord.readJSONL(out.appending(path: "s.jsonl"))
        #expect(records.count == 5)
        #expect(records.allSatisfy { $0.width == 96 && $0.height == 160 })
        #expect(records.allSatisfy { r in r.instances.allSatisfy { $0.segmentation.height == 160 && $0.segmentation.width == 96 } })
        for file in ["a.mp4", "s.ts"] {
            let reader = try MediaReader(url: out.appending(path: file).path())
            #expect(reader.info.width == 96 && reader.info.height == 160 && reader.info.rotation == 0, "\(file)")
        }
        #expect(try MetadataTrackReader.read(path: out.appending(path: "s.ts").path()).count == 5)
    }
}
