/// Draws tracked instances onto an RGB frame: mask tint by track ID, box outline, ID digits
/// (untracked instances: a tint per instance, no digits).
/// Masks are drawn from their RLE runs (no decoded copy).
enum Annotator {
    /// A stable, well-spread colour per track ID.
    static func color(for trackId: Int) -> (UInt8, UInt8, UInt8) {
        let hue = Double((trackId &* 47) % 360) / 60
        let x = 1 - abs(hue.truncatingRemainder(dividingBy: 2) - 1)
        let (r, g, b): (Double, Double, Double) = switch Int(hue) {
        case 0: (1, x, 0)
        case 1: (x, 1, 0)
        case 2: (0, 1, x)
        case 3: (0, x, 1)
        case 4: (x, 0, 1)
        default: (1, 0, x)
        }
        return (UInt8(r * 230 + 25), UInt8(g * 230 + 25), UInt8(b * 230 + 25))
    }

    static func draw(_ record: FrameRecord, on rgb: inout [UInt8], width: Int, height: Int) {
        for (k, inst) in record.instances.enumerated() {
            let (r, g, b) = color(for: inst.trackId ?? k + 1)
            let mask = inst.segmentation
            if mask.height == height, mask.width == width {
                // Tint straight from the runs (column-major pixel p is row p % height, column p / height).
                var p = 0
                for (i, run) in mask.counts.enumerated() {
                    let end = p + Int(run)
                    if i % 2 == 1 {
                        for q in p..<end {
                            let o = ((q % height) * width + q / height) * 3
                            rgb[o] = UInt8((Int(rgb[o]) + Int(r)) / 2)
                            rgb[o + 1] = UInt8((Int(rgb[o + 1]) + Int(g)) / 2)
                            rgb[o + 2] = UInt8((Int(rgb[o + 2]) + Int(b)) / 2)
                        }
                    }
                    p = end
                }
            }
            guard inst.bbox.count == 4 else { continue }
            let x0 = max(0, Int(inst.bbox[0])), y0 = max(0, Int(inst.bbox[1]))
            let x1 = min(width - 1, Int(inst.bbox[0] + inst.bbox[2]) - 1), y1 = min(height - 1, Int(inst.bbox[1] + inst.bbox[3]) - 1)
            guard x1 >= x0, y1 >= y0 else { continue }
            func put(_ x: Int, _ y: Int) {
                guard x >= 0, y >= 0, x < width, y < height else { return }
                let p = (y * width + x) * 3
                rgb[p] = r; rgb[p + 1] = g; rgb[p + 2] = b
            }
            for x in x0...x1 { put(x, y0); put(x, y1) }
            for y in y0...y1 { put(x0, y); put(x1, y) }
            guard let id = inst.trackId else { continue }
            drawText(String(id), x: x0 + 2, y: max(0, y0 - 8), on: &rgb, width: width, height: height)
        }
    }

    /// 3×5 digit glyphs, one row per 3 bits.
    private static let digits: [[UInt8]] = [
        [7, 5, 5, 5, 7], [2, 6, 2, 2, 7], [7, 1, 7, 4, 7], [7, 1, 7, 1, 7], [5, 5, 7, 1, 1],
        [7, 4, 7, 1, 7], [7, 4, 7, 5, 7], [7, 1, 1, 1, 1], [7, 5, 7, 5, 7], [7, 5, 7, 1, 7],
    ]

    /// White digits with a black outline box, scaled ×1.
    static func drawText(_ text: String, x: Int, y: Int, on rgb: inout [UInt8], width: Int, height: Int) {
        var cx = x
        for ch in text {
            guard let d = ch.wholeNumberValue else { continue }
            for row in 0..<7 {
                for col in 0..<5 {
                    let px = cx + col - 1, py = y + row - 1
                    guard px >= 0, py >= 0, px < width, py < height else { continue }
                    let inGlyph = row >= 1 && row <= 5 && col >= 1 && col <= 3 && (digits[d][row - 1] >> (3 - col)) & 1 == 1
                    let p = (py * width + px) * 3
                    let v: UInt8 = inGlyph ? 255 : 0
                    rgb[p] = v; rgb[p + 1] = v; rgb[p + 2] = v
                }
            }
            cx += 4
        }
    }
}
