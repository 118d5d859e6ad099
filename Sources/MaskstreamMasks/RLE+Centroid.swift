extension RLE {
    /// The centre of mass of the foreground in pixel coordinates (pixel (x, y) covers
    /// [x, x+1) × [y, y+1), so a single pixel at (0, 0) has centroid (0.5, 0.5)); nil when empty.
    ///
    /// - Complexity: O(counts.count + columns the mask spans).
    public var centroid: (x: Double, y: Double)? {
        let h = height
        guard h > 0 else { return nil }
        var n = 0
        var sx = 0.0, sy = 0.0
        var p = 0
        var i = 0
        while i + 1 < counts.count {
            p += Int(counts[i])
            var s = p
            let e = p + Int(counts[i + 1])
            p = e
            i += 2
            while s < e {
                let col = s / h
                let end = Swift.min(e, (col + 1) * h)
                let (y0, y1) = (s - col * h, end - col * h)
                let k = end - s
                n += k
                sx += Double(k) * (Double(col) + 0.5)
                sy += Double(y0 + y1) * 0.5 * Double(k)
                s = end
            }
        }
        guard n > 0 else { return nil }
        return (sx / Double(n), sy / Double(n))
    }
}
