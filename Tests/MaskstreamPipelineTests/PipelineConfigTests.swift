import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamPipeline

@Suite struct PipelineConfigTests {
    static let root = TestMedia.repositoryRoot.path()

    func yaml(_ body: String) -> String {
        body.replacingOccurrences(of: "ROOT", with: Self.root)
    }

    @Test func parsesTheShippedPipelines() throws {
        let cwd = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(Self.root)
        defer { FileManager.default.changeCurrentDirectoryPath(cwd) }
        let d = try PipelineConfig.load(path: "pipelines/default.yaml")
        #expect(d.sources.map(\.url) == ["examples/sample.mp4"])
        #expect(d.model.path == "models/default")
        #expect(Set(d.sinks.map(\.kind)) == [.jsonl, .ts, .mots, .ytvis, .video])
        let r = try PipelineConfig.load(path: "pipelines/rtsp.yaml")
        #expect(r.sources[0].url.hasPrefix("rtsp://"))
        #expect(r.sources[0].liveBuffer == 2)
        #expect(r.sinks.contains { $0.kind == .websocket })
        #expect(r.effectiveServer?.port == 8765, "one server for /ws and /metrics")
    }

    struct BadCase: Sendable, CustomStringConvertible {
        var text: String, expected: String, line: Int?
        init(_ text: String, _ expected: String, _ line: Int?) { (self.text, self.expected, self.line) = (text, expected, line) }
        var description: String { expected }
    }

    /// The start of most cases: a valid source and model.
    static let head = "sources:\n  - url: ROOT/examples/sample.mp4\nmodel:\n  path: ROOT/models/default\n"

    /// Bad pipelines: YAML, the message it must give, the line it must name.
    static let bad: [BadCase] = [
        BadCase(head + "  treshold: 0.5\nsinks: []\n", "unknown key 'model.treshold'", 5),
        BadCase(head + "  threshold: high\nsinks: []\n", "'model.threshold': expected a number", 5),
        BadCase(head + "  precision: fp64\nsinks: []\n", "unknown precision 'fp64' (one of auto, fp32, fp16)", 5),
        BadCase("sources:\n  - url: /no/such/clip.mp4\nmodel:\n  path: ROOT/models/default\nsinks: []\n", "input '/no/such/clip.mp4' does not exist", 2),
        BadCase("sources:\n  - url: ROOT/examples/sample.mp4\nmodel:\n  path: /no/model\nsinks: []\n", "model folder '/no/model' does not exist", 4),
        BadCase(head + "sinks:\n  - type: jsonx\n    path: a\n", "unknown sink type 'jsonx'", 6),
        BadCase(head + "sinks:\n  - type: ts\n", "sink 'ts' needs 'path'", 6),
        BadCase("model:\n  path: ROOT/models/default\nsinks: []\n", "missing required key 'sources'", nil),
        BadCase("sources: [\n", "not valid YAML", nil),
        BadCase("", "the pipeline is empty", nil),
        BadCase(head + "tracker:\n  no_such_param: 3\nsinks: []\n", "unknown key 'tracker.no_such_param'", 6),
        BadCase(head + "  top_k: 0\nsinks: []\n", "'model.top_k': must be in 1...10000", 5),
        BadCase(head + "metrics_port: 9464\nsinks: []\n", "unknown key 'metrics_port'", 5),
        BadCase(head + "  frames_in_flight: 9\nsinks: []\n", "'model.frames_in_flight': must be in 1...8", 5),
        BadCase(head + "tracker:\n  low_score_threshold: 0.2\n  high_score_threshold: 0.1\nsinks: []\n", "tracker.highScoreThreshold is 0.1", 7),
        BadCase(head + "tracker:\n  confirm_hits: 1.5\nsinks: []\n", "'tracker.confirm_hits': expected an integer", 6),
        BadCase(head + "server:\n  port: 70000\nsinks: []\n", "'server.port': must be in 0...65535", 6),
    ]

    @Test(arguments: bad)
    func rejectsBadYAMLNamingKeyAndLine(_ c: BadCase) {
        let error = #expect(throws: MaskstreamError.self) { try PipelineConfig.parse(yaml: yaml(c.text), file: "p.yaml") }
        #expect(error?.code == .config || error?.code == .notFound)
        #expect(error?.message.contains(c.expected) == true, "\(error?.message ?? "")")
        if let line = c.line { #expect(error?.message.hasPrefix("p.yaml:\(line):") == true, "\(error?.message ?? "")") }
    }

    @Test func trackerKeysOverrideDefaults() throws {
        let text = yaml("sources:\n  - url: ROOT/examples/sample.mp4\nmodel:\n  path: ROOT/models/default\ntracker:\n  maxLostFrames: 7\nsinks: []\n")
        let c = try PipelineConfig.parse(yaml: text)
        #expect(c.tracker.maxLostFrames == 7)
        let snake = try PipelineConfig.parse(yaml: text.replacingOccurrences(of: "maxLostFrames: 7", with: "max_lost_frames: 9\n  min_iou: 0.2\n  embedding_weight: 0.5"))
        #expect(snake.tracker.maxLostFrames == 9)
        #expect(snake.tracker.minIoU == 0.2)
        #expect(snake.tracker.embeddingWeight == 0.5)
        let bad = text.replacingOccurrences(of: "maxLostFrames: 7", with: "max_lost_frames: -1")
        let error = #expect(throws: MaskstreamError.self) { try PipelineConfig.parse(yaml: bad, file: "p.yaml") }
        #expect(error?.message.contains("maxLostFrames") == true && error?.message.hasPrefix("p.yaml:6:") == true, "\(error?.message ?? "")")
    }

    @Test func commandLineOverridesRerootOutputs() throws {
        var c = try PipelineConfig.parse(yaml: yaml("sources:\n  - url: ROOT/examples/sample.mp4\nmodel:\n  path: ROOT/models/default\nsinks:\n  - { type: ts, path: out/a.ts }\n  - { type: jsonl, path: '-' }\n"))
        try c.apply(input: nil, output: "/tmp/x", model: nil, device: "1", maxFrames: 5)
        #expect(c.sinks[0].path == "/tmp/x/a.ts")
        #expect(c.sinks[1].path == "-")
        #expect(c.model.device == "1")
        #expect(c.sources[0].maxFrames == 5)
        #expect(throws: MaskstreamError.self) { try c.apply(input: "/no/clip.mp4", output: nil, model: nil, device: nil, maxFrames: nil) }
    }

    @Test func setOverridesAnyKeyThroughTheTable() throws {
        var c = try PipelineConfig.parse(yaml: yaml("sources:\n  - url: ROOT/examples/sample.mp4\nmodel:\n  path: ROOT/models/default\nsinks:\n  - { type: jsonl, path: '-' }\n"))
        try c.apply(settings: ["model.threshold=0.3", "tracker.max_lost_frames=60", "tracker.minIoU=0.2",
                               "sources[].live_buffer=7", "server.port=0", "queue_depth=9", "sinks[0].path=out/x.jsonl"])
        #expect(c.model.threshold == 0.3)
        #expect(c.tracker.maxLostFrames == 60 && c.tracker.minIoU == 0.2)
        #expect(c.sources[0].liveBuffer == 7)
        #expect(c.server?.port == 0 && c.queueDepth == 9)
        #expect(c.sinks[0].path == "out/x.jsonl")
        for (bad, expected) in [("model.threshold=2", "must be in [0, 1]"), ("model.colour=red", "unknown key"),
                                ("sources[3].url=a.mp4", "has 1 entries"), ("tracker.max_lost_frames=-1", "maxLostFrames"),
                                ("model.top_k=many", "expected an integer"), ("nokey", "KEY=VALUE")] {
            var copy = c
            let error = #expect(throws: MaskstreamError.self) { try copy.apply(settings: [bad]) }
            #expect(error?.message.contains(expected) == true, "\(bad): \(error?.message ?? "")")
        }
    }

    /// README's key list is the key table (regenerate it with `maskstream keys`).
    @Test func readmeListsExactlyTheKeyTable() throws {
        let readme = try String(contentsOf: TestMedia.repositoryRoot.appending(path: "README.md"), encoding: .utf8)
        let begin = "<!-- keys:begin (maskstream keys) -->\n", end = "<!-- keys:end -->"
        let start = try #require(readme.range(of: begin)), stop = try #require(readme.range(of: end))
        #expect(String(readme[start.upperBound..<stop.lowerBound]) == PipelineConfig.keyTableMarkdown())
        let keys = PipelineConfig.keyTable.map(\.key)
        #expect(keys.contains("tracker.max_lost_frames") && keys.contains("model.frames_in_flight"))
        #expect(keys.count == Set(keys).count)
        #expect(keys.filter { $0.hasPrefix("tracker.") }.count == TrackerConfig.parameters.count)
    }

    /// A hub repo id is accepted without a network request (it is fetched when the pipeline
    /// runs); a malformed one names the key and its line.
    @Test func modelPathTakesAHubRepoID() throws {
        for id in ["tue-mps/coco_instance_eomt_large_640", "org/name@v1.0"] {
            let text = yaml("sources:\n  - url: ROOT/examples/sample.mp4\nmodel:\n  path: \(id)\nsinks: []\n")
            let c = try PipelineConfig.parse(yaml: text)
            #expect(c.model.path == id)
        }
        let bad = yaml("sources:\n  - url: ROOT/examples/sample.mp4\nmodel:\n  path: org/na--me\nsinks: []\n")
        let error = #expect(throws: MaskstreamError.self) { try PipelineConfig.parse(yaml: bad, file: "p.yaml") }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.hasPrefix("p.yaml:4: 'model.path': 'org/na--me' is not a Hugging Face repo id") == true,
                "\(error?.message ?? "")")
    }
}
