import MaskstreamGPU

/// Antialiased bilinear resampling of RGB8 images, bit-exact with Pillow's
/// `Image.resize(..., BILINEAR)` (what transformers' EoMT image processor runs): a triangle
/// filter widened by the scale factor when shrinking, 22-bit fixed-point weights, a horizontal
/// pass then a vertical pass with a rounded 8-bit intermediate.
enum BilinearResampler {
    private static let precisionBits = 32 - 8 - 2

    /// The same coefficients as a device table (`resampleRows` / `resampleColumnsToPatches`).
    static func table(inSize: Int, outSize: Int) -> FixedPointResampleTable {
        let (bounds, weights) = coefficients(inSize: inSize, outSize: outSize)
        return FixedPointResampleTable(entries: zip(bounds, weights).map { (first: $0.0.0, weights: $0.1) })
    }

    /// Per output index: first source index and fixed-point weights.
    private static func coefficients(inSize: Int, outSize: Int) -> (bounds: [(Int, Int)], weights: [[Int32]]) {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1.0)
        let support = 1.0 * filterScale
        var bounds: [(Int, Int)] = []
        var weights: [[Int32]] = []
        bounds.reserveCapacity(outSize)
        weights.reserveCapacity(outSize)
        for xx in 0..<outSize {
            let center = (Double(xx) + 0.5) * scale
            let ss = 1.0 / filterScale
            let xmin = max(Int(center - support + 0.5), 0)
            let xmax = min(Int(center + support + 0.5), inSize) - xmin
            var k = [Double](repeating: 0, count: max(xmax, 0))
            var ww = 0.0
            for x in 0..<max(xmax, 0) {
                var t = abs((Double(x + xmin) - center + 0.5) * ss)
                t = t < 1.0 ? 1.0 - t : 0.0
                k[x] = t
                ww += t
            }
            let fixed = k.map { w -> Int32 in
                let v = ww != 0 ? w / ww : w
                return Int32(v < 0 ? -0.5 + v * Double(1 << precisionBits) : 0.5 + v * Double(1 << precisionBits))
            }
            bounds.append((xmin, max(xmax, 0)))
            weights.append(fixed)
        }
        return (bounds, weights)
    }

    @inline(__always) private static func clip8(_ v: Int32) -> UInt8 {
        let s = v >> Int32(precisionBits)
        return s < 0 ? 0 : (s > 255 ? 255 : UInt8(s))
    }

    /// Resizes an interleaved RGB8 image.
    ///
    /// - Complexity: O(outW·H·kw + outW·outH·kh) where kw, kh are the filter widths
    ///   (2·max(1, in/out) + 1 taps).
    static func resizeRGB(_ src: [UInt8], width: Int, height: Int, toWidth outW: Int, toHeight outH: Int) -> [UInt8] {
        if outW == width && outH == height { return src }
        var current = src
        var curW = width
        let (vBounds, vWeights) = coefficients(inSize: height, outSize: outH)
        // Rows of the source used by the vertical pass.
        let yFirst = outH == height ? 0 : (vBounds.first?.0 ?? 0)
        let yLast = outH == height ? height : ((vBounds.last.map { $0.0 + $0.1 }) ?? height)
        let rows = outH == height ? height : (yLast - yFirst)
        if outW != width {
            let (hBounds, hWeights) = coefficients(inSize: width, outSize: outW)
            var tmp = [UInt8](repeating: 0, count: outW * rows * 3)
            let half = Int32(1 << (precisionBits - 1))
            for y in 0..<rows {
                let srcRow = (y + yFirst) * width * 3
                for x in 0..<outW {
                    let (xmin, n) = hBounds[x]
                    let k = hWeights[x]
                    var r = half, g = half, b = half
                    for i in 0..<n {
                        let p = srcRow + (xmin + i) * 3
                        r &+= Int32(current[p]) &* k[i]
                        g &+= Int32(current[p + 1]) &* k[i]
                        b &+= Int32(current[p + 2]) &* k[i]
                    }
                    let o = (y * outW + x) * 3
                    tmp[o] = clip8(r); tmp[o + 1] = clip8(g); tmp[o + 2] = clip8(b)
                }
            }
            current = tmp
            curW = outW
        } else if outH != height {
            // No horizontal pass: the vertical pass reads the source directly.
            curW = width
        }
        guard outH != height else { return current }
        let rowOffset = outW != width ? yFirst : 0
        var out = [UInt8](repeating: 0, count: outW * outH * 3)
        let half = Int32(1 << (precisionBits - 1))
        for y in 0..<outH {
            let (ymin, n) = vBounds[y]
            let k = vWeights[y]
            for x in 0..<curW {
                var r = half, g = half, b = half
                for i in 0..<n {
                    let p = ((ymin - rowOffset + i) * curW + x) * 3
                    r &+= Int32(current[p]) &* k[i]
                    g &+= Int32(current[p + 1]) &* k[i]
                    b &+= Int32(current[p + 2]) &* k[i]
                }
                let o = (y * outW + x) * 3
                out[o] = clip8(r); out[o + 1] = clip8(g); out[o + 2] = clip8(b)
            }
        }
        return out
    }
}
