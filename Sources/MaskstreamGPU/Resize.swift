import MaskstreamCore

extension CommandSequence {
    /// Records a bilinear resize of `[channels, height, width]` to
    /// `[channels, outHeight, outWidth]` with PyTorch `F.interpolate(mode="bilinear",
    /// align_corners=False)` semantics (no antialias). `out` must not overlap `x`.
    ///
    /// - Complexity: O(channels·outHeight·outWidth).
    public func resizeBilinear(x: BufferSlice, out: BufferSlice, channels: Int, height: Int, width: Int,
                               outHeight: Int, outWidth: Int) throws {
        let op = "resizeBilinear"
        try ShapeCheck.dims(op, [("channels", channels), ("height", height), ("width", width)])
        try ShapeCheck.dims(op, [("channels", channels), ("outHeight", outHeight), ("outWidth", outWidth)])
        try ShapeCheck.holds(op, "x", x, channels * height * width)
        let total = channels * outHeight * outWidth
        try ShapeCheck.holds(op, "out", out, total)
        try ShapeCheck.disjoint(op, ("out", out), ("x", x))
        try dispatch(.resizeBilinear, [(x, .read), (out, .write)],
                     params: [UInt32(channels), UInt32(height), UInt32(width), UInt32(outHeight), UInt32(outWidth)],
                     groups: (groups1D(total, local: 64), 1, 1))
    }
}
