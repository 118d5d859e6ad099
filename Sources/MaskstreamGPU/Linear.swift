import MaskstreamCore

/// Which matmul kernel `linear` runs; both compute the same result (the default per device
/// is in `KernelProfile`).
public enum LinearVariant: String, Sendable, CaseIterable {
    /// Each invocation computes a 4×4 tile from global memory (no shared memory):
    /// ~5× faster on CPU devices such as lavapipe.
    case registerBlocked
    /// 64×64 workgroup tiles staged through shared memory: the variant for real GPUs.
    case sharedMemoryTiled

    var kernel: Kernel {
        switch self {
        case .registerBlocked: .linearRegisterBlocked
        case .sharedMemoryTiled: .linearSharedTiled
        }
    }
}

extension CommandSequence {
    /// Records `y = x · weightᵀ + bias` with optional fused epilogues, in this order:
    /// bias, exact-erf GELU, layer-scale multiply (per output column), residual add.
    ///
    /// `weight` is in PyTorch `nn.Linear` layout `[n, k]` (out, in), or `[k, n]` when
    /// `weightTransposed` is true (a plain matmul `x · weight`, e.g. mask embeddings ·
    /// CHW pixel features, which are `[c, h·w]`); `x` is `[m, k]`,
    /// `y` and `residual` are `[m, n]`, all row-major. `residual` may be `y` itself
    /// (in-place `y += …`); `y` must not overlap `x` or `weight`.
    ///
    /// - Complexity: O(m·n·k) multiply-adds on the device.
    public func linear(
        x: BufferSlice, weight: BufferSlice, bias: BufferSlice?, y: BufferSlice,
        m: Int, n: Int, k: Int,
        gelu: Bool = false, layerScale: BufferSlice? = nil, residual: BufferSlice? = nil,
        weightTransposed: Bool = false, variant: LinearVariant? = nil
    ) throws {
        let op = "linear"
        try ShapeCheck.dims(op, [("m", m), ("k", k)])
        try ShapeCheck.dims(op, [("n", n), ("k", k)])
        try ShapeCheck.dims(op, [("m", m), ("n", n)])
        try ShapeCheck.holds(op, "x", x, m * k)
        try ShapeCheck.holds(op, "weight", weight, n * k)
        try ShapeCheck.holds(op, "y", y, m * n)
        if let bias { try ShapeCheck.holds(op, "bias", bias, n) }
        if let layerScale { try ShapeCheck.holds(op, "layerScale", layerScale, n) }
        if let residual { try ShapeCheck.holds(op, "residual", residual, m * n) }
        try ShapeCheck.disjoint(op, ("y", y), ("x", x))
        try ShapeCheck.disjoint(op, ("y", y), ("weight", weight))

        let chosen = variant ?? device.kernelProfile.linear
        let iterations = chosen == .registerBlocked ? k / 4 + 3 : (k + 15) / 16
        guard iterations <= loopIterationBudget else {
            throw MaskstreamError(.unsupported,
                "linear: k = \(k) needs \(iterations) loop iterations per invocation, more than "
                    + "'\(device.info.name)' runs (\(loopIterationBudget)): split the reduction or use the "
                    + "shared-memory variant"
            )
        }
        var flags: UInt32 = 0
        if bias != nil { flags |= 1 }
        if gelu { flags |= 2 }
        if layerScale != nil { flags |= 4 }
        if residual != nil { flags |= 8 }
        if weightTransposed { flags |= 16 }
        let groups: (Int, Int, Int)
        switch chosen {
        case .registerBlocked: groups = ((n + 31) / 32, (m + 31) / 32, 1)
        case .sharedMemoryTiled: groups = ((n + 63) / 64, (m + 63) / 64, 1)
        }
        try dispatch(chosen.kernel, [
            (x, .read), (weight, .read), (bias ?? x, .read),
            (y, residual.map { $0.buffer === y.buffer } == true ? .readWrite : .write),
            (residual ?? x, .read), (layerScale ?? x, .read),
        ], params: [UInt32(m), UInt32(n), UInt32(k), flags], groups: groups)
    }
}
