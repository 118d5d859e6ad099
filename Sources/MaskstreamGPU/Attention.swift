import MaskstreamCore

extension CommandSequence {
    /// Largest head dimension the attention kernel supports.
    public static let maxAttentionHeadDim = 128

    /// Records multi-head attention without mask, `out = softmax(q·kᵀ·scale)·v` per head.
    ///
    /// `q`, `k`, `v` and `out` are `[seq, heads·headDim]` row-major (row = token, head `h`
    /// in columns `h·headDim ..< (h+1)·headDim`); a row stride larger than `heads·headDim`
    /// can be given to read a fused QKV projection in place. `scale` defaults to `1/√headDim`.
    /// `out` must not overlap the inputs.
    ///
    /// - Complexity: O(seq²·heads·headDim).
    public func attention(q: BufferSlice, k: BufferSlice, v: BufferSlice, out: BufferSlice,
                          seq: Int, heads: Int, headDim: Int, scale: Float? = nil,
                          rowStride: (q: Int, k: Int, v: Int, out: Int)? = nil) throws {
        let op = "attention"
        try ShapeCheck.dims(op, [("seq", seq), ("heads", heads), ("headDim", headDim)])
        guard headDim <= Self.maxAttentionHeadDim else {
            throw MaskstreamError(.unsupported, "attention: headDim \(headDim) exceeds the supported \(Self.maxAttentionHeadDim): use a model with smaller heads")
        }
        guard heads <= 65535 else {
            throw MaskstreamError(.unsupported, "attention: \(heads) heads exceed the 65535 supported")
        }
        let width = heads * headDim
        let strides = rowStride ?? (width, width, width, width)
        for (name, stride, slice) in [("q", strides.q, q), ("k", strides.k, k), ("v", strides.v, v), ("out", strides.out, out)] {
            guard stride >= width else {
                throw MaskstreamError(.invalidInput, "attention: row stride of \(name) (\(stride)) is smaller than heads·headDim (\(width))")
            }
            try ShapeCheck.dims(op, [("seq", seq), ("\(name) stride", stride)])
            try ShapeCheck.holds(op, name, slice, (seq - 1) * stride + width)
        }
        for (name, input) in [("q", q), ("k", k), ("v", v)] {
            try ShapeCheck.disjoint(op, ("out", out), (name, input))
        }
        let s = scale ?? 1 / Float(headDim).squareRoot()
        try dispatch(.attention, [(q, .read), (k, .read), (v, .read), (out, .write)],
                     params: [UInt32(seq), UInt32(heads), UInt32(headDim), s.bitPattern,
                              UInt32(strides.q), UInt32(strides.k), UInt32(strides.v), UInt32(strides.out)],
                     groups: ((seq + 31) / 32, heads, 1))
    }
}
