import MaskstreamCore

extension Kernel {
    /// Attention with keys split across a workgroup (`Shaders/eomt_attention_split.comp`).
    static let attentionSplit = Kernel(name: "eomt_attention_split", bindings: 4)
}

extension CommandSequence {
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
        try ShapeCheck.dims(op, [("seq", seq), ("heads", heads), ("headDim", headDim)])
        guard headDim <= Self.maxAttentionHeadDim else {
            throw MaskstreamError(.unsupported, "\(op): headDim \(headDim) exceeds the supported \(Self.maxAttentionHeadDim): use a model with smaller heads")
        }
        guard seq <= 65535, heads <= 65535 else {
            throw MaskstreamError(.unsupported, "\(op): \(seq) tokens × \(heads) heads exceed 65535 workgroups per axis: use a smaller input")
        }
        guard (seq + 31) / 32 * (2 * headDim + 2) < 65535 else {
            throw MaskstreamError(.unsupported, "\(op): \(seq) tokens with head size \(headDim) exceed the per-invocation loop limit: use a smaller input")
        }
        let width = heads * headDim
        let strides = rowStride ?? (width, width, width, width)
        for (name, stride, slice) in [("q", strides.q, q), ("k", strides.k, k), ("v", strides.v, v), ("out", strides.out, out)] {
            guard stride >= width else {
                throw MaskstreamError(.invalidInput, "\(op): row stride of \(name) (\(stride)) is smaller than heads·headDim (\(width))")
            }
            try ShapeCheck.dims(op, [("seq", seq), ("\(name) stride", stride)])
            try ShapeCheck.holds(op, name, slice, (seq - 1) * stride + width)
        }
        for (name, input) in [("q", q), ("k", k), ("v", v)] {
            try ShapeCheck.disjoint(op, ("out", out), (name, input))
        }
        let s = scale ?? 1 / Float(headDim).squareRoot()
        try dispatch(.attentionSplit, [(q, .read), (k, .read), (v, .read), (out, .write)],
                     params: [UInt32(seq), UInt32(heads), UInt32(headDim), s.bitPattern,
                              UInt32(strides.q), UInt32(strides.k), UInt32(strides.v), UInt32(strides.out)],
                     groups: (seq, heads, 1))
    }
}
