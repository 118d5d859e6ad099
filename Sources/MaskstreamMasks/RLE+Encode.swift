extension RLE {
    /// Encodes a row-major binary mask (`height * width` bytes, nonzero is
    /// foreground), as pycocotools `encode` does for the same mask.
    ///
    /// Missing pixels (a buffer shorter than `height * width`) count as
    /// background and extra bytes are ignored; negative sizes are taken as 0. Use
    /// ``init(validatingMask:height:width:)`` to reject such buffers instead.
    ///
    /// - Complexity: O(height * width).
    public init(mask: [UInt8], height: Int, width: Int) {
        let h = Swift.max(0, height)
        let w = Swift.max(0, width)
        var counts: [UInt32] = []
        counts.reserveCapacity(16)
        mask.withUnsafeBufferPointer { buf in
            let n = buf.count
            var current: UInt8 = 0
            var run: UInt32 = 0
            if h * w <= n {
                for x in 0..<w {
                    var i = x
                    for _ in 0..<h {
                        let v: UInt8 = buf[i] != 0 ? 1 : 0
                        if v != current {
                            counts.append(run)
                            run = 0
                            current = v
                        }
                        run &+= 1
                        i &+= w
                    }
                }
            } else {
                for x in 0..<w {
                    for y in 0..<h {
                        let i = y * w + x
                        let v: UInt8 = (i < n && buf[i] != 0) ? 1 : 0
                        if v != current {
                            counts.append(run)
                            run = 0
                            current = v
                        }
                        run &+= 1
                    }
                }
            }
            counts.append(run)
        }
        self.init(uncheckedHeight: h, width: w, counts: counts)
    }

    /// Encodes a row-major binary mask, rejecting a buffer of the wrong size.
    ///
    /// - Throws: `MaskstreamError.invalidInput` when `mask.count != height * width`
    ///   or a dimension is negative.
    public init(validatingMask mask: [UInt8], height: Int, width: Int) throws {
        guard height >= 0, width >= 0 else {
            throw MaskstreamError(.invalidInput, "mask size [\(height), \(width)] is negative")
        }
        guard mask.count == height * width else {
            throw MaskstreamError(
                .invalidInput,
                "mask has \(mask.count) bytes but [\(height), \(width)] needs \(height * width): "
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
