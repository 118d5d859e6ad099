import ArgumentParser
import Foundation
import MaskstreamEvaluation

extension Maskstream {
    struct Eval: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score predicted masks against ground truth "
                + "(COCO segm AP/AR, per-class IoU, recall, FP/image, Dice).",
            discussion: """
            Reads COCO instances files and YouTube-VIS files (ground truth with 'videos', results as a list).
            Examples:
              maskstream eval --gt examples/sample.ytvis.json --pred out/sample.ytvis.json
              maskstream eval --gt gt.coco.json --pred pred.json --json
            """)

        @Option(help: "Ground truth: COCO instances JSON or YouTube-VIS JSON.") var gt: String
        @Option(help: "Predictions: COCO results or YouTube-VIS results JSON.") var pred: String
        @Option(help: "Score threshold for the operating-point metrics.") var scoreThreshold = 0.5
        @Option(help: "IoU threshold for matching in the operating-point metrics.") var iouThreshold = 0.5
        @Flag(help: "Print the report as JSON.") var json = false

        func run() throws {
            do {
                let report = try MaskEvaluation.evaluate(
                    groundTruth: URL(fileURLWithPath: gt), predictions: URL(fileURLWithPath: pred),
                    options: EvaluationOptions(scoreThreshold: scoreThreshold, matchIoUThreshold: iouThreshold))
                print(json ? try report.jsonString() : report.table)
            } catch { throw fail(error) }
        }
    }
}
