/// Quarter-turn rotations of interleaved RGB8 frames: how `MediaReader` honours a stream's
/// display matrix (phones store portrait video as landscape frames plus a 90° rotation).
enum FrameRotation {
    /// `rgb` (`width × height`, 3 bytes a pixel, row-major) turned `clockwise` degrees (0, 90,
    /// 180 or 270; anything else is returned as is), with its new size.
    ///
    /// - Complexity: O(width·height).
    static func rotate(rgb: [UInt8], width: Int, height: Int, clockwise: Int) -> (rgb: [UInt8], width: Int, height: Int) {
        guard [90, 180, 270].contains(clockwise), rgb.count >= width * height * 3 else { return (rgb, width, height) }
        let (outW, outH) = clockwise == 180 ? (width, height) : (height, width)
        var out = [UInt8](repeating: 0, count: width * height * 3)
        rgb.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    for x in 0..<width {
                        // Where source pixel (x, y) lands.
                        let (dx, dy): (Int, Int) = switch clockwise {
                        case 90: (height - 1 - y, x)
                        case 180: (width - 1 - x, height - 1 - y)
                        default: (y, width - 1 - x)
                        }
                        let s = (y * width + x) * 3, d = (dy * outW + dx) * 3
                        dst[d] = src[s]
                        dst[d + 1] = src[s + 1]
                        dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return (out, outW, outH)
    }
}
