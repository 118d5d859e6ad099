import MaskstreamCore

extension CommandSequence {
    /// Records `ConvTranspose2d(kernel_size=2, stride=2)` on a CHW tensor.
    ///
    /// `x` is `[inChannels, height, width]`, `weight` in PyTorch layout
    /// `[inChannels, outChannels, 2, 2]`, `bias` `[outChannels]` or nil; `out` is
    /// `[outChannels, 2·height, 2·width]` and must not overlap `x`.
    ///
    /// - Complexity: O(inChannels·outChannels·4·height·width).
    public func convTranspose2x2(x: BufferSlice, weight: BufferSlice, bias: BufferSlice?, out: BufferSlice,
                                 inChannels: Int, outChannels: Int, height: Int, width: Int) throws {
        let op = "convTranspose2x2"
        try ShapeCheck.dims(op, [("outChannels", outChannels), ("2·height", 2 * height), ("2·width", 2 * width)])
        try ShapeCheck.dims(op, [("inChannels", inChannels), ("outChannels", outChannels), ("4", 4)])
        try ShapeCheck.dims(op, [("inChannels", inChannels), ("height", height), ("width", width)])
        try ShapeCheck.holds(op, "x", x, inChannels * height * width)
        try ShapeCheck.holds(op, "weight", weight, inChannels * outChannels * 4)
        if let bias { try ShapeCheck.holds(op, "bias", bias, outChannels) }
        let total = outChannels * 4 * height * width
        try ShapeCheck.holds(op, "out", out, total)
        try ShapeCheck.disjoint(op, ("out", out), ("x", x))
        try dispatch(.convTranspose2x2, [(x, .read), (weight, .read), (bias ?? weight, .read), (out, .write)],
            params: [UInt32(inChannels), UInt32(outChannels), UInt32(height), UInt32(width), bias == nil ? 0 : 1],
                     groups: (groups1D(total, local: 64), 1, 1))
    }

    /// Records a depthwise `Conv2d(C, C, kernel_size=3, padding=1, groups=C)` on CHW.
    ///
    /// `weight` is `[channels, 1, 3, 3]`, `bias` `[channels]` or nil; `out` has the shape
    /// of `x` (or is channels-last `[height·width, channels]` with `channelsLastOutput`) and must
    /// not overlap it.
    ///
    /// - Complexity: O(9·channels·height·width).
    public func depthwiseConv3x3(x: BufferSlice, weight: BufferSlice, bias: BufferSlice?, out: BufferSlice,
                                 channels: Int, height: Int, width: Int, channelsLastOutput: Bool = false) throws {
        let op = "depthwiseConv3x3"
        try ShapeCheck.dims(op, [("channels", channels), ("height", height), ("width", width)])
        let total = channels * height * width
        try ShapeCheck.holds(op, "x", x, total)
        try ShapeCheck.holds(op, "weight", weight, channels * 9)
        if let bias { try ShapeCheck.holds(op, "bias", bias, channels) }
        try ShapeCheck.holds(op, "out", out, total)
        try ShapeCheck.disjoint(op, ("out", out), ("x", x))
        try dispatch(.depthwiseConv3x3, [(x, .read), (weight, .read), (bias ?? weight, .read), (out, .write)],
                     params: [UInt32(channels), UInt32(height), UInt32(width),
                         (bias == nil ? 0 : 1) | (channelsLastOutput ? 2 : 0)],
                     groups: (groups1D(total, local: 64), 1, 1))
    }
}
