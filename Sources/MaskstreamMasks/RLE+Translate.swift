extension RLE {
    /// The mask moved by whole pixels, `dx` columns right and `dy` rows down; what leaves the
    /// frame is cut off.
    ///
    /// ```swift
    /// let moved = rle.translated(dx: 3, dy: -2)
    /// ```
    ///
    /// - Complexity: O(counts.count + columns the mask spans).
    public func translated(dx: Int, dy: Int) -> RLE {
        if dx == 0 && dy == 0 { return self }
        let h = height, w = width
        var out: [UInt32] = []
        out.reserveCapacity(counts.count + 2)
        var cursor = 0  // end of the last run written, in destination pixels
        var pending: (start: Int, end: Int)?
        func emit(_ s: Int, _ e: Int) {
            if var p = pending, s <= p.end {
                p.end = Swift.max(p.end, e)
                pending = p
                return
            }
            flush()
            pending = (s, e)
        }
        func flush() {
            guard let p = pending else { return }
            out.append(UInt32(p.start - cursor))
            out.append(UInt32(p.end - p.start))
            cursor = p.end
            pending = nil
        }
        var p = 0
        var i = 0
        while i < counts.count {
            p += Int(counts[i])
            guard i + 1 < counts.count else { break }
            var s = p
            let e = p + Int(counts[i + 1])
            p = e
            i += 2
            // Split the run at column boundaries: each piece moves within its column.
            while s < e {
                let col = s / h
                let pieceEnd = Swift.min(e, (col + 1) * h)
                let x = col + dx
                if x >= 0 && x < w {
                    let y0 = Swift.max(0, s - col * h + dy), y1 = Swift.min(h, pieceEnd - col * h + dy)
                    if y1 > y0 { emit(x * h + y0, x * h + y1) }
                }
                s = pieceEnd
            }
        }
        flush()
        if out.isEmpty { return RLE.empty(height: h, width: w) }
        if h * w > cursor { out.append(UInt32(h * w - cursor)) }
        return RLE(uncheckedHeight: h, width: w, counts: out)
    }
}
