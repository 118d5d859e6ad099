extension RLE {
    /// Encodes a row-major binary mask (`height * width` bytes, nonzero is
    /// foreground), as pycocotools `encode` does for the same mask.
    ///
    /// Missing pixels (a buffer shorter than `height * width`) count as
    /// background and extra bytes are ignored; negative sizes are taken as 0, and
    /// a size beyond 2³² pixels (not representable in COCO's 32-bit counts) gives
    /// an empty 0×0 mask. Use ``init(validatingMask:height:width:)`` to get an
    /// error for such input instead.
    ///
    /// - Complexity: O(height * width).
    public init(mask: [UInt8], height: Int, width: Int) {
        let h = Swift.max(0, height)
        let w = Swift.max(0, width)
        let (n, overflow) = h.multipliedReportingOverflow(by: w)
        if overflow || n > Int(UInt32.max) {
            // Not representable as COCO runs (32-bit counts): an empty 0×0 mask.
            self.init(uncheckedHeight: 0, width: 0, counts: [0])
        } else if n <= mask.count {
            self.init(uncheckedHeight: h, width: w, counts: RLE.encodeRowMajor(mask, height: h, width: w))
        } else {
            self.init(uncheckedHeight: h, width: w, counts: RLE.encodeColumnWalk(mask, height: h, width: w))
        }
    }

    /// A plain column walk, for buffers shorter than the mask (missing pixels are
    /// background) and as the reference ``encodeRowMajor(_:height:width:)`` is tested against.
    ///
    /// - Complexity: O(height * width).
    static func encodeColumnWalk(_ mask: [UInt8], height h: Int, width w: Int) -> [UInt32] {
        var counts: [UInt32] = []
        var current = false
        var run: UInt32 = 0
        for x in 0..<w {
            for y in 0..<h {
                let i = y * w + x
                let v = i < mask.count && mask[i] != 0
                if v != current {
                    counts.append(run)
                    run = 0
                    current = v
                }
                run += 1
            }
        }
        counts.append(run)
        return counts
    }

    /// Column-major runs of a row-major mask without visiting it column by column.
    ///
    /// A run starts at pixel (x, y) exactly where its foreground flag differs from
    /// the previous pixel in column-major order: (x, y-1), or (x-1, h-1) for y = 0.
    /// Rows are compared with the row above 8 bytes at a time (equal words have no
    /// transitions), the transitions are bucketed by column (a stable counting
    /// sort), and the runs are the gaps between consecutive transitions.
    ///
    /// - Complexity: O(height * width / 8) word compares plus O(runs).
    static func encodeRowMajor(_ mask: [UInt8], height h: Int, width w: Int) -> [UInt32] {
        let n = h * w
        if n == 0 { return [0] }
        var perColumn = [Int](repeating: 0, count: w + 1)
        var transitions: [UInt32] = []  // column-major positions, in row-major scan order
        var columns: [UInt32] = []
        mask.withUnsafeBufferPointer { buf in
            guard let base = buf.baseAddress else { return }
            let raw = UnsafeRawPointer(base)
            // Row 0: compare with the end of the previous column.
            for x in 0..<w {
                let flag = base[x] != 0
                let previous = x == 0 ? false : base[(h - 1) * w + x - 1] != 0
                if flag != previous {
                    transitions.append(UInt32(truncatingIfNeeded: x * h))
                    columns.append(UInt32(truncatingIfNeeded: x))
                    perColumn[x + 1] += 1
                }
            }
            // Rows 1..<h: compare with the row above.
            if h > 1 {
                for y in 1..<h {
                    let row = y * w
                    let above = row - w
                    var x = 0
                    while x + 8 <= w {
                        let a = raw.loadUnaligned(fromByteOffset: row + x, as: UInt64.self)
                        let b = raw.loadUnaligned(fromByteOffset: above + x, as: UInt64.self)
                        if a != b {
                            for i in x..<(x + 8) where (base[row + i] != 0) != (base[above + i] != 0) {
                                transitions.append(UInt32(truncatingIfNeeded: i * h + y))
                                columns.append(UInt32(truncatingIfNeeded: i))
                                perColumn[i + 1] += 1
                            }
                        }
                        x += 8
                    }
                    while x < w {
                        if (base[row + x] != 0) != (base[above + x] != 0) {
                            transitions.append(UInt32(truncatingIfNeeded: x * h + y))
                            columns.append(UInt32(truncatingIfNeeded: x))
                            perColumn[x + 1] += 1
                        }
                        x += 1
                    }
                }
            }
        }
        // Stable counting sort by column: within a column, rows ascend already.
        for x in 0..<w { perColumn[x + 1] += perColumn[x] }
        var sorted = [UInt32](repeating: 0, count: transitions.count)
        for i in 0..<transitions.count {
            let c = Int(columns[i])
            sorted[perColumn[c]] = transitions[i]
            perColumn[c] += 1
        }
        var counts: [UInt32] = []
        counts.reserveCapacity(sorted.count + 1)
        var previous: UInt32 = 0
        for t in sorted {
            counts.append(t &- previous)
            previous = t
        }
        counts.append(UInt32(truncatingIfNeeded: n) &- previous)
        return counts
    }

    /// Encodes a row-major binary mask, rejecting a buffer of the wrong size.
    ///
    /// - Throws: `MaskstreamError.invalidInput` when `mask.count != height * width`,
    ///   a dimension is negative or the mask has more than 2³² pixels.
    public init(validatingMask mask: [UInt8], height: Int, width: Int) throws {
        guard height >= 0, width >= 0 else {
            throw MaskstreamError(.invalidInput, "mask size [\(height), \(width)] is negative")
        }
        let (n, overflow) = height.multipliedReportingOverflow(by: width)
        guard !overflow, n <= Int(UInt32.max) else {
            throw MaskstreamError(
                .invalidInput, "mask size [\(height), \(width)] exceeds the 2^32 pixels COCO RLE can hold")
        }
        guard mask.count == n else {
            throw MaskstreamError(
                .invalidInput,
                "mask has \(mask.count) bytes but [\(height), \(width)] needs \(n): "
                    + "pass a row-major buffer of height*width bytes")
        }
        self.init(mask: mask, height: height, width: width)
    }

    /// Decodes to a row-major mask of `height * width` bytes, 1 for foreground.
    ///
    /// - Complexity: O(height * width).
    public func decode() -> [UInt8] {
        let h = height
        let w = width
        var out = [UInt8](repeating: 0, count: h * w)
        if h == 0 || w == 0 { return out }
        out.withUnsafeMutableBufferPointer { buf in
            var y = 0
            var x = 0
            var fg = false
            for c in counts {
                var left = Int(c)
                if fg {
                    while left > 0 {
                        buf[y * w + x] = 1
                        y += 1
                        if y == h { y = 0; x += 1 }
                        left -= 1
                    }
                } else {
                    // Skip a background run in O(1).
                    let p = x * h + y + left
                    x = p / h
                    y = p - x * h
                }
                fg.toggle()
            }
        }
        return out
    }
}
