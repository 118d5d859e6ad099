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

    static func mergeRuns(_ a: [UInt32], _ b: [UInt32], intersect: Bool) -> [UInt32] {
        let ka = a.count
        let kb = b.count
        if ka == 0 || kb == 0 { return [] }
        var out: [UInt32] = []
        out.reserveCapacity(ka + kb)
        var ca = Int(a[0])
        var cb = Int(b[0])
        var v = false
        var va = false
        var vb = false
        var ia = 1
        var ib = 1
        var cc = 0
        var ct = 1
        while ct > 0 {
            let c = Swift.min(ca, cb)
            cc += c
            ct = 0
            ca -= c
            if ca == 0 && ia < ka { ca = Int(a[ia]); ia += 1; va.toggle() }
            ct += ca
            cb -= c
            if cb == 0 && ib < kb { cb = Int(b[ib]); ib += 1; vb.toggle() }
            ct += cb
            let vp = v
            v = intersect ? (va && vb) : (va || vb)
            if v != vp || ct == 0 {
                out.append(UInt32(truncatingIfNeeded: cc))
                cc = 0
            }
        }
        return out
    }
}
