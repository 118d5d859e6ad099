import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamPipeline

// Nested in InputRobustnessTests, whose .serialized trait then covers it: these runs load the
// CPU (model on lavapipe, worker processes) and must not overlap the real-time RTSP test.
extension InputRobustnessTests {
    /// The `redis` and `mqtt` sinks in a real pipeline (FFmpeg, lavapipe, the default model) on the
    /// sample clip, with real brokers restarted mid-run: every frame's record reaches an independent
    /// client (redis-cli, mosquitto_sub), in order, equal to the JSON Lines sink's records.
    @Suite(.timeLimit(.minutes(5))) struct BrokerSinkTests {
        static let root = TestMedia.repositoryRoot
        static let frames = 40

        func yaml(out: URL, sink: String) -> String {
            """
            sources:
              - url: \(Self.root.appending(path: "examples/sample.mp4").path())
                max_frames: \(Self.frames)
            model:
              path: \(Self.root.appending(path: "models/default").path())
            tracker: {}
            sinks:
              - { type: jsonl, path: \(out.appending(path: "s.jsonl").path()) }
              - \(sink)
            """
        }

        /// Runs the pipeline; `onFrame` is called after each frame with the frames written so far.
        func run(_ yaml: String, onFrame: @escaping @Sendable (Int) -> Void) async throws
            -> (PipelineRunner.Summary, [String], metrics: String) {
            let config = try PipelineConfig.parse(yaml: yaml)
            let lines = Locked([String]())
            let runner = PipelineRunner(config: config, log: { line in lines.withLock { $0.append(line) } },
                                        progress: { n, _ in onFrame(n) })
            let summary = try await runner.run()
            return (summary, lines.withLock { $0 }, runner.metrics.render())
        }

        func jsonl(_ out: URL) throws -> [String] {
            try String(contentsOf: out.appending(path: "s.jsonl"), encoding: .utf8).split(separator: "\n")
                .map(String.init)
        }

        /// redis-server is SIGKILLed after frame 10 and restarted after frame 20 (its append-only
        /// file keeps what it acknowledged): the stream holds every frame's record exactly once, in
        /// order, byte-equal to the JSON Lines records; the summary counts the reconnect, no drops.
        @Test func redisSinkDeliversEveryRecordAcrossABrokerRestart() async throws {
            let out = try TestMedia.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            let redis = try RedisTestServer()
            try redis.start()
            let sink = "{ type: redis, url: \"\(redis.url)\", stream: cam, maxlen: 1000, spool: 1000 }"
            let (summary, log, metrics) = try await run(yaml(out: out, sink: sink)) { n in
                if n == 10 { redis.stop() }
                if n == 20 { try? redis.start() }
            }
            let records = try jsonl(out)
            #expect(records.count == Self.frames)
            #expect(try redis.streamRecords("maskstream:cam") == records, "every record once, in order")
            let report = try #require(summary.brokers.first)
            #expect(report.target == "\(redis.url) maskstream:cam")
            #expect(report.stats.delivered == Self.frames && report.stats.dropped == 0)
            #expect(report.stats.reconnects >= 1, "the broker restarted mid-run")
            #expect(log.contains { $0.hasPrefix("redis: ") && $0.contains("lost the broker") }, "\(log)")
            let labels = "{sink=\"redis\",target=\"\(redis.url) maskstream:cam\"}"
            #expect(metrics.contains("maskstream_broker_delivered_records_total\(labels) \(Self.frames)"), "\(metrics)")
            #expect(metrics.contains("maskstream_broker_dropped_records_total\(labels) 0"), "\(metrics)")
        }

        /// mosquitto is stopped after frame 10 and restarted after frame 20: the independent
        /// subscriber (persistent session, QoS 1) receives every frame's record at least once,
        /// first arrivals in order and equal to the JSON Lines records (QoS 1 may repeat a record
        /// whose acknowledgement the restart lost); the retained state topic says finished.
        @Test func mqttSinkDeliversEveryRecordAcrossABrokerRestart() async throws {
            let out = try TestMedia.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            let broker = try MosquittoTestServer()
            try broker.start()
            let subscriber = try MQTTTestSubscriber(broker: broker, topic: "maskstream/0/frames")
            let sink = "{ type: mqtt, url: \"\(broker.url)\" }"
            let (summary, _, _) = try await run(yaml(out: out, sink: sink)) { n in
                if n == 10 { broker.stop() }
                if n == 20 { try? broker.start() }
            }
            let records = try jsonl(out)
            #expect(records.count == Self.frames)
            let deadline = Date().addingTimeInterval(30)
            while Set(subscriber.payloads()).count < Self.frames, Date() < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            let got = subscriber.payloads()
            var firsts: [String] = []
            for p in got where !firsts.contains(p) { firsts.append(p) }
            #expect(firsts == records, "every record at least once, first arrivals in order")
            let index = Dictionary(uniqueKeysWithValues: records.enumerated().map { ($1, $0) })
            var newest = -1
            for p in got {
                let i = index[p] ?? .max
                #expect(i <= newest + 1, "a repeat never jumps ahead")
                newest = max(newest, i)
            }
            let report = try #require(summary.brokers.first)
            #expect(report.stats.delivered == Self.frames && report.stats.dropped == 0)
            #expect(report.stats.reconnects >= 1)
            let state = try broker.retained("maskstream/0/state")
            #expect(state?.contains("\"state\":\"finished\"") == true, "\(state ?? "no retained state")")
        }

        /// No broker at all: the run still finishes (records spooled, then counted as dropped at
        /// the drain deadline, named in the log and the summary), and exits normally.
        @Test func unreachableBrokerNeverBlocksTheRun() async throws {
            let out = try TestMedia.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            let port = TestMedia.freePort()
            let sink = "{ type: redis, url: \"redis://127.0.0.1:\(port)\", spool: 15, drain_timeout: 0.5 }"
            let (summary, log, metrics) = try await run(yaml(out: out, sink: sink)) { _ in }
            #expect(try jsonl(out).count == Self.frames, "the other sinks got every frame")
            let report = try #require(summary.brokers.first)
            #expect(report.stats.submitted == Self.frames)
            #expect(report.stats.delivered == 0)
            #expect(report.stats.dropped == Self.frames,
                    "every record counted: \(Self.frames - 15) spool drops + 15 at the end")
            #expect(log.contains { $0.contains("cannot reach the broker") }, "\(log)")
            #expect(log.contains { $0.contains("spool full (15 records)") }, "\(log)")
            #expect(log.contains { $0.contains("15 records not delivered") }, "\(log)")
            let dropped = "maskstream_broker_dropped_records_total{sink=\"redis\","
                + "target=\"redis://127.0.0.1:\(port) maskstream:0\"} \(Self.frames)"
            #expect(metrics.contains(dropped), "\(metrics)")
        }

        @Test(arguments: [
            ("{ type: redis }", "needs 'url'"),
            ("{ type: redis, url: \"http://127.0.0.1:6379\" }", "uses 'http://'"),
            ("{ type: mqtt, url: \"mqtt://broker/x\" }", "has a path"),
            ("{ type: mqtt, url: \"mqtt://broker\", path: x.jsonl }", "not 'path'"),
            ("{ type: redis, url: \"redis://h\", stream: \"a/b\" }", "letters, digits"),
            ("{ type: jsonl, path: x.jsonl, url: \"redis://h\" }", "redis and mqtt sinks only"),
            ("{ type: redis, url: \"redis://h\", spool: 0 }", "spool"),
        ])
        func malformedBrokerSinksAreConfigErrors(sink: String, why: String) throws {
            let out = URL(fileURLWithPath: "/tmp")
            #expect {
                try PipelineConfig.parse(yaml: yaml(out: out, sink: sink))
            } throws: { error in
                let e = error as? MaskstreamError
                return e?.code == .config && e?.message.contains(why) == true
            }
        }

        @Test func streamNames() {
            var sink = PipelineConfig.Sink(kind: .redis)
            #expect(sink.streamName(source: 1, sourceCount: 2) == "1")
            sink.stream = "cam"
            #expect(sink.streamName(source: 0, sourceCount: 1) == "cam")
            #expect(sink.streamName(source: 1, sourceCount: 2) == "cam-1")
            #expect(sink.streamName(source: 1, sourceName: "door", sourceCount: 2) == "cam-door")
            sink.stream = nil
            #expect(sink.streamName(source: 0, sourceName: "door", sourceCount: 3) == "door",
                    "a named source keeps its stream on whichever shard runs it")
        }

        @Test func sourceNamesAreCheckedAndUnique() throws {
            let video = Self.root.appending(path: "examples/sample.mp4").path()
            let model = Self.root.appending(path: "models/default").path()
            func parse(_ names: [String]) throws -> PipelineConfig {
                let sources = names.map { "  - { url: \(video), name: \"\($0)\" }" }.joined(separator: "\n")
                return try PipelineConfig.parse(yaml: "sources:\n\(sources)\nmodel:\n  path: \(model)\nsinks:\n"
                    + "  - { type: redis, url: \"redis://127.0.0.1:1\" }\n")
            }
            #expect(try parse(["gate", "door"]).sources.map(\.name) == ["gate", "door"])
            #expect { try parse(["gate", "gate"]) } throws: {
                ($0 as? MaskstreamError)?.message.contains("two sources are named 'gate'") == true
            }
            #expect { try parse(["a b"]) } throws: { ($0 as? MaskstreamError)?.message.contains("letters") == true }
        }
    }
}
