/// The COCO instance-segmentation evaluation of pycocotools `COCOeval`
/// (`iouType="segm"`, default parameters), reimplemented to give the same
/// numbers: 10 IoU thresholds 0.50:0.05:0.95, 101 recall points, area ranges
/// all/small/medium/large, and 1/10/100 detections per image.
///
/// Works on images (mask IoU with COCO crowd handling) and on YouTube-VIS videos
/// (IoU summed over frames, as the YouTube-VIS fork of the API).
struct COCOEvaluator {
    /// IoU thresholds, computed as `numpy.linspace(.5, .95, 10)`.
    static let iouThresholds: [Double] = {
        let step = (0.95 - 0.5) / 9
        return (0..<10).map { $0 == 9 ? 0.95 : Double($0) * step + 0.5 }
    }()
    /// Recall thresholds, computed as `numpy.linspace(0, 1, 101)`.
    static let recallThresholds: [Double] = (0...100).map { $0 == 100 ? 1.0 : Double($0) * 0.01 }
    /// Area ranges all, small, medium, large.
    static let areaRanges: [(Double, Double)] = [(0, 1e10), (0, 1024), (1024, 9216), (9216, 1e10)]
    static let maxDetections = [1, 10, 100]

    /// The result of matching one image and category in one area range.
    struct ImageResult {
        var scores: [Double]
        /// `[threshold][detection]`: matched to a ground truth (with nonzero id).
        var matched: [[Bool]]
        /// `[threshold][detection]`: ignored (matched to an ignored GT, or outside the area range).
        var ignored: [[Bool]]
        var gtIgnored: [Bool]
    }

    /// precision[t][r][k][a][m], -1 where undefined.
    var precision: [[[[[Double]]]]]
    /// recall[t][k][a][m], -1 where undefined.
    var recall: [[[[Double]]]]
    let categoryIDs: [Int]

    /// Runs evaluate + accumulate on a dataset.
    ///
    /// - Complexity: O(Σ over image×category of D·G IoUs) plus O(T·D·G) matching.
    init(dataset: EvaluationDataset) {
        let cats = dataset.categories.map(\.id)
        categoryIDs = cats
        let catSet = Set(cats)
        let T = Self.iouThresholds.count
        let R = Self.recallThresholds.count
        let K = cats.count
        let A = Self.areaRanges.count
        let M = Self.maxDetections.count
        let maxDet = Self.maxDetections[M - 1]

        let sampleSet = Set(dataset.sampleIDs)
        let evaluated = { (i: EvalInstance) in catSet.contains(i.key.category) && sampleSet.contains(i.key.sample) }
        let gts = Dictionary(grouping: dataset.groundTruth.filter(evaluated), by: \.key)
        let dts = Dictionary(grouping: dataset.predictions.filter(evaluated), by: \.key)
        let isVideo = dataset.format == .youtubeVIS

        var precision = [[[[[Double]]]]](
            repeating: [[[[Double]]]](
                repeating: [[[Double]]](
                    repeating: [[Double]](repeating: [Double](repeating: -1, count: M), count: A), count: K),
                count: R),
            count: T)
        var recall = [[[[Double]]]](
            repeating: [[[Double]]](
                repeating: [[Double]](repeating: [Double](repeating: -1, count: M), count: A), count: K),
            count: T)

        for (k, cat) in cats.enumerated() {
            // Per image: sorted detections, ground truth and their IoUs (shared by area ranges).
            var perArea = [[ImageResult]](repeating: [], count: A)
            for sample in dataset.sampleIDs {
                let key = SampleCategory(sample: sample, category: cat)
                let g = gts[key] ?? []
                var d = dts[key] ?? []
                if g.isEmpty && d.isEmpty { continue }
                d = Self.sortedByScore(d)
                if d.count > maxDet { d = Array(d[0..<maxDet]) }
                let ious = Self.ious(detections: d, groundTruth: g, video: isVideo)
                for a in 0..<A {
                    perArea[a].append(
                        Self.evaluateImage(detections: d, groundTruth: g, ious: ious, range: Self.areaRanges[a]))
                }
            }
            for a in 0..<A {
                let images = perArea[a]
                if images.isEmpty { continue }
                for (m, maxDet) in Self.maxDetections.enumerated() {
                    Self.accumulate(
                        images, maxDet: maxDet,
                        write: { t, r, value in precision[t][r][k][a][m] = value },
                        writeRecall: { t, value in recall[t][k][a][m] = value })
                }
            }
        }
        self.precision = precision
        self.recall = recall
        _ = (T, R)
    }

    /// Stable sort by descending score (numpy mergesort on `-score`).
    static func sortedByScore(_ d: [EvalInstance]) -> [EvalInstance] {
        d.enumerated().sorted { lhs, rhs in
            if lhs.element.score != rhs.element.score { return lhs.element.score > rhs.element.score }
            return lhs.offset < rhs.offset
        }.map(\.element)
    }

    /// `ious[d][g]` as pycocotools `computeIoU` (images) or YouTube-VIS `iou_seq` (videos).
    static func ious(detections d: [EvalInstance], groundTruth g: [EvalInstance], video: Bool) -> [[Double]] {
        if d.isEmpty || g.isEmpty { return [] }
        if video {
            return d.map { dt in g.map { gt in videoIoU(dt.masks, gt.masks) } }
        }
        // An image instance always has exactly one mask.
        let dm = d.map { $0.masks.first.flatMap { $0 } ?? RLE.empty(height: 0, width: 0) }
        let gm = g.map { $0.masks.first.flatMap { $0 } ?? RLE.empty(height: 0, width: 0) }
        return RLE.iou(dm, gm, isCrowd: g.map(\.isCrowd))
    }

    /// IoU of two mask sequences: intersections and unions summed over frames
    /// (absent frames contribute the other mask's area to the union).
    static func videoIoU(_ d: [RLE?], _ g: [RLE?]) -> Double {
        var inter = 0
        var union = 0
        for (dm, gm) in zip(d, g) {
            switch (dm, gm) {
            case let (a?, b?):
                let o = a.overlap(b)  // (0, 0) for different sizes
                inter += o.intersection
                union += o.union
            case let (nil, b?):
                union += b.area
            case let (a?, nil):
                union += a.area
            case (nil, nil):
                break
            }
        }
        return union > 0 ? Double(inter) / Double(union) : 0
    }

    /// pycocotools `evaluateImg` for one area range, detections already sorted and cut.
    static func evaluateImage(
        detections d: [EvalInstance], groundTruth g0: [EvalInstance], ious ious0: [[Double]],
        range: (Double, Double)
    ) -> ImageResult {
        let T = iouThresholds.count
        let gIgnore0 = g0.map { $0.isCrowd || $0.area < range.0 || $0.area > range.1 }
        // Stable: non-ignored ground truth first.
        let order = g0.indices.filter { !gIgnore0[$0] } + g0.indices.filter { gIgnore0[$0] }
        let g = order.map { g0[$0] }
        let gIgnore = order.map { gIgnore0[$0] }
        let D = d.count
        let G = g.count
        var gtMatched = [[Bool]](repeating: [Bool](repeating: false, count: G), count: T)
        var dtMatchID = [[Int]](repeating: [Int](repeating: 0, count: D), count: T)
        var dtIgnore = [[Bool]](repeating: [Bool](repeating: false, count: D), count: T)
        if !ious0.isEmpty {
            let ious = ious0.map { row in order.map { row[$0] } }
            for (t, threshold) in iouThresholds.enumerated() {
                for di in 0..<D {
                    var best = Swift.min(threshold, 1 - 1e-10)
                    var m = -1
                    for gi in 0..<G {
                        if gtMatched[t][gi] && !g[gi].isCrowd { continue }
                        if m > -1 && !gIgnore[m] && gIgnore[gi] { break }
                        if ious[di][gi] < best { continue }
                        best = ious[di][gi]
                        m = gi
                    }
                    if m == -1 { continue }
                    dtIgnore[t][di] = gIgnore[m]
                    dtMatchID[t][di] = g[m].id
                    gtMatched[t][m] = true
                }
            }
        }
        for di in 0..<D where d[di].area < range.0 || d[di].area > range.1 {
            for t in 0..<T where dtMatchID[t][di] == 0 { dtIgnore[t][di] = true }
        }
        return ImageResult(
            scores: d.map(\.score), matched: dtMatchID.map { $0.map { $0 != 0 } }, ignored: dtIgnore,
            gtIgnored: gIgnore)
    }

    /// pycocotools `accumulate` for one category, area range and detection limit.
    static func accumulate(
        _ images: [ImageResult], maxDet: Int,
        write: (Int, Int, Double) -> Void, writeRecall: (Int, Double) -> Void
    ) {
        let T = iouThresholds.count
        var scores: [Double] = []
        var matched = [[Bool]](repeating: [], count: T)
        var ignored = [[Bool]](repeating: [], count: T)
        var npig = 0
        for e in images {
            let n = Swift.min(maxDet, e.scores.count)
            scores += e.scores[0..<n]
            for t in 0..<T {
                matched[t] += e.matched[t][0..<n]
                ignored[t] += e.ignored[t][0..<n]
            }
            npig += e.gtIgnored.lazy.filter { !$0 }.count
        }
        if npig == 0 { return }
        let order = scores.indices.sorted { a, b in
            scores[a] != scores[b] ? scores[a] > scores[b] : a < b
        }
        let nd = order.count
        let eps = Double.ulpOfOne
        for t in 0..<T {
            var tp = 0.0
            var fp = 0.0
            var rc = [Double](repeating: 0, count: nd)
            var pr = [Double](repeating: 0, count: nd)
            for (i, j) in order.enumerated() {
                if !ignored[t][j] {
                    if matched[t][j] { tp += 1 } else { fp += 1 }
                }
                rc[i] = tp / Double(npig)
                pr[i] = tp / (fp + tp + eps)
            }
            writeRecall(t, nd > 0 ? rc[nd - 1] : 0)
            if nd > 1 {
                for i in stride(from: nd - 1, to: 0, by: -1) where pr[i] > pr[i - 1] {
                    pr[i - 1] = pr[i]
                }
            }
            var i = 0
            for (r, threshold) in recallThresholds.enumerated() {
                while i < nd && rc[i] < threshold { i += 1 }
                write(t, r, i < nd ? pr[i] : 0)
            }
        }
    }

    /// pycocotools `summarize` entry: mean over defined values, -1 when none.
    func summarize(ap: Bool, iouThreshold: Int? = nil, area: Int = 0, maxDetIndex: Int = 2, category: Int? = nil)
        -> Double
    {
        var sum = 0.0
        var n = 0
        let ts = iouThreshold.map { [$0] } ?? Array(0..<Self.iouThresholds.count)
        let ks = category.map { [$0] } ?? Array(0..<categoryIDs.count)
        for t in ts {
            for k in ks {
                if ap {
                    for r in 0..<Self.recallThresholds.count {
                        let v = precision[t][r][k][area][maxDetIndex]
                        if v > -1 { sum += v; n += 1 }
                    }
                } else {
                    let v = recall[t][k][area][maxDetIndex]
                    if v > -1 { sum += v; n += 1 }
                }
            }
        }
        return n == 0 ? -1 : sum / Double(n)
    }

    /// The 12 numbers of pycocotools `COCOeval.stats`, in order.
    var stats: [Double] {
        [
            summarize(ap: true),
            summarize(ap: true, iouThreshold: 0),
            summarize(ap: true, iouThreshold: 5),
            summarize(ap: true, area: 1),
            summarize(ap: true, area: 2),
            summarize(ap: true, area: 3),
            summarize(ap: false, maxDetIndex: 0),
            summarize(ap: false, maxDetIndex: 1),
            summarize(ap: false),
            summarize(ap: false, area: 1),
            summarize(ap: false, area: 2),
            summarize(ap: false, area: 3),
        ]
    }
}
