import MaskstreamCore

/// Which matmul kernel `linear` runs; both compute the same result (the default per device
/// is in `KernelProfile`).
public enum LinearVariant: String, Sendable, CaseIterable {
    /// Each invocation computes a 4×4 tile from global memory (no shared memory):
    /// ~5× faster on CPU devices such as lavapipe.
    case registerBlocked
    /// 64×64 workgroup tiles staged through shared memory: the variant for real GPUs.
    case sharedMemoryTiled
    /// One 8-invocation workgroup per `LaneTile`, its invocations the SIMD lanes of one CPU
    /// thread: lanes read adjacent weight columns (weights stored `[k, n]`), share broadcast rows
    /// of `x`, and keep the tile in registers. The variant for CPU devices (lavapipe, llvmpipe).
    case lanes
    /// The `lanes` layout with `x` and `weight` (`[n, k]`) read as RGBA32F texel buffers, 4 k per
    /// fetch and no per-lane branches on lavapipe. Needs `k`, and the offsets of `x` and `weight`,
    /// to be multiples of 4 and the weight in `[n, k]` layout; other calls run `lanes`.
    case texels
}

/// The register tile of the `lanes` and `texels` linear kernels: `rows` rows of `y` shared by the
/// 8 lanes of a workgroup, `columnsPerLane` columns per lane (8 apart), so a workgroup computes
/// `rows × 8·columnsPerLane` outputs. Both are specialization constants of the shader.
public struct LaneTile: Sendable, Equatable, CustomStringConvertible {
    public var rows: Int
    public var columnsPerLane: Int

    public init(rows: Int, columnsPerLane: Int) {
        self.rows = rows
        self.columnsPerLane = columnsPerLane
    }

    /// Outputs per lane: the accumulators each invocation keeps in registers.
    public var accumulators: Int { rows * columnsPerLane }

    public var description: String { "\(rows)×\(8 * columnsPerLane)" }
}

extension CommandSequence {
    /// Records `y = x · weightᵀ + bias` with optional fused epilogues, in this order:
    /// bias, exact-erf GELU, layer-scale multiply (per output column), residual add.
    ///
    /// `weight` holds fp32 or fp16 elements (fp16: read by the `texels` kernel 8 halves per RGBA32UI
    /// texel, or as RGBA16F texels where it is not whole 8-half texels, or by the shared-memory
    /// kernel from a `float16_t` buffer; accumulation stays fp32).
    /// `weight` is in PyTorch `nn.Linear` layout `[n, k]` (out, in), or `[k, n]` when
    /// `weightTransposed` is true (a plain matmul `x · weight`, e.g. mask embeddings ·
    /// CHW pixel features, which are `[c, h·w]`); `x` is `[m, k]`,
    /// `y` and `residual` are `[m, n]`, all row-major. `residual` may be `y` itself
    /// (in-place `y += …`); `y` must not overlap `x` or `weight`.
    ///
    /// `weightRowStride` (elements, ≥ `k`) is where row `o` of an `[n, k]` weight starts: the
    /// `texels` kernel reads rows padded as `KernelProfile.weightRowStride(k:element:)` says; a
    /// stride other than `k` for a call that does not run `texels` is an `.invalidInput` error.
    ///
    /// - Complexity: O(m·n·k) multiply-adds on the device.
    public func linear(
        x: BufferSlice, weight: BufferSlice, bias: BufferSlice?, y: BufferSlice,
        m: Int, n: Int, k: Int,
        gelu: Bool = false, layerScale: BufferSlice? = nil, residual: BufferSlice? = nil,
        weightTransposed: Bool = false, variant: LinearVariant? = nil, laneTile: LaneTile? = nil,
        weightRowStride: Int? = nil
    ) throws {
        let op = "linear"
        try ShapeCheck.dims(op, [("m", m), ("k", k)])
        try ShapeCheck.dims(op, [("n", n), ("k", k)])
        try ShapeCheck.dims(op, [("m", m), ("n", n)])
        let wRow = weightRowStride ?? k
        guard wRow >= k else {
            throw MaskstreamError(.invalidInput, "\(op): weight row stride \(wRow) is shorter than k \(k)")
        }
        try ShapeCheck.dims(op, [("n", n), ("weight row stride", wRow)])
        try ShapeCheck.holds(op, "x", x, m * k)
        try ShapeCheck.holds(op, "weight", weight, (n - 1) * wRow + k)
        try ShapeCheck.holds(op, "y", y, m * n)
        if let bias { try ShapeCheck.holds(op, "bias", bias, n) }
        if let layerScale { try ShapeCheck.holds(op, "layerScale", layerScale, n) }
        if let residual { try ShapeCheck.holds(op, "residual", residual, m * n) }
        try ShapeCheck.disjoint(op, ("y", y), ("x", x))
        try ShapeCheck.disjoint(op, ("y", y), ("weight", weight))

        let profile = device.kernelProfile
        var chosen = variant ?? profile.linear
        if chosen == .texels, weightTransposed || k % 4 != 0 || x.offset % 4 != 0 || weight.offset % 4 != 0 {
            chosen = device.info.supportsBufferDeviceAddress ? .lanes : .registerBlocked
        }
        let halfWeight = weight.element == .float16
        if halfWeight, chosen != .texels || !device.info.supportsFP16Texels {
            // fp16 weights: RGBA16F texels, or halves in a storage buffer for the shared-memory kernel.
            guard device.info.supportsFP16Storage else {
                throw MaskstreamError(.unsupported,
                    "linear: '\(device.info.name)' cannot read these fp16 weights (m \(m), n \(n), k \(k)) with the "
                        + "\(chosen) kernel and has no storageBuffer16BitAccess: use model.precision fp32")
            }
            chosen = .sharedMemoryTiled
        }
        guard x.element == .float32 else {
            throw MaskstreamError(.invalidInput, "linear: x must hold fp32 activations, not \(x.element)")
        }
        // (`texels` is never chosen for [k, n] weights: they fall back above.)
        guard wRow == k || chosen == .texels else {
            throw MaskstreamError(.invalidInput,
                "\(op): weight rows padded to \(wRow) elements (k \(k)) are read only by the texels kernel, not by "
                    + "\(chosen)\(weightTransposed ? " with [k, n] weights" : ""): store the weight with k-long rows")
        }
        let tile = laneTile ?? profile.tile(for: chosen, k: k)
        var flags: UInt32 = 0
        if bias != nil { flags |= 1 }
        if gelu { flags |= 2 }
        if layerScale != nil { flags |= 4 }
        if residual != nil { flags |= 8 }
        if weightTransposed { flags |= 16 }
        let groups: (Int, Int, Int)
        let kernel: Kernel
        switch chosen {
        case .texels:
            try recordTexels(x: x, xRow: k, xBatch: 0, weight: weight, wRow: wRow, wBatch: 0, bias: bias, y: y,
                             yStrides: (n, 1, 0), layerScale: layerScale, residual: residual,
                             m: m, n: n, k: k, batches: 1, flags: flags, tile: tile ?? profile.texelTile(k: k))
            return
        case .registerBlocked: (kernel, groups) = (.linearRegisterBlocked, ((n + 31) / 32, (m + 31) / 32, 1))
        case .sharedMemoryTiled:
            kernel = halfWeight ? .linearSharedTiledF16 : .linearSharedTiled
            groups = ((n + 63) / 64, (m + 63) / 64, 1)
        case .lanes:
            let tile = tile ?? profile.laneTile
            let width = 8 * tile.columnsPerLane
            kernel = Kernel.linearLanes.specialized([UInt32(tile.rows), UInt32(tile.columnsPerLane)])
            groups = ((n + width - 1) / width, (m + tile.rows - 1) / tile.rows, 1)
        }
        let iterations = chosen == .sharedMemoryTiled ? (k + 15) / 16 : k / 4 + 3
        try checkLoopBudget(iterations, k: k)
        try dispatch(kernel, linearBindings(x: x, weight: weight, bias: bias, y: y, residual: residual, scale: layerScale),
                     params: [UInt32(m), UInt32(n), UInt32(k), flags], groups: groups, addresses: chosen == .lanes)
    }

    /// The six bindings every linear kernel takes; absent operands bind `x` (never read).
    private func linearBindings(x: BufferSlice, weight: BufferSlice, bias: BufferSlice?, y: BufferSlice,
                                residual: BufferSlice?, scale: BufferSlice?) -> [(BufferSlice, Access)] {
        [
            (x, .read), (weight, .read), (bias ?? x, .read),
            (y, residual.map { $0.buffer === y.buffer } == true ? .readWrite : .write),
            (residual ?? x, .read), (scale ?? x, .read),
        ]
    }

    /// Throws unless `iterations` loop iterations per invocation fit the device's budget.
    private func checkLoopBudget(_ iterations: Int, k: Int) throws {
        guard iterations <= loopIterationBudget else {
            throw MaskstreamError(.unsupported,
                "linear: k = \(k) needs \(iterations) loop iterations per invocation, more than "
                    + "'\(device.info.name)' runs (\(loopIterationBudget)): split the reduction or use the "
                    + "shared-memory variant"
            )
        }
    }
}

/// Where the elements of a matrix operand sit, in floats: element `(r, c)` of batch `b` at
/// `offset + b·batch + r·row + c·column`. Inputs are read with `column` 1; an output may use any
/// `column` (`row: 1, column: m` writes it transposed).
public struct MatrixStrides: Sendable, Equatable, CustomStringConvertible {
    public var row: Int
    public var batch: Int
    public var column: Int

    public init(row: Int, batch: Int = 0, column: Int = 1) {
        self.row = row
        self.batch = batch
        self.column = column
    }

    public var description: String { "(row \(row), column \(column), batch \(batch))" }
}

/// A row softmax fused around attention's two `batchedLinear` products on the `texels` kernel,
/// so no pass of its own reads and writes the score matrix:
///
/// 1. `Q·Kᵀ` with `.scores`: each workgroup writes `exp(scale·s − m_b)` for its block of
///    `8·columnsPerLane` columns, `m_b` the row's largest scaled score there, and the pair
///    `(m_b, Σ exp)` to `partials` at `2·((batch·m + row)·blocks + b)`;
/// 2. `softmaxBlockFactors` turns each row's pairs into factors `exp(m_b − max m)` and writes
///    `1 / Σ` per row;
/// 3. `P·V` with `.values` multiplies the scores of block `b` by its factor as it reads them, and
///    `rowScale: inverseSums` normalizes the output rows.
///
/// The result equals `softmaxRows` then `P·V` to float rounding; every exponent is ≤ 0.
public enum BlockSoftmax: Sendable {
    /// Step 1 on `Q·Kᵀ`; `partials` holds `2·batches·m·blocks` floats, `blocks` =
    /// `BlockSoftmax.blocks(n:tile:)` for the tile the product runs with.
    case scores(partials: BufferSlice, scale: Float)
    /// Step 3 on `P·V`; `factors` is step 2's `partials`, `blockWidth` step 1's
    /// `8·columnsPerLane` and `blocks` its block count.
    case values(factors: BufferSlice, blocks: Int, blockWidth: Int)

    /// Column blocks per row of an `n`-column score matrix made with `tile`.
    public static func blocks(n: Int, tile: LaneTile) -> Int {
        let width = 8 * tile.columnsPerLane
        return (n + width - 1) / width
    }
}

extension CommandSequence {
    /// Step 2 of `BlockSoftmax`: for each of `rows` rows, `partials`' `blocks` pairs `(m_b, Σ_b)`
    /// become factors `exp(m_b − max m)` (in place of `m_b`) and `inverseSums[row]` gets
    /// `1 / Σ_b factor_b·Σ_b`.
    ///
    /// - Complexity: O(rows·blocks).
    public func softmaxBlockFactors(partials: BufferSlice, rows: Int, blocks: Int, inverseSums: BufferSlice) throws {
        let op = "softmaxBlockFactors"
        try ShapeCheck.dims(op, [("rows", rows), ("blocks", blocks)])
        try ShapeCheck.holds(op, "partials", partials, 2 * rows * blocks)
        try ShapeCheck.holds(op, "inverseSums", inverseSums, rows)
        try ShapeCheck.disjoint(op, ("inverseSums", inverseSums), ("partials", partials))
        try checkLoopBudget(2 * blocks, k: blocks)
        let groups = (rows + 63) / 64
        try dispatch(.softmaxBlockFactors, [(partials, .readWrite), (inverseSums, .write)],
                     params: [UInt32(rows), UInt32(blocks)], groups: (min(groups, 65535), (groups + 65534) / 65535, 1))
    }

    /// Records `batches` strided products `Y_b = X_b · W_bᵀ (+ bias) (→ GELU)` in one dispatch with
    /// the `texels` kernel: `X_b` is `[m, k]`, `W_b` `[n, k]` (PyTorch layout), each read in place
    /// with the given strides (e.g. one attention head's columns of a fused QKV buffer); `Y_b[i, j]`
    /// is written at `b·y.batch + i·y.row + j·y.column`, so outputs can land transposed or
    /// interleaved (a transposed convolution's pixels in CHW planes). Attention as matmuls uses it
    /// for `Q·Kᵀ` and `P·V` of all heads at once; `rowScale` (`batches·m` floats) multiplies row
    /// `i` of batch `b` by `rowScale[b·m + i]` (the softmax's `inverseSums`).
    ///
    /// `k`, the strides of `x` and `weight` and their offsets must be multiples of 4 (whole
    /// RGBA32F texels): otherwise a `.unsupported` error says so. `y` must not overlap `x` or
    /// `weight`.
    ///
    /// - Complexity: O(batches·m·n·k) multiply-adds on the device.
    public func batchedLinear(
        x: BufferSlice, _ xStrides: MatrixStrides, weight: BufferSlice, _ wStrides: MatrixStrides,
        bias: BufferSlice? = nil, gelu: Bool = false, rowScale: BufferSlice? = nil, y: BufferSlice,
        _ yStrides: MatrixStrides, m: Int, n: Int, k: Int, batches: Int = 1, laneTile: LaneTile? = nil,
        softmax: BlockSoftmax? = nil
    ) throws {
        let op = "batchedLinear"
        for pair in [[("m", m), ("k", k)], [("n", n), ("k", k)], [("m", m), ("n", n)], [("batches", batches)]] {
            try ShapeCheck.dims(op, pair)
        }
        let whole = [k, x.offset, weight.offset, xStrides.row, xStrides.batch, wStrides.row, wStrides.batch]
        guard whole.allSatisfy({ $0 % 4 == 0 }) else {
            throw MaskstreamError(.unsupported,
                "\(op): k \(k), the offsets (\(x.offset), \(weight.offset)) and strides of x \(xStrides) and weight "
                    + "\(wStrides) must be multiples of 4 floats (RGBA32F texels): use linear")
        }
        let (yRow, yCol) = (yStrides.row, yStrides.column)
        guard xStrides.row >= k, wStrides.row >= k, xStrides.column == 1, wStrides.column == 1, yRow > 0, yCol > 0
        else {
            throw MaskstreamError(.invalidInput, "\(op): inputs need rows at least k long with column stride 1 and "
                + "outputs positive strides (x \(xStrides), weight \(wStrides), y \(yStrides) for m \(m), n \(n), k \(k))")
        }
        try ShapeCheck.holds(op, "x", x, (batches - 1) * xStrides.batch + (m - 1) * xStrides.row + k)
        try ShapeCheck.holds(op, "weight", weight, (batches - 1) * wStrides.batch + (n - 1) * wStrides.row + k)
        try ShapeCheck.holds(op, "y", y, (batches - 1) * yStrides.batch + (m - 1) * yRow + (n - 1) * yCol + 1)
        if let bias { try ShapeCheck.holds(op, "bias", bias, n) }
        if let rowScale { try ShapeCheck.holds(op, "rowScale", rowScale, batches * m) }
        try ShapeCheck.disjoint(op, ("y", y), ("x", x))
        try ShapeCheck.disjoint(op, ("y", y), ("weight", weight))
        let tile = laneTile ?? device.kernelProfile.texelTile(k: k)
        var fused: FusedSoftmax?
        switch softmax {
        case nil: break
        case let .scores(partials, scale):
            guard bias == nil, !gelu, rowScale == nil else {
                throw MaskstreamError(.invalidInput, "\(op): softmax partials take no bias, GELU or row scale")
            }
            let blocks = BlockSoftmax.blocks(n: n, tile: tile)
            try ShapeCheck.holds(op, "partials", partials, 2 * batches * m * blocks)
            try ShapeCheck.disjoint(op, ("y", y), ("partials", partials))
            // The padding up to whole texels is zeroed in place: it must lie inside y's rows.
            guard yCol == 1, yRow >= (n + 3) / 4 * 4 else {
                throw MaskstreamError(.invalidInput, "\(op): softmax scores need rows of at least \((n + 3) / 4 * 4) "
                    + "floats with column stride 1, not \(yStrides)")
            }
            fused = FusedSoftmax(mode: 1, binding: 5, access: .write, buffer: partials, scale: scale, blocks: blocks,
                                 blockTexels: 0)
        case let .values(factors, blocks, blockWidth):
            guard blockWidth > 0, blockWidth % 4 == 0, blocks > 0, blocks * blockWidth >= k else {
                throw MaskstreamError(.invalidInput, "\(op): \(blocks) blocks of \(blockWidth) do not cover k \(k) in "
                    + "whole texels")
            }
            try ShapeCheck.holds(op, "factors", factors, 2 * batches * m * blocks)
            fused = FusedSoftmax(mode: 2, binding: 4, access: .read, buffer: factors, scale: 1, blocks: blocks,
                                 blockTexels: blockWidth / 4)
        }
        try recordTexels(x: x, xRow: xStrides.row, xBatch: xStrides.batch, weight: weight, wRow: wStrides.row,
                         wBatch: wStrides.batch, bias: bias, y: y, yStrides: (yRow, yCol, yStrides.batch),
                         layerScale: rowScale, residual: nil, m: m, n: n, k: k, batches: batches,
                         flags: (bias == nil ? 0 : 1) | (gelu ? 2 : 0) | (rowScale == nil ? 0 : 32), tile: tile,
                         softmax: fused)
    }

    /// What `linear_texels` needs for a `BlockSoftmax` step: its `MODE`, and the binding its buffer
    /// takes (the partials written in place of the row scale, the factors read in place of the
    /// residual, neither of which the step uses).
    private struct FusedSoftmax {
        var mode: UInt32
        var binding: Int
        var access: Access
        var buffer: BufferSlice
        var scale: Float
        var blocks: Int
        var blockTexels: Int
    }

    /// Dispatches `linear_texels` (strides in floats; `x` and `weight` ones multiples of 4).
    private func recordTexels(
        x: BufferSlice, xRow: Int, xBatch: Int, weight: BufferSlice, wRow: Int, wBatch: Int, bias: BufferSlice?,
        y: BufferSlice, yStrides: (row: Int, col: Int, batch: Int), layerScale: BufferSlice?, residual: BufferSlice?,
        m: Int, n: Int, k: Int, batches: Int, flags: UInt32, tile: LaneTile, softmax: FusedSoftmax? = nil
    ) throws {
        guard tile.rows == 8 || tile.rows == 16, (1...8).contains(tile.columnsPerLane) else {
            throw MaskstreamError(.invalidInput,
                "linear: the texels kernel takes tiles of 8 or 16 rows and 1 to 8 columns per lane, not \(tile)")
        }
        try checkLoopBudget(k / 4 + 3, k: k)
        let width = 8 * tile.columnsPerLane
        // fp16 weights in whole 8-half texels go through RGBA32UI, 8 k per fetch (half the weight fetches).
        let packed = weight.element == .float16 && softmax == nil
            && [k, weight.offset, wRow, wBatch].allSatisfy { $0 % 8 == 0 }
        let kernel = (packed ? Kernel.linearTexelsHalf8 : .linearTexels)
            .specialized([UInt32(tile.rows), UInt32(tile.columnsPerLane), softmax?.mode ?? 0])
        var bindings = linearBindings(x: x, weight: weight, bias: bias, y: y, residual: residual, scale: layerScale)
        if let softmax { bindings[softmax.binding] = (softmax.buffer, softmax.access) }
        let wTexel = packed ? 8 : 4
        let strides = [xRow / 4, wRow / wTexel, xBatch / 4, wBatch / wTexel, yStrides.row, yStrides.col, yStrides.batch]
        let fused = [(softmax?.scale ?? 1).bitPattern, UInt32(softmax?.blocks ?? 0), UInt32(softmax?.blockTexels ?? 0)]
        try dispatch(kernel, bindings,
                     params: [UInt32(m), UInt32(n), UInt32(k), flags] + strides.map { UInt32($0) } + fused,
                     groups: ((n + width - 1) / width, (m + tile.rows - 1) / tile.rows, batches))
    }
}
