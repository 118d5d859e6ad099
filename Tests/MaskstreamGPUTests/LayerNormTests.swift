import Testing
import MaskstreamTestSupport
@testable import MaskstreamGPU

@Suite struct LayerNormTests {
    @Test(arguments: [(1, 1), (3, 7), (17, 64), (5, 384), (2, 1000)])
    func matchesCPUReference(rows: Int, dim: Int) throws {
        let device = try TestDevice.get()
        var rng = SeededRandom(seed: UInt64(rows * 1000 + dim))
        // Offset mean and large spread check the two-pass variance.
        let x = rng.floats(rows * dim, in: 50 ... 60), g = rng.floats(dim), b = rng.floats(dim)
        let xb = try device.makeBuffer(x), gb = try device.makeBuffer(g + b), yb = try device.makeBuffer(count: rows * dim)
        try run(device) { seq in
            try seq.layerNorm(x: xb.all, gamma: gb.slice(offset: 0, count: dim), beta: gb.slice(offset: dim, count: dim),
                              y: yb.all, rows: rows, dim: dim, eps: 1e-6)
        }
        let expected = Reference.layerNorm(x: x, gamma: g, beta: b, rows: rows, dim: dim, eps: 1e-6)
        #expect(maxRelativeError(try yb.download(), expected) <= 1e-4)
        try TestDevice.expectNoValidationErrors()
    }

    @Test func inPlace() throws {
        let device = try TestDevice.get()
        var rng = SeededRandom(seed: 5)
        let (rows, dim) = (4, 96)
        let x = rng.floats(rows * dim), g = rng.floats(dim), b = rng.floats(dim)
        let xb = try device.makeBuffer(x), gb = try device.makeBuffer(g), bb = try device.makeBuffer(b)
        try run(device) { try $0.layerNorm(x: xb.all, gamma: gb.all, beta: bb.all, y: xb.all, rows: rows, dim: dim, eps: 1e-5) }
        let expected = Reference.layerNorm(x: x, gamma: g, beta: b, rows: rows, dim: dim, eps: 1e-5)
        #expect(maxRelativeError(try xb.download(), expected) <= 1e-4)
    }
}
