import Foundation

/// Options of ``MaskEvaluation``'s operating-point metrics (COCO AP ignores them).
public struct EvaluationOptions: Sendable, Equatable {
    /// Predictions below this score are dropped for recall, IoU, Dice and false positives.
    public var scoreThreshold: Double
    /// IoU a prediction needs to match a ground-truth instance.
    public var matchIoUThreshold: Double

    public init(scoreThreshold: Double = 0.5, matchIoUThreshold: Double = 0.5) {
        self.scoreThreshold = scoreThreshold
        self.matchIoUThreshold = matchIoUThreshold
    }
}

/// Evaluates predicted instance masks against ground truth: the library side
/// of `maskstream eval --gt GT.json --pred PRED.json`.
///
/// Reads COCO instances files (`images`, `annotations` with `segmentation` as
/// polygons, RLE or uncompressed RLE) with a COCO results list, and YouTube-VIS
/// files (`videos`, `annotations` with per-frame `segmentations`) with a
/// YouTube-VIS results list. The AP/AR numbers equal pycocotools `COCOeval`
/// (segm) for images and the YouTube-VIS API for videos.
///
/// ```swift
/// let report = try MaskEvaluation.evaluate(
///     groundTruth: URL(fileURLWithPath: "gt.json"), predictions: URL(fileURLWithPath: "pred.json"))
/// print(report.table)
/// ```
public enum MaskEvaluation {
    /// Loads both files and evaluates.
    ///
    /// - Throws: `MaskstreamError.notFound` for a missing file, `.io` when it
    ///   cannot be read, `.invalidInput` for malformed contents, `.config` for
    ///   thresholds outside 0...1.
    public static func evaluate(
        groundTruth: URL, predictions: URL, options: EvaluationOptions = EvaluationOptions()
    ) throws -> EvaluationReport {
        try evaluate(
            groundTruthJSON: read(groundTruth, role: "ground truth (--gt)"),
            predictionsJSON: read(predictions, role: "predictions (--pred)"),
            options: options)
    }

    /// Evaluates in-memory JSON documents.
    ///
    /// - Throws: `MaskstreamError.invalidInput` for malformed contents,
    ///   `.config` for thresholds outside 0...1.
    public static func evaluate(
        groundTruthJSON: Data, predictionsJSON: Data, options: EvaluationOptions = EvaluationOptions()
    ) throws -> EvaluationReport {
        guard (0...1).contains(options.scoreThreshold), (0...1).contains(options.matchIoUThreshold) else {
            throw MaskstreamError(
                .config,
                "score threshold \(options.scoreThreshold) and match IoU \(options.matchIoUThreshold) must be in 0...1")
        }
        let dataset = try EvaluationDataset.load(groundTruth: groundTruthJSON, predictions: predictionsJSON)
        let coco = COCOEvaluator(dataset: dataset)
        let ops = OperationalMetrics(
            dataset: dataset, scoreThreshold: options.scoreThreshold, matchIoUThreshold: options.matchIoUThreshold)
        var total = OperationalMetrics.Counts()
        var classes: [EvaluationReport.ClassMetrics] = []
        for (k, cat) in dataset.categories.enumerated() {
            let c = ops.perCategory[cat.id] ?? OperationalMetrics.Counts()
            total.add(c)
            classes.append(
                EvaluationReport.ClassMetrics(
                    categoryID: cat.id, name: cat.name, ap: coco.summarize(ap: true, category: k),
                    groundTruthCount: c.groundTruth, predictionCount: c.predictions,
                    truePositives: c.truePositives, falsePositives: c.falsePositives,
                    recall: ratio(Double(c.truePositives), c.groundTruth),
                    precision: ratio(Double(c.truePositives), c.truePositives + c.falsePositives),
                    meanIoU: ratio(c.iouSum, c.truePositives), dice: ratio(c.diceSum, c.truePositives)))
        }
        return EvaluationReport(
            format: dataset.format, sampleCount: dataset.sampleIDs.count,
            groundTruthCount: dataset.groundTruth.count, predictionCount: dataset.predictions.count,
            summary: EvaluationReport.Summary(stats: coco.stats), classes: classes,
            scoreThreshold: options.scoreThreshold, matchIoUThreshold: options.matchIoUThreshold,
            falsePositivesPerSample: dataset.sampleIDs.isEmpty
                ? 0 : Double(total.falsePositives) / Double(dataset.sampleIDs.count),
            recall: ratio(Double(total.truePositives), total.groundTruth),
            meanIoU: ratio(total.iouSum, total.truePositives), dice: ratio(total.diceSum, total.truePositives))
    }

    private static func ratio(_ a: Double, _ b: Int) -> Double? {
        b > 0 ? a / Double(b) : nil
    }

    private static func read(_ url: URL, role: String) throws -> Data {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw MaskstreamError(.notFound, "\(role) file '\(url.path)' does not exist: check the path")
        }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw MaskstreamError(.io, "could not read \(role) file '\(url.path)'", cause: error)
        }
    }
}
