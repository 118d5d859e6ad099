import MaskstreamCore

extension CommandSequence {
    /// Records a LayerNorm over the last dimension of a `[rows, dim]` tensor:
    /// `y = (x - mean) / sqrt(var + eps) * gamma + beta` (biased variance, as PyTorch).
    /// `y` may be `x` (in place). `reduction` overrides the device's
    /// `KernelProfile.rowReduction` (tests, benchmarks).
    ///
    /// - Complexity: O(rows·dim).
    public func layerNorm(x: BufferSlice, gamma: BufferSlice, beta: BufferSlice, y: BufferSlice,
                          rows: Int, dim: Int, eps: Float, reduction: RowReduction? = nil) throws {
        let lanes = (reduction ?? device.kernelProfile.rowReduction) == .lanes
        if lanes, (dim + 7) / 8 * 3 * ((rows + 65534) / 65535) > loopIterationBudget {
            throw MaskstreamError(.unsupported,
                "layerNorm: rows of \(dim) values exceed the per-invocation loop limit of '\(device.info.name)'")
        }
        try recordNorm(lanes ? .layerNormLanes : .layerNorm, "layerNorm", x: x, gamma: gamma, beta: beta, y: y,
            shape: [("rows", rows), ("dim", dim)], channels: dim, params: [UInt32(rows), UInt32(dim), eps.bitPattern],
                       groups: (min(rows, 65535), 1, 1), addresses: lanes)
    }

    /// Records LayerNorm2d on CHW: at each pixel, normalize the `channels` values
    /// (biased variance, `eps`), then `· gamma[c] + beta[c]`. `y` may be `x`.
    ///
    /// - Complexity: O(channels·pixels).
    public func layerNorm2d(x: BufferSlice, gamma: BufferSlice, beta: BufferSlice, y: BufferSlice,
                            channels: Int, pixels: Int, eps: Float) throws {
        try recordNorm(.layerNorm2d, "layerNorm2d", x: x, gamma: gamma, beta: beta, y: y,
                       shape: [("channels", channels), ("pixels", pixels)], channels: channels,
                       params: [UInt32(channels), UInt32(pixels), eps.bitPattern],
                       groups: (groups1D(pixels, local: 64), 1, 1))
    }

    /// The checks and dispatch both norms share: `x` and `y` hold the whole `shape`, `gamma`
    /// and `beta` one value per normalized channel.
    private func recordNorm(_ kernel: Kernel, _ op: String, x: BufferSlice, gamma: BufferSlice, beta: BufferSlice,
                            y: BufferSlice, shape: [(String, Int)], channels: Int, params: [UInt32],
                            groups: (Int, Int, Int), addresses: Bool = false) throws {
        try ShapeCheck.dims(op, shape)
        let total = shape.reduce(1) { $0 * $1.1 }
        try ShapeCheck.holds(op, "x", x, total)
        try ShapeCheck.holds(op, "y", y, total)
        try ShapeCheck.holds(op, "gamma", gamma, channels)
        try ShapeCheck.holds(op, "beta", beta, channels)
        try dispatch(
            kernel, [(x, .read), (gamma, .read), (beta, .read), (y, .readWrite)], params: params, groups: groups,
            addresses: addresses)
    }
}
