import MaskstreamCore

extension CommandSequence {
    /// Records an in-place softmax over each row of a `[rows, cols]` matrix, of the inputs
    /// times `scale`: `x[r, c] = exp(scale·x[r, c] − max) / Σ_c exp(…)`. With two `linear`
    /// calls it forms attention as matmuls (`Q·Kᵀ`, softmax, `P·V`), which CPU devices such
    /// as lavapipe run much faster than a fused attention kernel.
    ///
    /// - Complexity: O(rows·cols).
    public func softmaxRows(_ x: BufferSlice, rows: Int, cols: Int, scale: Float = 1) throws {
        let op = "softmaxRows"
        try ShapeCheck.dims(op, [("rows", rows), ("cols", cols)])
        try ShapeCheck.holds(op, "x", x, rows * cols)
        guard rows <= 65535 * 65535 else {
            throw MaskstreamError(
                .unsupported, "\(op): \(rows) rows exceed the supported workgroup count: use a smaller input")
        }
        let lanes = device.kernelProfile.rowReduction == .lanes
        guard (cols + (lanes ? 7 : 63)) / (lanes ? 8 : 64) * 3 < loopIterationBudget else {
            throw MaskstreamError(
                .unsupported, "\(op): rows of \(cols) columns exceed the per-invocation loop limit: use a smaller input"
            )
        }
        try dispatch(lanes ? .softmaxLanes : .softmaxRows, [(x, .readWrite)],
                     params: [UInt32(rows), UInt32(cols), scale.bitPattern],
                     groups: (min(rows, 65535), (rows + 65534) / 65535, 1), addresses: lanes)
    }
}
