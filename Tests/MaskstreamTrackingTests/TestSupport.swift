import MaskstreamTracking

/// A filled rectangle mask on a `height × width` canvas, clipped to it.
func rectRLE(x: Int, y: Int, w: Int, h: Int, height: Int = 64, width: Int = 128) -> RLE {
    var mask = [UInt8](repeating: 0, count: height * width)
    for row in max(0, y)..<min(height, y + h) where row >= 0 {
        for col in max(0, x)..<min(width, x + w) where col >= 0 {
            mask[row * width + col] = 1
        }
    }
    return RLE(mask: mask, height: height, width: width)
}

/// A detection of a rectangle.
func rectDetection(
    x: Int, y: Int, w: Int = 12, h: Int = 12, classId: Int = 1, score: Float = 0.9,
    embedding: [Float] = [], height: Int = 64, width: Int = 128
) -> Detection {
    Detection(rle: rectRLE(x: x, y: y, w: w, h: h, height: height, width: width),
              classId: classId, score: score, embedding: embedding)
}

/// A unit basis vector of dimension 8, a distinct identity per object.
func identity(_ k: Int, dim: Int = 8) -> [Float] {
    var v = [Float](repeating: 0, count: dim)
    v[k % dim] = 1
    return v
}
