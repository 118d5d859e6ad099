import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamPipeline

/// Each threshold has one owner: the tracker's low threshold decides what the model passes on,
/// `model.threshold` what is emitted after tracking; contradictions are `config` errors.
@Suite struct PipelineThresholdsTests {
    static let root = TestMedia.repositoryRoot.path()
    static let head = "sources:\n  - url: ROOT/examples/sample.mp4\nmodel:\n  path: ROOT/models/default\n"

    func parse(_ body: String) throws -> PipelineConfig {
        try PipelineConfig.parse(yaml: (Self.head + body).replacingOccurrences(of: "ROOT", with: Self.root),
                                 file: "p.yaml")
    }

    @Test func theModelPassesTheTrackerEverythingAboveItsLowThreshold() throws {
        let tracked = try parse("  threshold: 0.6\ntracker:\n  low_score_threshold: 0.2\nsinks: []\n")
        #expect(tracked.detectionThreshold == 0.2)
        #expect(tracked.emitThreshold == 0.6)
        let defaults = try parse("sinks: []\n")
        #expect(defaults.detectionThreshold == defaults.tracker.lowScoreThreshold)
        #expect(defaults.emitThreshold == 0.5)
        let untracked = try parse("  threshold: 0.6\ntracker: off\nsinks:\n  - { type: jsonl, path: a.jsonl }\n")
        #expect(!untracked.tracking)
        #expect(untracked.detectionThreshold == 0.6 && untracked.emitThreshold == 0.6)
    }

    struct Contradiction: Sendable, CustomStringConvertible {
        var body: String
        /// Every key the message must name.
        var keys: [String]
        var line: Int
        var description: String { keys.joined(separator: " + ") }
    }

    static let contradictions: [Contradiction] = [
        Contradiction(body: "  threshold: 0.05\nsinks: []\n", keys: ["model.threshold", "tracker.low_score_threshold"],
                      line: 5),
        Contradiction(body: "  threshold: 0.2\ntracker:\n  low_score_threshold: 0.3\nsinks: []\n",
                      keys: ["model.threshold", "tracker.low_score_threshold"], line: 5),
        Contradiction(body: "tracker:\n  high_score_threshold: 0.75\nsinks: []\n",
                      keys: ["tracker.newTrackScoreThreshold", "highScoreThreshold"], line: 6),
        Contradiction(body: "tracker: off\nsinks:\n  - { type: mots, path: a.txt }\n", keys: ["mots", "tracker"],
                      line: 5),
        Contradiction(body: "tracker: off\nsinks:\n  - { type: ytvis, path: a.json }\n", keys: ["ytvis", "tracker"],
                      line: 5),
    ]

    @Test(arguments: contradictions)
    func contradictoryThresholdsAreConfigErrorsNamingTheKeys(_ c: Contradiction) {
        let error = #expect(throws: MaskstreamError.self) { try parse(c.body) }
        #expect(error?.code == .config)
        for key in c.keys { #expect(error?.message.contains(key) == true, "\(error?.message ?? "")") }
        #expect(error?.message.hasPrefix("p.yaml:\(c.line):") == true, "\(error?.message ?? "")")
    }

    @Test func trackerOffFromTheCommandLineRejectsTrackerKeys() throws {
        var c = try parse("sinks:\n  - { type: jsonl, path: a.jsonl }\n")
        try c.apply(settings: ["tracker=off"])
        #expect(!c.tracking)
        var keyed = c
        let error = #expect(throws: MaskstreamError.self) { try keyed.apply(settings: ["tracker.max_lost_frames=5"]) }
        #expect(error?.message.contains("tracker.max_lost_frames is set but 'tracker' is off") == true,
                "\(error?.message ?? "")")
        try c.apply(settings: ["tracker=on", "tracker.max_lost_frames=5"])
        #expect(c.tracking && c.tracker.maxLostFrames == 5)
    }
}

/// End to end on the sample: low-score detections reach the tracker in a real run, emission is
/// decided after tracking, and every sink still agrees frame for frame.
@Suite(.serialized) struct PipelineEmissionTests {
    static let root = TestMedia.repositoryRoot

    func run(_ tracker: String, out: URL, frames: Int) async throws -> [FrameRecord] {
        let text = """
        sources:
          - url: \(Self.root.appending(path: "examples/sample.mp4").path())
            max_frames: \(frames)
        model:
          path: \(Self.root.appending(path: "models/default").path())
          threshold: 0.5
        tracker: \(tracker)
        sinks:
          - { type: jsonl, path: \(out.appending(path: "s.jsonl").path()) }
          - { type: ts, path: \(out.appending(path: "s.ts").path()) }
        """
        let summary = try await PipelineRunner(config: PipelineConfig.parse(yaml: text)).run()
        #expect(summary.framesWritten == frames)
        let records = try FrameRecord.readJSONL(out.appending(path: "s.jsonl"))
        let klv = try MetadataTrackReader.read(path: out.appending(path: "s.ts").path())
            .map { try FrameRecord.decode(json: $0.value) }
            .sorted { $0.frame < $1.frame }
        #expect(records.count == frames)
        #expect(klv == records, "one KLV packet per record, the same records")
        return records
    }

    @Test func trackedRunsEmitTheLowScoreFramesOfTracksThatReachedTheThreshold() async throws {
        let out = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let records = try await run("{}", out: out, frames: 120)
        let instances = records.flatMap(\.instances)
        #expect(instances.allSatisfy { $0.trackId != nil && $0.score >= 0.1 })
        #expect(instances.contains { $0.score < 0.5 }, "the tracker's low-score pass extends tracks in a real run")
        let best = Dictionary(instances.map { ($0.trackId!, $0.score) }, uniquingKeysWith: max)
        #expect(best.values.allSatisfy { $0 >= 0.5 }, "every emitted track reached model.threshold")
    }

    @Test func untrackedRunsEmitByScoreWithoutTrackIDs() async throws {
        let out = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let records = try await run("off", out: out, frames: 12)
        let instances = records.flatMap(\.instances)
        #expect(!instances.isEmpty)
        #expect(instances.allSatisfy { $0.trackId == nil && $0.score >= 0.5 })
        let line = try String(contentsOf: out.appending(path: "s.jsonl"), encoding: .utf8)
        #expect(!line.contains("track_id"))
    }
}
