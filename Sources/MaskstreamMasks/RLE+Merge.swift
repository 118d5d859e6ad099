extension RLE {
    /// The union (or, with `intersect`, the intersection) of masks, computed on
    /// the runs as pycocotools `merge`.
    ///
    /// An empty list gives a 0×0 mask; masks of different sizes give a 0×0 mask
    /// with no runs, as pycocotools does.
    ///
    /// - Complexity: O(total runs) per merged mask.
    public static func merge(_ rles: [RLE], intersect: Bool = false) -> RLE {
        guard let first = rles.first else { return RLE(uncheckedHeight: 0, width: 0, counts: []) }
        let h = first.height
        let w = first.width
        var acc = first.counts
        for r in rles.dropFirst() {
            guard r.height == h, r.width == w else {
                return RLE(uncheckedHeight: 0, width: 0, counts: [])
            }
            acc = mergeRuns(acc, r.counts, intersect: intersect)
        }
        return RLE(uncheckedHeight: h, width: w, counts: acc)
    }

    /// The runs of the union (or intersection) of two run lists of the same size;
    /// empty when either is.
    ///
    /// - Complexity: O(a.count + b.count).
    static func mergeRuns(_ a: [UInt32], _ b: [UInt32], intersect: Bool) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(a.count + b.count)
        var value = false  // the merged mask over the run being counted
        var run = 0
        forEachStretch(a, b) { length, inA, inB, isLast in
            let v = intersect ? (inA && inB) : (inA || inB)
            if v != value {
                out.append(UInt32(truncatingIfNeeded: run))
                run = 0
                value = v
            }
            run += length
            if isLast { out.append(UInt32(truncatingIfNeeded: run)) }
        }
        return out
    }
}
