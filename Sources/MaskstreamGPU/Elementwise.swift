import MaskstreamCore

extension CommandSequence {
    private enum ElementwiseOp: UInt32 { case copy = 0, add = 1, gelu = 2, multiply = 3 }

    private func elementwise(_ op: ElementwiseOp, _ name: String, a: BufferSlice, b: BufferSlice?, y: BufferSlice, count: Int) throws {
        try ShapeCheck.dims(name, [("count", count)])
        try ShapeCheck.holds(name, "input", a, count)
        if let b { try ShapeCheck.holds(name, "second input", b, count) }
        try ShapeCheck.holds(name, "output", y, count)
        let aliased = y.buffer === a.buffer || y.buffer === b?.buffer
        try dispatch(.elementwise, [(a, .read), (b ?? a, .read), (y, aliased ? .readWrite : .write)],
                     params: [UInt32(count), op.rawValue], groups: (groups1D(count, local: 64), 1, 1))
    }

    /// Records `y[i] = a[i] + b[i]` for `count` floats; `y` may be `a` or `b`.
    ///
    /// - Complexity: O(count).
    public func add(_ a: BufferSlice, _ b: BufferSlice, y: BufferSlice, count: Int) throws {
        try elementwise(.add, "add", a: a, b: b, y: y, count: count)
    }

    /// Records `y[i] = a[i] · b[i]` for `count` floats; `y` may be `a` or `b`.
    ///
    /// - Complexity: O(count).
    public func multiply(_ a: BufferSlice, _ b: BufferSlice, y: BufferSlice, count: Int) throws {
        try elementwise(.multiply, "multiply", a: a, b: b, y: y, count: count)
    }

    /// Records the exact (erf) GELU `y[i] = gelu(x[i])` for `count` floats; `y` may be `x`.
    ///
    /// - Complexity: O(count).
    public func gelu(x: BufferSlice, y: BufferSlice, count: Int) throws {
        try elementwise(.gelu, "gelu", a: x, b: nil, y: y, count: count)
    }

    /// Records a copy of `count` floats from `source` to `destination` (must not overlap).
    ///
    /// - Complexity: O(count).
    public func copy(_ source: BufferSlice, to destination: BufferSlice, count: Int) throws {
        try ShapeCheck.disjoint("copy", ("destination", destination), ("source", source))
        try elementwise(.copy, "copy", a: source, b: nil, y: destination, count: count)
    }

    /// Records a strided copy of a `[rows, cols]` block: row `r` of `source` starts at
    /// `r·sourceStride`, row `r` of `destination` at `r·destinationStride`. Concatenates
    /// token rows (copy each part to its row offset) or gathers column blocks.
    ///
    /// - Complexity: O(rows·cols).
    public func copyRows(_ source: BufferSlice, sourceStride: Int, to destination: BufferSlice, destinationStride: Int,
                         rows: Int, cols: Int) throws {
        let op = "copyRows"
        try ShapeCheck.dims(op, [("rows", rows), ("cols", cols)])
        try ShapeCheck.dims(op, [("rows", rows), ("sourceStride", sourceStride)])
        try ShapeCheck.dims(op, [("rows", rows), ("destinationStride", destinationStride)])
        guard sourceStride >= cols, destinationStride >= cols else {
            throw MaskstreamError(.invalidInput, "copyRows: strides (\(sourceStride), \(destinationStride)) must be at least cols (\(cols))")
        }
        try ShapeCheck.holds(op, "source", source, (rows - 1) * sourceStride + cols)
        try ShapeCheck.holds(op, "destination", destination, (rows - 1) * destinationStride + cols)
        try ShapeCheck.disjoint(op, ("destination", destination), ("source", source))
        try dispatch(.copyRows, [(source, .read), (destination, .write)],
                     params: [UInt32(rows), UInt32(cols), UInt32(sourceStride), UInt32(destinationStride)],
                     groups: (groups1D(rows * cols, local: 64), 1, 1))
    }

    /// Records SwiGLU as transformers' `SwiGLUFFN`: `hidden` is `[rows, 2·half]` =
    /// `[x1 | x2]`, `out[r, i] = silu(x1[r, i]) · x2[r, i]`, `out` is `[rows, half]`.
    ///
    /// - Complexity: O(rows·half).
    public func swiglu(hidden: BufferSlice, out: BufferSlice, rows: Int, half: Int) throws {
        let op = "swiglu"
        try ShapeCheck.dims(op, [("rows", rows), ("2·half", 2 * half)])
        try ShapeCheck.holds(op, "hidden", hidden, rows * 2 * half)
        try ShapeCheck.holds(op, "out", out, rows * half)
        try ShapeCheck.disjoint(op, ("out", out), ("hidden", hidden))
        try dispatch(.swiglu, [(hidden, .read), (out, .write)], params: [UInt32(rows), UInt32(half)],
                     groups: (groups1D(rows * half, local: 64), 1, 1))
    }

    /// Records `out[c, r] = x[r, c]` for `x` of shape `[rows, cols]`: tokens `[h·w, c]`
    /// to CHW with `rows = h·w, cols = c`, and back with the roles swapped.
    ///
    /// - Complexity: O(rows·cols).
    public func transpose(_ x: BufferSlice, out: BufferSlice, rows: Int, cols: Int) throws {
        let op = "transpose"
        try ShapeCheck.dims(op, [("rows", rows), ("cols", cols)])
        try ShapeCheck.holds(op, "x", x, rows * cols)
        try ShapeCheck.holds(op, "out", out, rows * cols)
        try ShapeCheck.disjoint(op, ("out", out), ("x", x))
        try dispatch(.transpose, [(x, .read), (out, .write)], params: [UInt32(rows), UInt32(cols)],
                     groups: ((cols + 15) / 16, (rows + 15) / 16, 1))
    }
}
