extension RLE {
    /// The number of foreground pixels.
    ///
    /// - Complexity: O(counts.count).
    public var area: Int {
        var sum = 0
        var i = 1
        while i < counts.count {
            sum += Int(counts[i])
            i += 2
        }
        return sum
    }

    /// The tight box around the foreground, computed like pycocotools `toBbox`;
    /// all zeros for an empty mask.
    ///
    /// - Complexity: O(counts.count).
    public var boundingBox: BoundingBox {
        let h = height
        let m = (counts.count / 2) * 2
        if m == 0 || h == 0 { return BoundingBox(x: 0, y: 0, width: 0, height: 0) }
        var xs = width
        var ys = h
        var xe = 0
        var ye = 0
        var cc = 0
        var xp = 0
        for j in 0..<m {
            cc += Int(counts[j])
            let t = cc - (j % 2)
            let y = t % h
            let x = (t - y) / h
            if j % 2 == 0 {
                xp = x
            } else if xp < x {
                ys = 0
                ye = h - 1
            }
            xs = Swift.min(xs, x)
            xe = Swift.max(xe, x)
            ys = Swift.min(ys, y)
            ye = Swift.max(ye, y)
        }
        return BoundingBox(
            x: Double(xs), y: Double(ys), width: Double(xe - xs + 1), height: Double(ye - ys + 1))
    }
}
