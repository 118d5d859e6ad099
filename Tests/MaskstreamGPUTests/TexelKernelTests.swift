import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamGPU

/// The CPU-shaped kernels: the `texels` linear on operands it can read as texels, its strided
/// and batched form, and both row reductions of LayerNorm and softmax.
@Suite struct TexelKernelTests {
    /// Shapes whose `k` and offsets are whole texels, so `texels` runs its own kernel (the odd
    /// offsets of `LinearTests` make it fall back); edges of the 8×16 tile in both directions.
    @Test(arguments: [
        LinearTests.Case(m: 1, n: 1, k: 4),
        LinearTests.Case(m: 9, n: 17, k: 36, bias: false),
        LinearTests.Case(m: 70, n: 37, k: 128, bias: true, gelu: true, scale: true, residual: true),
        LinearTests.Case(m: 16, n: 130, k: 260, residual: true),
    ])
    func texelsMatchesCPUReference(c: LinearTests.Case) throws {
        try LinearTests.expectMatchesReference(c, variant: .texels, xOffset: 8, weightOffset: 4,
                                               seed: UInt64(c.m * 7919 + c.n * 31 + c.k))
    }

    /// Three batches read in place from wider rows (as attention heads from a fused QKV
    /// buffer), written row-major and transposed.
    @Test(arguments: [false, true])
    func batchedLinearReadsStridedOperands(transposed: Bool) throws {
        let device = try TestDevice.get()
        var rng = SeededRandom(seed: transposed ? 11 : 12)
        let (m, n, k, batches) = (13, 21, 12, 3)
        let (xRow, xBatch, wRow, wBatch) = (40, k, 44, 4 + k)
        let yRow = transposed ? m + 3 : n + 5
        let yBatch = (transposed ? n : m) * yRow + 2
        let xAll = rng.floats(4 + (batches - 1) * xBatch + (m - 1) * xRow + k)
        let wAll = rng.floats(8 + (batches - 1) * wBatch + (n - 1) * wRow + k)
        let bias = rng.floats(n)
        let xb = try device.makeBuffer(xAll), wb = try device.makeBuffer(wAll), bb = try device.makeBuffer(bias)
        let yb = try device.makeBuffer([Float](repeating: 7, count: batches * yBatch))
        try run(device) { seq in
            try seq.batchedLinear(
                x: xb.slice(offset: 4, count: xAll.count - 4), MatrixStrides(row: xRow, batch: xBatch),
                weight: wb.slice(offset: 8, count: wAll.count - 8), MatrixStrides(row: wRow, batch: wBatch),
                bias: bb.all, y: yb.all,
                transposed ? MatrixStrides(row: 1, batch: yBatch, column: yRow) : MatrixStrides(row: yRow,
                    batch: yBatch),
                m: m, n: n, k: k, batches: batches)
        }
        let got = try yb.download()
        var worst: Float = 0
        var untouched = 0
        var written = Set<Int>()
        for z in 0 ..< batches {
            let xs = (0 ..< m).flatMap { i in (0 ..< k).map { xAll[4 + z * xBatch + i * xRow + $0] } }
            let ws = (0 ..< n).flatMap { j in (0 ..< k).map { wAll[8 + z * wBatch + j * wRow + $0] } }
            let expected = Reference.linear(x: xs, w: ws, b: bias, m: m, n: n, k: k, gelu: false, scale: nil,
                residual: nil)
            for i in 0 ..< m {
                for j in 0 ..< n {
                    let at = z * yBatch + (transposed ? j * yRow + i : i * yRow + j)
                    written.insert(at)
                    worst = max(worst, abs(got[at] - expected[i * n + j]) / max(1, abs(expected[i * n + j])))
                }
            }
        }
        for (i, v) in got.enumerated() where !written.contains(i) && v == 7 { untouched += 1 }
        #expect(worst <= 1e-4)
        #expect(untouched == got.count - written.count, "the kernel wrote outside its outputs")
        try TestDevice.expectNoValidationErrors()
    }

    /// Weights stored with rows padded past `k` (as models store them where `k`-long rows would
    /// thrash the L1): `texels` reads only the first `k` of each row, with fp32 and fp16 weights,
    /// and the other kernels refuse a padded stride rather than read it wrong.
    @Test(arguments: [ElementType.float32, .float16])
    func linearReadsPaddedWeightRows(element: ElementType) throws {
        let device = try TestDevice.get()
        let profile = device.kernelProfile
        try #require(profile.linear == .texels, "lavapipe runs the texels kernel")
        let k = element == .float32 ? 256 : 512 // 1 KiB rows: padded by one 64-byte line
        let stride = profile.weightRowStride(k: k, element: element)
        #expect(stride == k + 64 / element.bytes)
        #expect(profile.weightRowStride(k: 384, element: element) == 384)
        if element == .float16, !device.info.supportsFP16Texels { return }
        var rng = SeededRandom(seed: UInt64(k))
        let (m, n) = (37, 45)
        let x = rng.floats(m * k), w = rng.floats(n * k), b = rng.floats(n), r = rng.floats(m * n)
        // The padding holds values that would show in every output if they were read.
        var padded = [Float](repeating: 1e4, count: n * stride)
        for o in 0 ..< n { for i in 0 ..< k { padded[o * stride + i] = w[o * k + i] } }
        let wRounded = element == .float16 ? w.map { Float(Float16($0)) } : w
        let xb = try device.makeBuffer(x), wb = try device.makeBuffer(padded, element: element)
        let bb = try device.makeBuffer(b), yb = try device.makeBuffer(r)
        try run(device) { seq in
            try seq.linear(x: xb.all, weight: wb.all, bias: bb.all, y: yb.all, m: m, n: n, k: k, gelu: true,
                           residual: yb.all, weightRowStride: stride)
        }
        let expected = Reference.linear(x: x, w: wRounded, b: b, m: m, n: n, k: k, gelu: true, scale: nil, residual: r)
        let got = try yb.download()
        let worst = zip(got, expected).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .infinity
        #expect(worst <= 1e-4)
        let seq = try device.makeSequence()
        expectError(.invalidInput) {
            try seq.linear(x: xb.all, weight: wb.all, bias: nil, y: yb.all, m: m, n: n, k: k, variant: .lanes,
                           weightRowStride: stride)
        }
        expectError(.invalidInput) {
            try seq.linear(x: xb.all, weight: wb.all, bias: nil, y: yb.all, m: m, n: n, k: k, weightRowStride: k - 4)
        }
        #expect(seq.dispatchCount == 0)
        try TestDevice.expectNoValidationErrors()
    }

    @Test func batchedLinearRejectsWhatItCannotRead() throws {
        let device = try TestDevice.get()
        let a = try device.makeBuffer(count: 256), y = try device.makeBuffer(count: 256)
        let seq = try device.makeSequence()
        // k not a whole number of texels, an unaligned offset, an unaligned stride.
        expectError(.unsupported) {
            try seq.batchedLinear(x: a.all, MatrixStrides(row: 6), weight: a.all, MatrixStrides(row: 6), y: y.all,
                                  MatrixStrides(row: 4), m: 4, n: 4, k: 6)
        }
        expectError(.unsupported) {
            try seq.batchedLinear(x: a.slice(offset: 2, count: 200), MatrixStrides(row: 8), weight: a.all,
                                  MatrixStrides(row: 8), y: y.all, MatrixStrides(row: 4), m: 4, n: 4, k: 8)
        }
        expectError(.unsupported) {
            try seq.batchedLinear(x: a.all, MatrixStrides(row: 10), weight: a.all, MatrixStrides(row: 8), y: y.all,
                                  MatrixStrides(row: 4), m: 4, n: 4, k: 8)
        }
        // A row stride shorter than the row, an operand too small for its batches.
        expectError(.invalidInput) {
            try seq.batchedLinear(x: a.all, MatrixStrides(row: 4), weight: a.all, MatrixStrides(row: 8), y: y.all,
                                  MatrixStrides(row: 4), m: 4, n: 4, k: 8)
        }
        expectError(.invalidInput) {
            try seq.batchedLinear(x: a.all, MatrixStrides(row: 8, batch: 64), weight: a.all, MatrixStrides(row: 8),
                                  y: y.all, MatrixStrides(row: 4), m: 4, n: 4, k: 8, batches: 5)
        }
        #expect(seq.dispatchCount == 0)
    }

    @Test(arguments: RowReduction.allCases, [(1, 1, 1), (3, 7, 8), (5, 100, 103), (70, 33, 33)])
    func softmaxRowsMatchesCPUAndZeroesPadding(reduction: RowReduction, shape: (Int, Int, Int)) throws {
        let device = try TestDevice.get()
        let (rows, cols, stride) = shape
        var rng = SeededRandom(seed: UInt64(rows * 1000 + cols))
        let x = rng.floats(rows * stride, in: -20 ... 20)
        let xb = try device.makeBuffer(x)
        try run(device) { try $0.softmaxRows(xb.all, rows: rows, cols: cols, scale: 0.3, rowStride: stride,
            reduction: reduction) }
        let got = try xb.download()
        var worst: Float = 0
        var padding: [Float] = []
        for r in 0 ..< rows {
            let row = (0 ..< cols).map { Double(x[r * stride + $0]) * Double(Float(0.3)) }
            let top = row.max()!
            let sum = row.reduce(0) { $0 + exp($1 - top) }
            for c in 0 ..< cols {
                worst = max(worst, abs(got[r * stride + c] - Float(exp(row[c] - top) / sum)))
            }
            padding += got[(r * stride + cols) ..< (r * stride + stride)]
        }
        #expect(worst <= 1e-6)
        #expect(padding.allSatisfy { $0 == 0 })
        try TestDevice.expectNoValidationErrors()
    }

    /// Unnormalized softmax with `1 / Σ` per row, then P·V scaling its rows by them: the same
    /// result as a normalized softmax before the product.
    @Test(arguments: RowReduction.allCases)
    func softmaxInverseSumsScaleTheProduct(reduction: RowReduction) throws {
        let device = try TestDevice.get()
        var rng = SeededRandom(seed: 77)
        let (batches, rows, cols, stride, d) = (2, 9, 13, 16, 8)
        let scores = rng.floats(batches * rows * stride, in: -6 ... 6)
        let v = rng.floats(batches * d * stride) // Vᵀ per batch: [d, stride]
        let sb = try device.makeBuffer(scores), vb = try device.makeBuffer(v)
        let inv = try device.makeBuffer(count: batches * rows), yb = try device.makeBuffer(count: batches * rows * d)
        try run(device) { seq in
            try seq.softmaxRows(sb.all, rows: batches * rows, cols: cols, rowStride: stride, inverseSums: inv.all,
                                reduction: reduction)
            try seq.batchedLinear(x: sb.all, MatrixStrides(row: stride, batch: rows * stride), weight: vb.all,
                                  MatrixStrides(row: stride, batch: d * stride), rowScale: inv.all, y: yb.all,
                                  MatrixStrides(row: d, batch: rows * d), m: rows, n: d, k: stride, batches: batches)
        }
        let got = try yb.download(), sums = try inv.download()
        var worst: Float = 0
        for b in 0 ..< batches {
            for r in 0 ..< rows {
                let row = (0 ..< cols).map { Double(scores[(b * rows + r) * stride + $0]) }
                let top = row.max()!
                let e = row.map { exp($0 - top) }
                let total = e.reduce(0, +)
                worst = max(worst, abs(sums[b * rows + r] - Float(1 / total)) / Float(1 / total))
                for j in 0 ..< d {
                    let expected = (0 ..< cols).reduce(0.0) { $0 + e[$1] / total * Double(v[(b * d + j) * stride + $1]) }
                    worst = max(worst, abs(got[(b * rows + r) * d + j] - Float(expected)) / max(1,
                        abs(Float(expected))))
                }
            }
        }
        #expect(worst <= 1e-5)
        try TestDevice.expectNoValidationErrors()
    }

    @Test(arguments: RowReduction.allCases, [(1, 1), (3, 7), (17, 64), (5, 384), (2, 1000)])
    func layerNormMatchesCPUWithEitherReduction(reduction: RowReduction, shape: (Int, Int)) throws {
        let device = try TestDevice.get()
        let (rows, dim) = shape
        var rng = SeededRandom(seed: UInt64(rows * 31 + dim))
        let x = rng.floats(rows * dim, in: 50 ... 60), g = rng.floats(dim), b = rng.floats(dim)
        let xb = try device.makeBuffer(x), gb = try device.makeBuffer(g), bb = try device.makeBuffer(b)
        let yb = try device.makeBuffer(count: rows * dim)
        try run(device) {
            try $0.layerNorm(x: xb.all, gamma: gb.all, beta: bb.all, y: yb.all, rows: rows, dim: dim, eps: 1e-6,
                             reduction: reduction)
        }
        let expected = Reference.layerNorm(x: x, gamma: g, beta: b, rows: rows, dim: dim, eps: 1e-6)
        #expect(maxRelativeError(try yb.download(), expected) <= 1e-4)
        try TestDevice.expectNoValidationErrors()
    }
}
