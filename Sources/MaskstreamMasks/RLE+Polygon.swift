import Foundation

extension RLE {
    /// Rasterizes a polygon `[x0, y0, x1, y1, …]` (pixel coordinates) exactly as
    /// pycocotools `frPyObjects` does for one COCO polygon.
    ///
    /// - Throws: `MaskstreamError.invalidInput` for an odd number of coordinates,
    ///   non-finite coordinates or a negative size.
    /// - Complexity: O(perimeter * 5 + height * width / 32) in practice: it walks
    ///   the edges at 5× resolution and sorts the boundary points.
    public init(polygon xy: [Double], height: Int, width: Int) throws {
        guard height >= 0, width >= 0 else {
            throw MaskstreamError(.invalidInput, "polygon mask size [\(height), \(width)] is negative")
        }
        guard xy.count % 2 == 0 else {
            throw MaskstreamError(
                .invalidInput,
                "a COCO polygon needs pairs of coordinates [x0, y0, x1, y1, ...], got \(xy.count) numbers")
        }
        guard xy.allSatisfy({ $0.isFinite && abs($0) < 1e8 }) else {
            throw MaskstreamError(.invalidInput, "polygon coordinates must be finite numbers below 1e8")
        }
        let k = xy.count / 2
        let h = height
        let w = width
        let scale = 5.0
        // Upsampled vertices, truncated like C's (int) cast.
        var x = [Int](repeating: 0, count: k + 1)
        var y = [Int](repeating: 0, count: k + 1)
        for j in 0..<k {
            x[j] = Int(scale * xy[2 * j] + 0.5)
            y[j] = Int(scale * xy[2 * j + 1] + 0.5)
        }
        if k > 0 {
            x[k] = x[0]
            y[k] = y[0]
        }
        // Dense points along every edge.
        var u: [Int] = []
        var v: [Int] = []
        for j in 0..<k {
            var xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1]
            let dx = abs(xe - xs)
            let dy = abs(ys - ye)
            let flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye)
            if flip {
                swap(&xs, &xe)
                swap(&ys, &ye)
            }
            if dx >= dy {
                let s = dx == 0 ? 0 : Double(ye - ys) / Double(dx)
                for d in 0...dx {
                    let t = flip ? dx - d : d
                    u.append(t + xs)
                    v.append(Int(Double(ys) + s * Double(t) + 0.5))
                }
            } else {
                let s = Double(xe - xs) / Double(dy)
                for d in 0...dy {
                    let t = flip ? dy - d : d
                    v.append(t + ys)
                    u.append(Int(Double(xs) + s * Double(t) + 0.5))
                }
            }
        }
        // Points where the boundary crosses a pixel column, downsampled.
        var a: [UInt32] = []
        if u.count > 1 {
            for j in 1..<u.count where u[j] != u[j - 1] {
                var xd = Double(u[j] < u[j - 1] ? u[j] : u[j] - 1)
                xd = (xd + 0.5) / scale - 0.5
                if xd.rounded(.down) != xd || xd < 0 || xd > Double(w - 1) { continue }
                var yd = Double(v[j] < v[j - 1] ? v[j] : v[j - 1])
                yd = (yd + 0.5) / scale - 0.5
                if yd < 0 { yd = 0 } else if yd > Double(h) { yd = Double(h) }
                yd = yd.rounded(.up)
                a.append(UInt32(truncatingIfNeeded: Int(xd) * h + Int(yd)))
            }
        }
        a.append(UInt32(truncatingIfNeeded: h * w))
        a.sort()
        var prev: UInt32 = 0
        for j in 0..<a.count {
            let t = a[j]
            a[j] = t &- prev
            prev = t
        }
        var b: [UInt32] = [a[0]]
        var j = 1
        while j < a.count {
            if a[j] > 0 {
                b.append(a[j])
                j += 1
            } else {
                j += 1
                if j < a.count {
                    b[b.count - 1] &+= a[j]
                    j += 1
                }
            }
        }
        try self.init(height: h, width: w, counts: b)
    }

    /// Rasterizes a COCO segmentation given as several polygons, merged into one
    /// mask as pycocotools `annToRLE` does.
    ///
    /// - Throws: `MaskstreamError.invalidInput` for a malformed polygon.
    public init(polygons: [[Double]], height: Int, width: Int) throws {
        let parts = try polygons.map { try RLE(polygon: $0, height: height, width: width) }
        if parts.isEmpty {
            self = RLE.empty(height: height, width: width)
        } else {
            self = RLE.merge(parts)
        }
    }

    /// Rasterizes a box as pycocotools `frBbox` (a 4-corner polygon).
    ///
    /// - Throws: `MaskstreamError.invalidInput` for a non-finite box or negative size.
    public init(box: BoundingBox, height: Int, width: Int) throws {
        let xs = box.x, ys = box.y, xe = box.x + box.width, ye = box.y + box.height
        try self.init(polygon: [xs, ys, xs, ye, xe, ye, xe, ys], height: height, width: width)
    }
}
