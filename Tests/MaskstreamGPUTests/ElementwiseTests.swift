import Testing
import MaskstreamTestSupport
@testable import MaskstreamGPU

@Suite struct ElementwiseTests {
    @Test(arguments: [1, 63, 1000])
    func addMultiplyCopyMatchCPU(count: Int) throws {
        let device = try TestDevice.get()
        var rng = SeededRandom(seed: UInt64(count))
        let a = rng.floats(count), b = rng.floats(count)
        let ab = try device.makeBuffer(a), bb = try device.makeBuffer(b)
        let sum = try device.makeBuffer(count: count), product = try device.makeBuffer(count: count), copied = try device.makeBuffer(count: count + 3)
        try run(device) { seq in
            try seq.add(ab.all, bb.all, y: sum.all, count: count)
            try seq.multiply(ab.all, bb.all, y: product.all, count: count)
            try seq.copy(ab.all, to: copied.slice(offset: 3, count: count), count: count)
        }
        #expect(try sum.download() == zip(a, b).map { $0 + $1 })
        #expect(try product.download() == zip(a, b).map { $0 * $1 })
        #expect(try copied.download(offset: 3, count: count) == a)
        try TestDevice.expectNoValidationErrors()
    }

    @Test func inPlaceAddAccumulates() throws {
        let device = try TestDevice.get()
        let a = try device.makeBuffer([1, 2, 3]), b = try device.makeBuffer([10, 20, 30])
        try run(device) { seq in
            try seq.add(a.all, b.all, y: a.all, count: 3)
            try seq.add(a.all, b.all, y: a.all, count: 3)
        }
        #expect(try a.download() == [21, 42, 63])
    }

    @Test func geluMatchesTorch() throws {
        let golden = try TorchOps.load().gelu
        let device = try TestDevice.get()
        let x = try device.makeBuffer(golden.x)
        try run(device) { try $0.gelu(x: x.all, y: x.all, count: golden.x.count) }
        #expect(maxRelativeError(try x.download(), golden.y) <= 1e-5)
    }

    @Test func swigluMatchesTransformers() throws {
        let g = try TorchOps.load().swiglu
        let device = try TestDevice.get()
        let h = try device.makeBuffer(g.hidden), o = try device.makeBuffer(count: g.rows * g.half)
        try run(device) { try $0.swiglu(hidden: h.all, out: o.all, rows: g.rows, half: g.half) }
        #expect(maxRelativeError(try o.download(), g.y) <= 1e-5)
        try TestDevice.expectNoValidationErrors()
    }

    @Test(arguments: [(1, 1), (3, 5), (17, 40), (40, 17), (100, 3)])
    func transposeRoundTrips(rows: Int, cols: Int) throws {
        let device = try TestDevice.get()
        var rng = SeededRandom(seed: UInt64(rows * 100 + cols))
        let x = rng.floats(rows * cols)
        let xb = try device.makeBuffer(x), t = try device.makeBuffer(count: rows * cols), back = try device.makeBuffer(count: rows * cols)
        try run(device) { seq in
            try seq.transpose(xb.all, out: t.all, rows: rows, cols: cols)
            try seq.transpose(t.all, out: back.all, rows: cols, cols: rows)
        }
        let tv = try t.download()
        for r in 0 ..< rows { for c in 0 ..< cols { #expect(tv[c * rows + r] == x[r * cols + c]) } }
        #expect(try back.download() == x)
        try TestDevice.expectNoValidationErrors()
    }

    @Test func copyRowsConcatenatesTokens() throws {
        let device = try TestDevice.get()
        let dim = 4
        let cls: [Float] = [1, 2, 3, 4]
        let patches: [Float] = (0 ..< 3 * dim).map(Float.init)
        let src = try device.makeBuffer(cls + patches)
        let dst = try device.makeBuffer(count: 4 * dim)
        try run(device) { seq in
            // tokens = [patches; cls] built from two copies into row offsets.
            try seq.copyRows(src.slice(offset: dim, count: 3 * dim), sourceStride: dim, to: dst.all, destinationStride: dim, rows: 3, cols: dim)
            try seq.copyRows(src.all, sourceStride: dim, to: dst.slice(offset: 3 * dim, count: dim), destinationStride: dim, rows: 1, cols: dim)
        }
        #expect(try dst.download() == patches + cls)
        // Column block gather: the middle 2 columns of a [3, 4] matrix.
        let mid = try device.makeBuffer(count: 6)
        try run(device) { try $0.copyRows(src.slice(offset: dim + 1, count: 3 * dim - 1), sourceStride: dim, to: mid.all, destinationStride: 2, rows: 3, cols: 2) }
        #expect(try mid.download() == [1, 2, 5, 6, 9, 10])
    }

    @Test func badArgumentsThrow() throws {
        let device = try TestDevice.get()
        let a = try device.makeBuffer(count: 8)
        let seq = try device.makeSequence()
        expectError(.invalidInput) { try seq.add(a.all, a.all, y: a.all, count: 9) }
        expectError(.invalidInput) { try seq.copy(a.all, to: a.slice(offset: 2, count: 6), count: 6) }
        expectError(.invalidInput) { try seq.copyRows(a.all, sourceStride: 1, to: a.all, destinationStride: 2, rows: 2, cols: 2) }
        expectError(.invalidInput) { try seq.swiglu(hidden: a.all, out: a.all, rows: 2, half: 2) }
        expectError(.invalidInput) { try seq.transpose(a.all, out: a.all, rows: 2, cols: 4) }
        #expect(seq.dispatchCount == 0)
    }
}
