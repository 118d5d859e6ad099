import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamEvaluation
@testable import MaskstreamPipeline

/// The `shadow:` model: a second model on sampled frames, compared with the primary, never emitted.
@Suite(.serialized) struct ShadowModelTests {
    static let root = TestMedia.repositoryRoot

    func config(out: URL, model: String, shadow: String?, every: Int = 1) throws -> PipelineConfig {
        let section = shadow.map { "shadow: { path: \($0), every: \(every), report: \(out.appending(path: "shadow.jsonl").path()) }\n" } ?? ""
        return try PipelineConfig.parse(yaml: """
        sources:
          - { url: \(Self.root.appending(path: "examples/sample.mp4").path()), max_frames: 24 }
        model: { path: \(model), threshold: 0.3 }
        tracker: off
        \(section)server: { port: 0 }
        sinks:
          - { type: jsonl, path: \(out.appending(path: "s.jsonl").path()) }
        """)
    }

    /// The same model as its own shadow agrees exactly on every sampled frame; a perturbed
    /// shadow's figures are those `maskstream compare` gives offline from the two models' own
    /// records; the shadow never changes what is emitted; metrics and the report carry it.
    @Test func shadowAgreementMatchesTheOfflineComparison() async throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let primary = Self.root.appending(path: "models/default").path()
        let other = try ModelReloadTests.perturbedModel(in: dir).path()
        func run(_ name: String, model: String, shadow: String?, every: Int = 1,
                 scrape: Bool = false) async throws -> (PipelineRunner, [FrameRecord], String) {
            let out = dir.appending(path: name)
            nonisolated(unsafe) var runnerRef: PipelineRunner?
            nonisolated(unsafe) var scraped = ""
            let runner = PipelineRunner(config: try config(out: out, model: model, shadow: shadow, every: every),
                                        progress: { frames, _ in
                guard scrape, frames == 20, let port = runnerRef?.serverPort else { return }
                scraped = (try? TestMedia.run("curl", ["-s", "http://127.0.0.1:\(port)/metrics"]).stdout) ?? ""
            })
            runnerRef = runner
            _ = try await runner.run()
            return (runner, try FrameRecord.readJSONL(out.appending(path: "s.jsonl")), scraped)
        }
        let (plain, plainRecords, _) = try await run("plain", model: primary, shadow: nil)
        #expect(plain.metrics.shadowAgreement.frames == 0)

        let (same, sameRecords, metrics) = try await run("same", model: primary, shadow: primary, every: 4, scrape: true)
        #expect(sameRecords == plainRecords, "the shadow changes nothing that is emitted")
        let a = same.metrics.shadowAgreement
        // Frames 0, 4, …, 20 of 24 are sampled; under load the shadow skips some (counted).
        #expect(a.frames + same.metrics.shadowSkippedFrames == 6 && a.frames >= 1, "\(a.frames) compared")
        #expect(a.matched == a.primary && a.primary == a.shadow && a.primary > 0)
        #expect(a.meanIoU == 1 && a.classAgreement == 1 && a.meanScoreShift == 0)
        #expect(metrics.contains("maskstream_shadow_frames_total"), "\(metrics)")
        #expect(metrics.contains("maskstream_shadow_mask_iou_bucket"))
        let report = try String(contentsOf: dir.appending(path: "same/shadow.jsonl"), encoding: .utf8)
        #expect(report.split(separator: "\n").count == a.frames)
        if same.metrics.shadowSkippedFrames > 0 {
            #expect(metrics.contains("maskstream_shadow_skipped_frames_total"))
        }

        let (perturbed, _, _) = try await run("perturbed", model: primary, shadow: other)
        let (_, otherRecords, _) = try await run("other", model: other, shadow: nil)
        // The shadow skips sampled frames when it falls behind (every: 1 here): compare the ones it did.
        let lines = try String(contentsOf: dir.appending(path: "perturbed/shadow.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        let compared = Set(try lines.map { line -> Int in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return try #require(object?["frame"] as? Int)
        })
        var offline = AgreementSummary()
        for (p, o) in zip(plainRecords, otherRecords) where compared.contains(p.frame) {
            let instances = { (r: FrameRecord) in
                r.instances.map { AgreementInstance(rle: $0.segmentation, categoryId: $0.categoryId, score: $0.score) }
            }
            offline.add(ModelAgreement.compare(primary: instances(p), shadow: instances(o)))
        }
        let live = perturbed.metrics.shadowAgreement
        #expect(live.frames == compared.count && offline.frames == compared.count && live.frames >= 1)
        #expect(live.matched == offline.matched && live.primary == offline.primary && live.shadow == offline.shadow)
        #expect(abs((live.meanIoU ?? 0) - (offline.meanIoU ?? 1)) < 1e-9)
        #expect(abs((live.meanScoreShift ?? 0) - (offline.meanScoreShift ?? 1)) < 1e-6)
        #expect((live.meanScoreShift ?? 0) > 0, "doubled class logits raise the scores")
    }
}
