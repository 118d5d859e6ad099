import Foundation

/// One instance of one model's output for a frame, as agreement compares them.
public struct AgreementInstance: Sendable {
    public var rle: RLE
    public var categoryId: Int
    public var score: Double

    public init(rle: RLE, categoryId: Int, score: Double) {
        (self.rle, self.categoryId, self.score) = (rle, categoryId, score)
    }
}

/// How far two models agree on one frame without ground truth: instances matched one to one by
/// mask IoU (class-agnostic, greedy from the highest IoU, as COCO matches), then how well the
/// matched masks overlap, whether their classes agree and how their scores moved.
public struct FrameAgreement: Sendable, Equatable, Codable {
    /// Instances of the primary and of the other model.
    public var primary: Int
    public var shadow: Int
    /// Pairs matched at IoU ≥ the threshold.
    public var matched: Int
    /// The matched pairs' mask IoUs, best first.
    public var ious: [Double]
    /// Matched pairs whose category agrees.
    public var sameClass: Int
    /// Σ (other score − primary score) over matched pairs.
    public var scoreShiftSum: Double

    /// `shadow − primary`.
    public var countDifference: Int { shadow - primary }

    enum CodingKeys: String, CodingKey {
        case primary, shadow, matched, ious
        case sameClass = "same_class"
        case scoreShiftSum = "score_shift_sum"
    }
}

/// Agreement of two models over many frames (`maskstream compare`, the `shadow:` model).
public struct AgreementSummary: Sendable, Equatable {
    public private(set) var frames = 0
    public private(set) var primary = 0
    public private(set) var shadow = 0
    public private(set) var matched = 0
    public private(set) var iouSum = 0.0
    public private(set) var sameClass = 0
    public private(set) var scoreShiftSum = 0.0
    public private(set) var absoluteCountDifferenceSum = 0

    public init() {}

    public mutating func add(_ f: FrameAgreement) {
        frames += 1
        primary += f.primary
        shadow += f.shadow
        matched += f.matched
        iouSum += f.ious.reduce(0, +)
        sameClass += f.sameClass
        scoreShiftSum += f.scoreShiftSum
        absoluteCountDifferenceSum += abs(f.countDifference)
    }

    /// Mean mask IoU of matched pairs (nil before a match).
    public var meanIoU: Double? { matched > 0 ? iouSum / Double(matched) : nil }
    /// Fraction of matched pairs with the same class.
    public var classAgreement: Double? { matched > 0 ? Double(sameClass) / Double(matched) : nil }
    /// Mean (other − primary) score of matched pairs.
    public var meanScoreShift: Double? { matched > 0 ? scoreShiftSum / Double(matched) : nil }
    /// Fraction of the primary's instances the other model also found.
    public var primaryMatched: Double? { primary > 0 ? Double(matched) / Double(primary) : nil }
    /// Fraction of the other model's instances the primary also found.
    public var shadowMatched: Double? { shadow > 0 ? Double(matched) / Double(shadow) : nil }
    /// Mean |instances of the other − instances of the primary| per frame.
    public var meanAbsoluteCountDifference: Double? {
        frames > 0 ? Double(absoluteCountDifferenceSum) / Double(frames) : nil
    }
}

public enum ModelAgreement {
    /// Matches `shadow`'s instances to `primary`'s one to one by mask IoU (pairs at
    /// `iouThreshold` or more, highest IoU first; ties by primary order) and measures them.
    ///
    /// - Complexity: O(P·S) mask IoUs (run-length, box-pruned) and a sort of the candidate pairs.
    public static func compare(primary: [AgreementInstance], shadow: [AgreementInstance],
                               iouThreshold: Double = 0.5) -> FrameAgreement {
        var pairs: [(iou: Double, p: Int, s: Int)] = []
        for (p, a) in primary.enumerated() {
            for (s, b) in shadow.enumerated() where overlaps(a.rle.boundingBox, b.rle.boundingBox) {
                let iou = a.rle.iou(b.rle)
                if iou >= iouThreshold { pairs.append((iou, p, s)) }
            }
        }
        pairs.sort { $0.iou != $1.iou ? $0.iou > $1.iou : ($0.p, $0.s) < ($1.p, $1.s) }
        var usedP = Set<Int>(), usedS = Set<Int>()
        var out = FrameAgreement(primary: primary.count, shadow: shadow.count, matched: 0, ious: [], sameClass: 0,
                                 scoreShiftSum: 0)
        for pair in pairs where !usedP.contains(pair.p) && !usedS.contains(pair.s) {
            usedP.insert(pair.p)
            usedS.insert(pair.s)
            out.matched += 1
            out.ious.append(pair.iou)
            if primary[pair.p].categoryId == shadow[pair.s].categoryId { out.sameClass += 1 }
            out.scoreShiftSum += shadow[pair.s].score - primary[pair.p].score
        }
        return out
    }

    private static func overlaps(_ a: BoundingBox, _ b: BoundingBox) -> Bool {
        a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
    }
}
