import MaskstreamCore

extension CommandSequence {
    /// Records a LayerNorm over the last dimension of a `[rows, dim]` tensor:
    /// `y = (x - mean) / sqrt(var + eps) * gamma + beta` (biased variance, as PyTorch).
    /// `y` may be `x` (in place).
    ///
    /// - Complexity: O(rows·dim).
    public func layerNorm(x: BufferSlice, gamma: BufferSlice, beta: BufferSlice, y: BufferSlice,
                          rows: Int, dim: Int, eps: Float) throws {
        let op = "layerNorm"
        try ShapeCheck.dims(op, [("rows", rows), ("dim", dim)])
        try ShapeCheck.holds(op, "x", x, rows * dim)
        try ShapeCheck.holds(op, "y", y, rows * dim)
        try ShapeCheck.holds(op, "gamma", gamma, dim)
        try ShapeCheck.holds(op, "beta", beta, dim)
        try dispatch(.layerNorm, [(x, .read), (gamma, .read), (beta, .read), (y, .readWrite)],
                     params: [UInt32(rows), UInt32(dim), eps.bitPattern], groups: (min(rows, 65535), 1, 1))
    }
}
