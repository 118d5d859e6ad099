import MaskstreamCore

extension CommandSequence {
    /// Records an in-place softmax over each row of a `[rows, cols]` matrix, of the inputs
    /// times `scale`: `x[r, c] = exp(scale·x[r, c] − max) / Σ_c exp(…)`. With two `linear`
    /// calls it forms attention as matmuls (`Q·Kᵀ`, softmax, `P·V`), which CPU devices such
    /// as lavapipe run much faster than a fused attention kernel.
    ///
    /// Rows start `rowStride` floats apart (default `cols`); the columns from `cols` up to
    /// `rowStride` are set to 0, padding that a following matmul may read as part of its `k`.
    /// `reduction` overrides the device's `KernelProfile.rowReduction` (tests, benchmarks).
    ///
    /// With `inverseSums` (`rows` floats) the rows are left unnormalized, `exp(scale·x − max)`,
    /// and `1 / Σ` of row `r` goes to `inverseSums[r]`: a following `P·V` scales its output rows
    /// by them (`batchedLinear(rowScale:)`), which saves a pass over the matrix.
    ///
    /// - Complexity: O(rows·rowStride).
    public func softmaxRows(_ x: BufferSlice, rows: Int, cols: Int, scale: Float = 1, rowStride: Int? = nil,
                            inverseSums: BufferSlice? = nil, reduction: RowReduction? = nil) throws {
        let op = "softmaxRows"
        let stride = rowStride ?? cols
        try ShapeCheck.dims(op, [("rows", rows), ("cols", cols)])
        guard stride >= cols else {
            throw MaskstreamError(.invalidInput, "\(op): rowStride \(stride) is shorter than a row of \(cols) columns")
        }
        try ShapeCheck.holds(op, "x", x, rows * stride)
        if let inverseSums {
            try ShapeCheck.holds(op, "inverseSums", inverseSums, rows)
            try ShapeCheck.disjoint(op, ("inverseSums", inverseSums), ("x", x))
        }
        guard rows <= 65535 * 65535 else {
            throw MaskstreamError(
                .unsupported, "\(op): \(rows) rows exceed the supported workgroup count: use a smaller input")
        }
        let lanes = (reduction ?? device.kernelProfile.rowReduction) == .lanes
        guard (stride + (lanes ? 7 : 63)) / (lanes ? 8 : 64) * 3 < loopIterationBudget else {
            throw MaskstreamError(
                .unsupported, "\(op): rows of \(cols) columns exceed the per-invocation loop limit: use a smaller input"
            )
        }
        try dispatch(lanes ? .softmaxLanes : .softmaxRows, [(x, .readWrite), (inverseSums ?? x, .readWrite)],
                     params: [UInt32(rows), UInt32(cols), scale.bitPattern, UInt32(stride), inverseSums == nil ? 0 : 1],
                     groups: (min(rows, 65535), (rows + 65534) / 65535, 1), addresses: lanes)
    }
}
