import Testing
@testable import MaskstreamEvaluation

/// A w×h mask with the rectangle [x0, x1) × [y0, y1) set, as COCO RLE.
private func box(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, w: Int = 40, h: Int = 30) -> RLE {
    var mask = [UInt8](repeating: 0, count: w * h)
    for y in y0..<y1 { for x in x0..<x1 { mask[y * w + x] = 1 } }
    return RLE(mask: mask, height: h, width: w)
}

struct ModelAgreementTests {
    /// One exact match, one shifted match of known IoU with another class, one instance each
    /// side unmatched; the greedy one-to-one matching takes the best IoU first.
    @Test func matchesOneToOneAndMeasures() {
        let a = [AgreementInstance(rle: box(0, 0, 10, 10), categoryId: 1, score: 0.9),
                 AgreementInstance(rle: box(20, 0, 30, 10), categoryId: 2, score: 0.8),
                 AgreementInstance(rle: box(0, 20, 5, 25), categoryId: 1, score: 0.6)]
        let b = [AgreementInstance(rle: box(22, 0, 32, 10), categoryId: 3, score: 0.7),   // IoU 80/120
                 AgreementInstance(rle: box(0, 0, 10, 10), categoryId: 1, score: 0.95),
                 AgreementInstance(rle: box(30, 20, 40, 30), categoryId: 1, score: 0.5)]
        let f = ModelAgreement.compare(primary: a, shadow: b)
        #expect(f.primary == 3 && f.shadow == 3 && f.matched == 2)
        #expect(f.ious.count == 2 && f.ious[0] == 1 && abs(f.ious[1] - 80.0 / 120.0) < 1e-12)
        #expect(f.sameClass == 1)
        #expect(abs(f.scoreShiftSum - (0.05 - 0.1)) < 1e-12)
        #expect(f.countDifference == 0)
        // Below the threshold the shifted pair does not match.
        #expect(ModelAgreement.compare(primary: a, shadow: b, iouThreshold: 0.7).matched == 1)

        var s = AgreementSummary()
        s.add(f)
        s.add(ModelAgreement.compare(primary: a, shadow: []))
        #expect(s.frames == 2 && s.primary == 6 && s.shadow == 3 && s.matched == 2)
        #expect(abs((s.meanIoU ?? 0) - (1 + 80.0 / 120.0) / 2) < 1e-12)
        #expect(s.classAgreement == 0.5)
        #expect(s.primaryMatched == 2.0 / 6.0)
        #expect(s.meanAbsoluteCountDifference == 1.5)
    }

    /// One shadow instance over two primary ones: it goes to the one it overlaps most.
    @Test func greedyTakesTheBestOverlapFirst() {
        let a = [AgreementInstance(rle: box(0, 0, 10, 10), categoryId: 1, score: 0.9),
                 AgreementInstance(rle: box(2, 0, 12, 10), categoryId: 1, score: 0.9)]
        let b = [AgreementInstance(rle: box(2, 0, 12, 10), categoryId: 1, score: 0.9)]
        let f = ModelAgreement.compare(primary: a, shadow: b)
        #expect(f.matched == 1 && f.ious == [1])
        #expect(AgreementSummary().meanIoU == nil)
    }
}
