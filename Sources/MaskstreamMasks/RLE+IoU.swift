extension RLE {
    /// Mask intersection over union, computed on the runs without decoding.
    ///
    /// Returns 0 when the masks do not overlap (including both empty), and -1 when
    /// their sizes differ and their boxes overlap, as pycocotools `iou` does.
    ///
    /// - Complexity: O(counts.count + other.counts.count).
    public func iou(_ other: RLE) -> Double {
        Prepared(self).iou(Prepared(other), crowd: false)
    }

    /// Pairwise IoU of detections `a` against ground truths `b`, as pycocotools
    /// `iou(a, b, isCrowd)`: `result[i][j]` compares `a[i]` with `b[j]`. For a crowd
    /// ground truth the union is the detection's area.
    ///
    /// `isCrowd` may be empty (no crowds); otherwise entries beyond its end count
    /// as not crowd.
    ///
    /// - Complexity: O(runs) to prepare each mask once, then per pair a box test
    ///   and, when boxes overlap, a merge of the foreground runs that can overlap.
    public static func iou(_ a: [RLE], _ b: [RLE], isCrowd: [Bool]) -> [[Double]] {
        let pa = a.map(Prepared.init)
        let pb = b.map(Prepared.init)
        var out = [[Double]](repeating: [Double](repeating: 0, count: b.count), count: a.count)
        for i in 0..<a.count {
            for j in 0..<b.count {
                let crowd = j < isCrowd.count && isCrowd[j]
                out[i][j] = pa[i].iou(pb[j], crowd: crowd)
            }
        }
        return out
    }

    /// The number of pixels set in both masks (0 when sizes differ).
    ///
    /// - Complexity: O(counts.count + other.counts.count).
    public func intersectionArea(_ other: RLE) -> Int {
        guard height == other.height, width == other.width else { return 0 }
        return ForegroundIntervals(counts).intersection(ForegroundIntervals(other.counts))
    }

    /// An RLE with its area, box and foreground intervals computed once, for
    /// repeated IoU queries.
    struct Prepared {
        var height: Int
        var width: Int
        var area: Int
        var box: BoundingBox
        var intervals: ForegroundIntervals

        init(_ rle: RLE) {
            height = rle.height
            width = rle.width
            area = rle.area
            box = rle.boundingBox
            intervals = ForegroundIntervals(rle.counts)
        }

        /// pycocotools `rleIou` for one pair (`self` is the detection).
        func iou(_ gt: Prepared, crowd: Bool) -> Double {
            if box.iou(gt.box, crowd: crowd) <= 0 { return 0 }
            if height != gt.height || width != gt.width { return -1 }
            let inter = intervals.intersection(gt.intervals)
            if inter == 0 { return 0 }
            let union = crowd ? area : area + gt.area - inter
            return Double(inter) / Double(union)
        }
    }

    /// The intersection and union areas of two masks, computed on the runs
    /// without decoding (YouTube-VIS sums them over a track's frames); (0, 0) when
    /// their sizes differ.
    ///
    /// - Complexity: O(counts.count + other.counts.count).
    public func overlap(_ other: RLE) -> (intersection: Int, union: Int) {
        guard height == other.height, width == other.width else { return (0, 0) }
        var intersection = 0
        var union = 0
        RLE.forEachStretch(counts, other.counts) { length, inA, inB, _ in
            if inA || inB { union += length }
            if inA && inB { intersection += length }
        }
        return (intersection, union)
    }
}
