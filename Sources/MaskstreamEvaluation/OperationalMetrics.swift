/// Operating-point metrics at one score threshold: what a user deploying the
/// model sees, as opposed to COCO AP which sweeps all thresholds.
///
/// Per image (or video) and category, predictions with `score >= scoreThreshold`
/// are matched greedily in descending score order to the unmatched non-crowd
/// ground truth with the highest IoU, if that IoU is at least
/// `matchIoUThreshold`. Unmatched predictions that overlap a crowd region by at
/// least the threshold are ignored; the rest are false positives.
struct OperationalMetrics {
    struct Counts {
        var groundTruth = 0
        var predictions = 0
        var truePositives = 0
        var falsePositives = 0
        var iouSum = 0.0
        var diceSum = 0.0

        mutating func add(_ o: Counts) {
            groundTruth += o.groundTruth
            predictions += o.predictions
            truePositives += o.truePositives
            falsePositives += o.falsePositives
            iouSum += o.iouSum
            diceSum += o.diceSum
        }
    }

    var perCategory: [Int: Counts] = [:]

    /// - Complexity: O(Σ over image×category of D·G IoUs).
    init(dataset: EvaluationDataset, scoreThreshold: Double, matchIoUThreshold: Double) {
        let gts = Dictionary(grouping: dataset.groundTruth, by: \.key)
        let dts = Dictionary(grouping: dataset.predictions.filter { $0.score >= scoreThreshold }, by: \.key)
        let video = dataset.format == .youtubeVIS
        for key in Set(gts.keys).union(dts.keys) {
            let g = gts[key] ?? []
            let d = COCOEvaluator.sortedByScore(dts[key] ?? [])
            var c = Counts()
            c.groundTruth = g.lazy.filter { !$0.isCrowd }.count
            c.predictions = d.count
            let ious = COCOEvaluator.ious(detections: d, groundTruth: g, video: video)
            var taken = [Bool](repeating: false, count: g.count)
            for di in 0..<d.count {
                var best = -1
                var bestIoU = matchIoUThreshold
                for gi in 0..<g.count where !g[gi].isCrowd && !taken[gi] {
                    let v = ious.isEmpty ? 0 : ious[di][gi]
                    if v >= bestIoU && (best == -1 || v > bestIoU) {
                        best = gi
                        bestIoU = v
                    }
                }
                if best >= 0 {
                    taken[best] = true
                    c.truePositives += 1
                    c.iouSum += bestIoU
                    c.diceSum += 2 * bestIoU / (1 + bestIoU)
                } else {
                    let onCrowd = g.indices.contains { gi in
                        g[gi].isCrowd && !ious.isEmpty && ious[di][gi] >= matchIoUThreshold
                    }
                    if !onCrowd { c.falsePositives += 1 }
                }
            }
            perCategory[key.category, default: Counts()].add(c)
        }
    }
}
