import MaskstreamCore

extension CommandSequence {
    /// Largest head dimension the attention kernels support.
    public static let maxAttentionHeadDim = 128

    /// Records multi-head attention without mask, `out = softmax(q·kᵀ·scale)·v` per head,
    /// one invocation per query.
    ///
    /// `q`, `k`, `v` and `out` are `[seq, heads·headDim]` row-major (row = token, head `h`
    /// in columns `h·headDim ..< (h+1)·headDim`); a row stride larger than `heads·headDim`
    /// can be given to read a fused QKV projection in place. `scale` defaults to `1/√headDim`.
    /// `out` must not overlap the inputs. On CPU devices (lavapipe) `seq` is limited to
    /// about 4000 tokens at `headDim` 128 (8000 at 64) by the per-invocation loop budget;
    /// `attentionSplit` has no such limit.
    ///
    /// - Complexity: O(seq²·heads·headDim).
    public func attention(q: BufferSlice, k: BufferSlice, v: BufferSlice, out: BufferSlice,
                          seq: Int, heads: Int, headDim: Int, scale: Float? = nil,
                          rowStride: (q: Int, k: Int, v: Int, out: Int)? = nil) throws {
        let op = "attention"
        let quads = (headDim + 3) / 4
        let iterations = (seq + 3) / 4 * (2 * quads + 1) + 2 * quads
        guard iterations <= loopIterationBudget else {
            throw MaskstreamError(.unsupported,
                "\(op): \(seq) tokens with head size \(headDim) need \(iterations) loop iterations per invocation, "
                + "more than '\(device.info.name)' runs (\(loopIterationBudget)): use a smaller input size")
        }
        try recordAttention(.attention, op, q: q, k: k, v: v, out: out, seq: seq, heads: heads, headDim: headDim,
                            scale: scale, rowStride: rowStride, groups: ((seq + 31) / 32, heads, 1))
    }

    /// Records multi-head attention without mask like `attention(...)`, with one workgroup
    /// per (query, head) whose 32 invocations split the keys and merge their partial
    /// softmax sums. Use it for long sequences: it stays exact on lavapipe, whose LLVM
    /// backend stops any loop after 65535 iterations per invocation (the one-invocation-
    /// per-query kernel exceeds that once seq · (2·headDim + 2) > 65535, e.g. ViT-S at 640).
    ///
    /// Layouts, `rowStride` and `scale` are as in `attention(...)`.
    ///
    /// - Complexity: O(seq²·heads·headDim).
    public func attentionSplit(q: BufferSlice, k: BufferSlice, v: BufferSlice, out: BufferSlice,
                               seq: Int, heads: Int, headDim: Int, scale: Float? = nil,
                               rowStride: (q: Int, k: Int, v: Int, out: Int)? = nil) throws {
        let op = "attentionSplit"
        guard seq <= 65535 else {
            throw MaskstreamError(.unsupported,
                "\(op): \(seq) tokens × \(heads) heads exceed 65535 workgroups per axis: use a smaller input")
        }
        guard (seq + 31) / 32 * (2 * headDim + 2) < 65535 else {
            throw MaskstreamError(.unsupported,
                "\(op): \(seq) tokens with head size \(headDim) exceed the per-invocation loop limit: use a smaller "
                    + "input"
            )
        }
        try recordAttention(.attentionSplit, op, q: q, k: k, v: v, out: out, seq: seq, heads: heads, headDim: headDim,
                            scale: scale, rowStride: rowStride, groups: (seq, heads, 1))
    }

    /// The shape checks and the dispatch both attention kernels share (same bindings and
    /// push constants).
    private func recordAttention(_ kernel: Kernel, _ op: String, q: BufferSlice, k: BufferSlice, v: BufferSlice,
                                 out: BufferSlice, seq: Int, heads: Int, headDim: Int, scale: Float?,
                                 rowStride: (q: Int, k: Int, v: Int, out: Int)?, groups: (Int, Int, Int)) throws {
        try ShapeCheck.dims(op, [("seq", seq), ("heads", heads), ("headDim", headDim)])
        guard headDim <= Self.maxAttentionHeadDim else {
            throw MaskstreamError(.unsupported,
                "\(op): headDim \(headDim) exceeds the supported \(Self.maxAttentionHeadDim): use a model with "
                    + "smaller heads"
            )
        }
        guard heads <= 65535 else {
            throw MaskstreamError(.unsupported, "\(op): \(heads) heads exceed the 65535 supported")
        }
        let width = heads * headDim
        let strides = rowStride ?? (width, width, width, width)
        let operands = [("q", strides.q, q), ("k", strides.k, k), ("v", strides.v, v), ("out", strides.out, out)]
        for (name, stride, slice) in operands {
            guard stride >= width else {
                throw MaskstreamError(.invalidInput,
                    "\(op): row stride of \(name) (\(stride)) is smaller than heads·headDim (\(width))")
            }
            try ShapeCheck.dims(op, [("seq", seq), ("\(name) stride", stride)])
            try ShapeCheck.holds(op, name, slice, (seq - 1) * stride + width)
        }
        for (name, input) in [("q", q), ("k", k), ("v", v)] {
            try ShapeCheck.disjoint(op, ("out", out), (name, input))
        }
        let s = scale ?? 1 / Float(headDim).squareRoot()
        try dispatch(kernel, [(q, .read), (k, .read), (v, .read), (out, .write)],
                     params: [UInt32(seq), UInt32(heads), UInt32(headDim), s.bitPattern,
                              UInt32(strides.q), UInt32(strides.k), UInt32(strides.v), UInt32(strides.out)],
                     groups: groups)
    }
}
