import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamPipeline

/// `capture:`: uncertain frames kept as a COCO dataset, checked with pycocotools.
@Suite(.serialized) struct CaptureTests {
    static let root = TestMedia.repositoryRoot

    func run(_ out: URL, capture: String, frames: Int = 60) async throws -> [FrameRecord] {
        let config = try PipelineConfig.parse(yaml: """
        sources:
          - { url: \(Self.root.appending(path: "examples/sample.mp4").path()), max_frames: \(frames) }
        model: { path: \(Self.root.appending(path: "models/default").path()), threshold: 0.5 }
        tracker: {}
        capture: { path: \(out.appending(path: "capture").path()), \(capture) }
        sinks:
          - { type: jsonl, path: \(out.appending(path: "s.jsonl").path()) }
        """)
        _ = try await PipelineRunner(config: config).run()
        return try FrameRecord.readJSONL(out.appending(path: "s.jsonl"))
    }

    func dataset(_ out: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: out.appending(path: "capture/annotations.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Track starts and ends and near-threshold scores select frames; each kept image carries the
    /// frame's records as annotations (same masks, classes, track IDs), and pycocotools loads the
    /// dataset, decodes every mask at its image's size and agrees on areas and boxes.
    @Test func uncertainFramesBecomeACOCODataset() async throws {
        let out = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let records = try await run(out, capture: "budget_per_hour: 100000, min_gap: 0, drift: 1")
        let d = try dataset(out)
        let images = try #require(d["images"] as? [[String: Any]])
        let annotations = try #require(d["annotations"] as? [[String: Any]])
        #expect(!images.isEmpty && images.count < records.count, "some frames, not all")
        #expect((d["categories"] as? [Any])?.count == 5)
        // Frame 0 starts the first tracks.
        let first = try #require(images.first?["maskstream"] as? [String: Any])
        #expect(first["frame"] as? Int == records.first { !$0.instances.isEmpty }?.frame)
        #expect((first["reasons"] as? [String])?.contains("track_start") == true)
        for image in images {
            let meta = try #require(image["maskstream"] as? [String: Any])
            let record = try #require(records.first { $0.frame == meta["frame"] as? Int })
            let mine = annotations.filter { $0["image_id"] as? Int == image["id"] as? Int }
            let counts = mine.compactMap { ($0["segmentation"] as? [String: Any])?["counts"] as? String }
            #expect(counts == record.instances.map(\.segmentation.compressedCounts))
            #expect(mine.compactMap { $0["track_id"] as? Int } == record.instances.compactMap(\.trackId))
            let reasons = meta["reasons"] as? [String] ?? []
            #expect(!reasons.isEmpty)
            if reasons == ["score_near_threshold"] {
                #expect(record.instances.contains { abs($0.score - 0.5) <= 0.1 })
            }
            #expect(Set(reasons).isSubset(of: ["score_near_threshold", "low_mask_score", "track_start",
                                               "track_end"]))
        }
        let python = Self.root.appending(path: "tools/.venv/bin/python").path()
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw TestFailure("tools/.venv is missing: run scripts/setup.sh (it installs pycocotools)")
        }
        let check = try TestMedia.run(python, [Self.root.appending(path: "tools/check_coco_capture.py").path(),
                                               out.appending(path: "capture").path()])
        #expect(check.status == 0, "\(check.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(check.stdout.split(separator: "\n").last
            .map { Data($0.utf8) } ?? Data())) as? [String: Any]
        #expect(report?["images"] as? Int == images.count)
        #expect(report?["annotations"] as? Int == annotations.count)
    }

    /// The budget and the gap cap what is kept: 10 s of video at 60 an hour (a bucket of one
    /// frame, refilled once a minute) keeps 1 frame; at 720 an hour (12, +0.2 a second) at most
    /// 14; a 4 s gap keeps at most 3.
    @Test func budgetAndGapCapTheCapture() async throws {
        for (setting, most) in [("budget_per_hour: 60, min_gap: 0", 1), ("budget_per_hour: 720, min_gap: 0", 14),
                                 ("budget_per_hour: 100000, min_gap: 4", 3)] {
            let out = try TestMedia.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            _ = try await run(out, capture: setting + ", drift: 1", frames: 120)
            let images = try #require(try dataset(out)["images"] as? [[String: Any]])
            #expect(images.count >= 1 && images.count <= most, "\(setting): \(images.count)")
            let files = try FileManager.default.contentsOfDirectory(atPath: out.appending(path: "capture/images").path())
            #expect(files.count == images.count)
        }
    }

    /// With every other rule off, a mask-score bound above every mask keeps frames for that
    /// reason alone; a bound of 0 keeps none.
    @Test func lowMaskScoreAloneSelectsFrames() async throws {
        for (bound, expectSome) in [("1", true), ("0", false)] {
            let out = try TestMedia.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: out) }
            _ = try await run(out, capture: "budget_per_hour: 100000, min_gap: 0, drift: 1, score_margin: 0, "
                              + "births: false, deaths: false, min_mask_score: \(bound)", frames: 20)
            let images = try #require(try dataset(out)["images"] as? [[String: Any]])
            #expect(images.isEmpty != expectSome, "min_mask_score \(bound): \(images.count)")
            for image in images {
                let reasons = (image["maskstream"] as? [String: Any])?["reasons"] as? [String]
                #expect(reasons == ["low_mask_score"])
            }
        }
    }
}
