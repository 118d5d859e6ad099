import Foundation

/// The result of `maskstream eval`: COCO mask AP/AR as pycocotools reports them,
/// plus operating-point metrics per class. Codable for `--json`; ``table`` is
/// the text rendering.
public struct EvaluationReport: Codable, Sendable, Equatable {
    /// Which kind of file was evaluated.
    public enum Format: String, Codable, Sendable {
        case coco
        case youtubeVIS = "youtube-vis"
    }

    /// The 12 COCO summary numbers; -1 where undefined (no ground truth in range).
    public struct Summary: Codable, Sendable, Equatable {
        public var ap: Double
        public var ap50: Double
        public var ap75: Double
        public var apSmall: Double
        public var apMedium: Double
        public var apLarge: Double
        public var ar1: Double
        public var ar10: Double
        public var ar100: Double
        public var arSmall: Double
        public var arMedium: Double
        public var arLarge: Double

        /// Builds a summary from pycocotools `COCOeval.stats` order.
        public init(stats s: [Double]) {
            let v = s.count >= 12 ? s : s + [Double](repeating: -1, count: 12 - s.count)
            ap = v[0]; ap50 = v[1]; ap75 = v[2]
            apSmall = v[3]; apMedium = v[4]; apLarge = v[5]
            ar1 = v[6]; ar10 = v[7]; ar100 = v[8]
            arSmall = v[9]; arMedium = v[10]; arLarge = v[11]
        }

        /// The numbers in pycocotools `COCOeval.stats` order.
        public var stats: [Double] {
            [ap, ap50, ap75, apSmall, apMedium, apLarge, ar1, ar10, ar100, arSmall, arMedium, arLarge]
        }
    }

    /// Metrics of one category.
    public struct ClassMetrics: Codable, Sendable, Equatable {
        public var categoryID: Int
        public var name: String
        /// COCO AP@[.50:.95] of this category; -1 without ground truth.
        public var ap: Double
        /// Non-crowd ground-truth instances.
        public var groundTruthCount: Int
        /// Predictions at or above the score threshold.
        public var predictionCount: Int
        public var truePositives: Int
        public var falsePositives: Int
        /// truePositives / groundTruthCount; nil without ground truth.
        public var recall: Double?
        /// truePositives / (truePositives + falsePositives); nil without predictions.
        public var precision: Double?
        /// Mean mask IoU of matched pairs; nil without matches.
        public var meanIoU: Double?
        /// Mean Dice (F1 of pixels) of matched pairs; nil without matches.
        public var dice: Double?
    }

    public var format: Format
    /// Images (COCO) or videos (YouTube-VIS) in the ground truth.
    public var sampleCount: Int
    public var groundTruthCount: Int
    public var predictionCount: Int
    public var summary: Summary
    public var classes: [ClassMetrics]
    /// Score threshold of the operating-point metrics.
    public var scoreThreshold: Double
    /// IoU a prediction needs to count as a true positive at the operating point.
    public var matchIoUThreshold: Double
    /// False positives per image (per video for YouTube-VIS) at the operating point.
    public var falsePositivesPerSample: Double
    /// Recall over all classes at the operating point; nil without ground truth.
    public var recall: Double?
    /// Mean IoU of all matched pairs; nil without matches.
    public var meanIoU: Double?
    /// Mean Dice of all matched pairs; nil without matches.
    public var dice: Double?

    /// A pretty-printed JSON rendering (sorted keys), for `--json`.
    public func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        } catch {
            throw MaskstreamError(.internal, "could not encode the evaluation report as JSON", cause: error)
        }
    }

    /// A text table: the COCO summary lines as pycocotools prints them, then one
    /// row per class.
    public var table: String {
        var lines: [String] = []
        let unit = format == .coco ? "image" : "video"
        lines.append(
            "\(format == .coco ? "COCO" : "YouTube-VIS") mask evaluation: \(sampleCount) \(unit)s, "
                + "\(groundTruthCount) ground-truth instances, \(predictionCount) predictions")
        // pycocotools `summarize` lines in `stats` order: AP at three IoU ranges, then AR at
        // three detection limits, each followed by the three area ranges.
        let byArea = ["small", "medium", "large"].map { (iou: "0.50:0.95", area: $0, maxDets: 100) }
        let ap = ["0.50:0.95", "0.50", "0.75"].map { (iou: $0, area: "all", maxDets: 100) } + byArea
        let ar = [1, 10, 100].map { (iou: "0.50:0.95", area: "all", maxDets: $0) } + byArea
        let measures = ap.map { (name: "Average Precision", short: "(AP)", line: $0) }
            + ar.map { (name: "Average Recall", short: "(AR)", line: $0) }
        for (m, value) in zip(measures, summary.stats) {
            lines.append(
                " \(pad(m.name, 18)) \(m.short) @[ IoU=\(pad(m.line.iou, 9)) | area=\(padLeft(m.line.area, 6)) "
                    + "| maxDets=\(padLeft(String(m.line.maxDets), 3)) ] = \(fmt(value))")
        }
        lines.append("")
        lines.append(
            "Operating point: score >= \(fmt(scoreThreshold, 2)), match IoU >= \(fmt(matchIoUThreshold, 2)); "
                + "false positives per \(unit): \(fmt(falsePositivesPerSample, 3))")
        let header = [
            pad("class", 16), padLeft("id", 5), padLeft("AP", 7), padLeft("GT", 6), padLeft("pred", 6),
            padLeft("TP", 6), padLeft("FP", 6), padLeft("recall", 7), padLeft("prec", 7), padLeft("mIoU", 7),
            padLeft("Dice", 7),
        ].joined(separator: " ")
        lines.append(header)
        lines.append(String(repeating: "-", count: header.count))
        func row(_ name: String, _ id: String, _ ap: Double?, _ gt: Int, _ pred: Int, _ tp: Int, _ fp: Int,
                 _ rec: Double?, _ prec: Double?, _ miou: Double?, _ dice: Double?) -> String {
            [
                pad(String(name.prefix(16)), 16), padLeft(id, 5), padLeft(opt(ap), 7), padLeft(String(gt), 6),
                padLeft(String(pred), 6), padLeft(String(tp), 6), padLeft(String(fp), 6), padLeft(opt(rec), 7),
                padLeft(opt(prec), 7), padLeft(opt(miou), 7), padLeft(opt(dice), 7),
            ].joined(separator: " ")
        }
        for c in classes {
            lines.append(
                row(c.name, String(c.categoryID), c.ap, c.groundTruthCount, c.predictionCount, c.truePositives,
                    c.falsePositives, c.recall, c.precision, c.meanIoU, c.dice))
        }
        let tp = classes.reduce(0) { $0 + $1.truePositives }
        let fp = classes.reduce(0) { $0 + $1.falsePositives }
        let pred = classes.reduce(0) { $0 + $1.predictionCount }
        let gt = classes.reduce(0) { $0 + $1.groundTruthCount }
        lines.append(String(repeating: "-", count: header.count))
        lines.append(
            row("all", "", summary.ap, gt, pred, tp, fp, recall, tp + fp > 0 ? Double(tp) / Double(tp + fp) : nil,
                meanIoU, dice))
        return lines.joined(separator: "\n") + "\n"
    }

    private func pad(_ s: String, _ n: Int) -> String {
        s.count >= n ? s : s + String(repeating: " ", count: n - s.count)
    }

    private func padLeft(_ s: String, _ n: Int) -> String {
        s.count >= n ? s : String(repeating: " ", count: n - s.count) + s
    }

    private func fmt(_ v: Double, _ digits: Int = 3) -> String {
        String(format: "%.\(digits)f", v)
    }

    private func opt(_ v: Double?) -> String {
        guard let v, v > -1 else { return "-" }
        return fmt(v)
    }
}
