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
        let total = try checkDepthwise(op, x: x, weight: weight, bias: bias, out: out, channels: channels,
                                       height: height, width: width)
        try dispatch(.depthwiseConv3x3, [(x, .read), (weight, .read), (bias ?? weight, .read), (out, .write)],
                     params: [UInt32(channels), UInt32(height), UInt32(width),
                         (bias == nil ? 0 : 1) | (channelsLastOutput ? 2 : 0)],
                     groups: (groups1D(total, local: 64), 1, 1))
    }

    /// Records the same depthwise 3×3 convolution on channels-last tensors, `x` and `out`
    /// `[height·width, channels]`, with the kernel written for CPU devices (texel fetches of 4
    /// channels per lane, a sliding 3×3 window; `depthwise_conv3x3_texels`). `weight` is
    /// tap-major `[9, channels]` (tap `3·(dy + 1) + (dx + 1)`: PyTorch's `[channels, 1, 3, 3]`
    /// transposed); `bias` is `[channels]` or nil.
    ///
    /// `channels` and the offsets of every operand must be multiples of 4 (whole texels), else a
    /// `.unsupported` error says so; `out` must not overlap `x`.
    ///
    /// - Complexity: O(9·channels·height·width).
    public func depthwiseConv3x3ChannelsLast(x: BufferSlice, weight: BufferSlice, bias: BufferSlice?,
                                             out: BufferSlice, channels: Int, height: Int, width: Int) throws {
        let op = "depthwiseConv3x3ChannelsLast"
        _ = try checkDepthwise(op, x: x, weight: weight, bias: bias, out: out, channels: channels, height: height,
                               width: width)
        let offsets = [x.offset, weight.offset, bias?.offset ?? 0, out.offset]
        guard channels % 4 == 0, offsets.allSatisfy({ $0 % 4 == 0 }) else {
            throw MaskstreamError(.unsupported,
                "\(op): channels (\(channels)) and the operands' offsets \(offsets) must be multiples of 4 "
                    + "(whole texels): use depthwiseConv3x3")
        }
        let run = 32
        try dispatch(.depthwiseConv3x3Texels, [(x, .read), (weight, .read), (bias ?? weight, .read), (out, .write)],
                     params: [UInt32(channels / 4), UInt32(height), UInt32(width), bias == nil ? 0 : 1, UInt32(run)],
                     groups: ((channels / 4 + 7) / 8, height, (width + run - 1) / run))
    }

    /// The shape checks both depthwise 3×3 ops make; returns the element count of `x` and `out`.
    private func checkDepthwise(_ op: String, x: BufferSlice, weight: BufferSlice, bias: BufferSlice?,
                                out: BufferSlice, channels: Int, height: Int, width: Int) throws -> Int {
        try ShapeCheck.dims(op, [("channels", channels), ("height", height), ("width", width)])
        let total = channels * height * width
        try ShapeCheck.holds(op, "x", x, total)
        try ShapeCheck.holds(op, "weight", weight, channels * 9)
        if let bias { try ShapeCheck.holds(op, "bias", bias, channels) }
        try ShapeCheck.holds(op, "out", out, total)
        try ShapeCheck.disjoint(op, ("out", out), ("x", x))
        return total
    }
}
