import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamEvaluation

@Suite struct MaskEvaluationTests {
    /// AP/AR equal pycocotools COCOeval (and its YouTube-VIS variant) on the
    /// scenarios of `tools/make_mask_fixtures.py`.
    @Test(arguments: ["coco_a", "coco_b", "coco_c", "ytvis_a", "ytvis_b"])
    func statsMatchPycocotools(name: String) throws {
        let expected = try Fixture.decode([Double].self, "eval/\(name)_stats.json")
        let report = try MaskEvaluation.evaluate(
            groundTruth: Fixture.url("eval/\(name)_gt.json"), predictions: Fixture.url("eval/\(name)_pred.json"))
        let got = report.summary.stats
        #expect(got.count == 12)
        for i in 0..<12 {
            #expect(abs(got[i] - expected[i]) < 1e-4, "stat \(i): \(got[i]) vs pycocotools \(expected[i])")
        }
        #expect(report.format == (name.hasPrefix("coco") ? .coco : .youtubeVIS))
        #expect(report.table.contains("Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]"))
        let back = try JSONDecoder().decode(EvaluationReport.self, from: Data(report.jsonString().utf8))
        #expect(back == report)
    }

    /// Perfect predictions give AP 1 and perfect operating-point metrics.
    @Test func perfectPredictions() throws {
        let a = RLE(mask: (0..<(40 * 50)).map { $0 % 50 < 20 ? 1 : 0 }, height: 40, width: 50)
        let b = RLE(mask: (0..<(40 * 50)).map { $0 / 50 > 30 ? 1 : 0 }, height: 40, width: 50)
        let gt = """
            {"images":[{"id":1,"height":40,"width":50}],"categories":[{"id":1,"name":"a"},{"id":2,"name":"b"}],
             "annotations":[
              {"id":1,"image_id":1,"category_id":1,"segmentation":\(json(a)),"area":\(a.area),"iscrowd":0},
              {"id":2,"image_id":1,"category_id":2,"segmentation":\(json(b)),"area":\(b.area),"iscrowd":0}]}
            """
        let pred = """
            [{"image_id":1,"category_id":1,"segmentation":\(json(a)),"score":0.9},
             {"image_id":1,"category_id":2,"segmentation":\(json(b)),"score":0.8},
             {"image_id":1,"category_id":2,"segmentation":\(json(a)),"score":0.7}]
            """
        let r = try MaskEvaluation.evaluate(groundTruthJSON: Data(gt.utf8), predictionsJSON: Data(pred.utf8))
        #expect(abs(r.summary.ap - 1) < 1e-9)
        #expect(r.recall == 1)
        #expect(r.meanIoU == 1)
        #expect(r.dice == 1)
        #expect(r.falsePositivesPerSample == 1)  // the class-2 prediction of mask a
        #expect(r.classes.map(\.falsePositives) == [0, 1])
        #expect(r.classes.map(\.recall) == [1, 1])
    }

    @Test(arguments: [
        (#"{"annotations":[]}"#, "[]", "neither 'images'"),
        (#"{"images":[{"id":1,"height":4,"width":4}],"annotations":[],"categories":[]}"#,
         #"[{"image_id":2,"category_id":1,"score":1,"segmentation":{"size":[4,4],"counts":[16]}}]"#,
         "not in the ground truth"),
        (#"{"images":[{"id":1,"height":4,"width":4}],"annotations":[],"categories":[]}"#,
         #"[{"image_id":1,"category_id":1,"score":1,"segmentation":{"size":[4,4],"counts":"0o"}}]"#,
         "middle of a value"),
        (#"{"images":[{"id":1,"height":4,"width":4}],"annotations":[],"categories":[]}"#,
         #"{"oops":1}"#, "predictions are not"),
        ("not json", "[]", "ground truth is not"),
    ])
    func malformedInputThrowsTypedError(gt: String, pred: String, fragment: String) {
        do {
            _ = try MaskEvaluation.evaluate(groundTruthJSON: Data(gt.utf8), predictionsJSON: Data(pred.utf8))
            Issue.record("expected an error containing '\(fragment)'")
        } catch let e as MaskstreamError {
            #expect(e.code == .invalidInput)
            #expect(e.message.contains(fragment), "\(e.message)")
        } catch {
            Issue.record("untyped error \(error)")
        }
    }

    @Test func missingFileIsNotFound() {
        #expect(throws: MaskstreamError.self) {
            try MaskEvaluation.evaluate(
                groundTruth: URL(fileURLWithPath: "/nonexistent/gt.json"),
                predictions: URL(fileURLWithPath: "/nonexistent/pred.json"))
        }
    }

    private func json(_ rle: RLE) -> String {
        #"{"size":[\#(rle.height),\#(rle.width)],"counts":"\#(rle.compressedCounts)"}"#
    }
}

/// Randomly corrupted annotation files give a report or a typed error, never a trap.
@Suite struct MaskEvaluationFuzzTests {
    @Test func corruptedFilesNeverTrap() throws {
        let gt = Array(try Fixture.data("eval/ytvis_a_gt.json"))
        let pred = Array(try Fixture.data("eval/coco_a_pred.json"))
        let cocoGT = Array(try Fixture.data("eval/coco_a_gt.json"))
        var rng = SeededRandom(seed: 7)
        let alphabet = Array("0123456789-.,:[]{}\"e ".utf8)
        var reports = 0
        var errors = 0
        for trial in 0..<60 {
            var g = trial % 2 == 0 ? gt : cocoGT
            var p = trial % 2 == 0 ? Array(try Fixture.data("eval/ytvis_a_pred.json")) : pred
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                if rng.next() % 2 == 0 {
                    let i = Int(rng.next() % UInt64(g.count))
                    g[i] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                } else {
                    let i = Int(rng.next() % UInt64(p.count))
                    p[i] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                }
            }
            do {
                _ = try MaskEvaluation.evaluate(groundTruthJSON: Data(g), predictionsJSON: Data(p))
                reports += 1
            } catch let e as MaskstreamError {
                #expect(e.code == .invalidInput, "\(e)")
                errors += 1
            } catch {
                Issue.record("untyped error \(error)")
            }
        }
        #expect(reports + errors == 60)
    }
}
