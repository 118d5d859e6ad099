extension RLE {
    /// Mask intersection over union, computed on the runs without decoding.
    ///
    /// Returns 0 when the masks do not overlap (including both empty), and -1 when
    /// their sizes differ and their boxes overlap, as pycocotools `iou` does.
    ///
    /// - Complexity: O(counts.count + other.counts.count).
    public func iou(_ other: RLE) -> Double {
        RLE.iou(self, other, crowd: false, areaA: area, boxA: boundingBox, boxB: other.boundingBox)
    }

    /// Pairwise IoU of detections `a` against ground truths `b`, as pycocotools
    /// `iou(a, b, isCrowd)`: `result[i][j]` compares `a[i]` with `b[j]`. For a crowd
    /// ground truth the union is the detection's area.
    ///
    /// `isCrowd` may be empty (no crowds); otherwise entries beyond its end count
    /// as not crowd.
    ///
    /// - Complexity: O(a.count * b.count) box tests, plus a run merge for each
    ///   pair whose boxes overlap.
    public static func iou(_ a: [RLE], _ b: [RLE], isCrowd: [Bool]) -> [[Double]] {
        let areaA = a.map(\.area)
        let boxA = a.map(\.boundingBox)
        let boxB = b.map(\.boundingBox)
        var out = [[Double]](repeating: [Double](repeating: 0, count: b.count), count: a.count)
        for i in 0..<a.count {
            for j in 0..<b.count {
                let crowd = j < isCrowd.count && isCrowd[j]
                out[i][j] = iou(a[i], b[j], crowd: crowd, areaA: areaA[i], boxA: boxA[i], boxB: boxB[j])
            }
        }
        return out
    }

    /// The number of pixels set in both masks (0 when sizes differ).
    ///
    /// - Complexity: O(counts.count + other.counts.count).
    public func intersectionArea(_ other: RLE) -> Int {
        guard height == other.height, width == other.width else { return 0 }
        return RLE.runOverlap(counts, other.counts).intersection
    }

    static func iou(_ a: RLE, _ b: RLE, crowd: Bool, areaA: Int, boxA: BoundingBox, boxB: BoundingBox) -> Double {
        if boxA.iou(boxB, crowd: crowd) <= 0 { return 0 }
        if a.height != b.height || a.width != b.width { return -1 }
        let (inter, union) = runOverlap(a.counts, b.counts)
        if inter == 0 { return 0 }
        return Double(inter) / Double(crowd ? areaA : union)
    }

    /// Walks two run lists together and returns intersection and union areas.
    static func runOverlap(_ a: [UInt32], _ b: [UInt32]) -> (intersection: Int, union: Int) {
        let ka = a.count
        let kb = b.count
        if ka == 0 || kb == 0 { return (0, 0) }
        var ca = Int(a[0])
        var cb = Int(b[0])
        var va = false
        var vb = false
        var ia = 1
        var ib = 1
        var inter = 0
        var union = 0
        var ct = 1
        while ct > 0 {
            let c = Swift.min(ca, cb)
            if va || vb {
                union += c
                if va && vb { inter += c }
            }
            ct = 0
            ca -= c
            if ca == 0 && ia < ka { ca = Int(a[ia]); ia += 1; va.toggle() }
            ct += ca
            cb -= c
            if cb == 0 && ib < kb { cb = Int(b[ib]); ib += 1; vb.toggle() }
            ct += cb
        }
        return (inter, union)
    }
}
