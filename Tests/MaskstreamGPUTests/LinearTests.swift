import Testing
import MaskstreamTestSupport
@testable import MaskstreamGPU

@Suite struct LinearTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var m, n, k: Int
        var bias = true, gelu = false, scale = false, residual = false
        var testDescription: String { "\(m)x\(n)x\(k) b\(bias) g\(gelu) s\(scale) r\(residual)" }
    }

    static let cases: [Case] = [
        Case(m: 1, n: 1, k: 1),
        Case(m: 7, n: 5, k: 3, bias: false),
        Case(m: 33, n: 65, k: 17, gelu: true),
        Case(m: 64, n: 64, k: 64, scale: true, residual: true),
        Case(m: 70, n: 37, k: 129, bias: true, gelu: true, scale: true, residual: true),
        Case(m: 5, n: 130, k: 48, residual: true),
    ]

    @Test(arguments: cases, LinearVariant.allCases)
    func matchesCPUReference(c: Case, variant: LinearVariant) throws {
        // Weights at odd offsets inside a shared buffer, as model weights are.
        try Self.expectMatchesReference(c, variant: variant, xOffset: 0, weightOffset: 3,
                                        seed: UInt64(c.m * 10007 + c.n * 101 + c.k))
    }

    /// Runs case `c` with `x` at `xOffset` in its buffer and the weight, bias and layer scale
    /// from `weightOffset` in one shared buffer, against the CPU reference.
    static func expectMatchesReference(_ c: Case, variant: LinearVariant, xOffset: Int, weightOffset o: Int,
                                       seed: UInt64, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let device = try TestDevice.get()
        var rng = SeededRandom(seed: seed)
        let x = rng.floats(c.m * c.k), w = rng.floats(c.n * c.k), b = rng.floats(c.n)
        let s = rng.floats(c.n, in: 0.1 ... 2), r = rng.floats(c.m * c.n)
        let weights = try device.makeBuffer(count: o + w.count + b.count + s.count)
        try weights.upload(w, at: o)
        try weights.upload(b, at: o + w.count)
        try weights.upload(s, at: o + w.count + b.count)
        let xb = try device.makeBuffer(count: xOffset + x.count)
        try xb.upload(x, at: xOffset)
        let yb = try device.makeBuffer(count: c.m * c.n + 1)
        let rb = try device.makeBuffer(r)
        try run(device) { seq in
            try seq.linear(
                x: xb.slice(offset: xOffset, count: x.count), weight: weights.slice(offset: o, count: w.count),
                bias: c.bias ? weights.slice(offset: o + w.count, count: c.n) : nil,
                y: yb.slice(offset: 1, count: c.m * c.n), m: c.m, n: c.n, k: c.k, gelu: c.gelu,
                layerScale: c.scale ? weights.slice(offset: o + w.count + b.count, count: c.n) : nil,
                residual: c.residual ? rb.all : nil, variant: variant)
        }
        let expected = Reference.linear(x: x, w: w, b: c.bias ? b : nil, m: c.m, n: c.n, k: c.k, gelu: c.gelu,
                                        scale: c.scale ? s : nil, residual: c.residual ? r : nil)
        let got = try yb.download(offset: 1, count: c.m * c.n)
        #expect(maxRelativeError(got, expected) <= 1e-4, sourceLocation: sourceLocation)
        try TestDevice.expectNoValidationErrors(sourceLocation: sourceLocation)
    }

    @Test(arguments: LinearVariant.allCases)
    func inPlaceResidualAddsToOutput(variant: LinearVariant) throws {
        let device = try TestDevice.get()
        var rng = SeededRandom(seed: 99)
        let (m, n, k) = (9, 11, 13)
        let x = rng.floats(m * k), w = rng.floats(n * k), y0 = rng.floats(m * n)
        let xb = try device.makeBuffer(x), wb = try device.makeBuffer(w), yb = try device.makeBuffer(y0)
        try run(device) { try $0.linear(x: xb.all, weight: wb.all, bias: nil, y: yb.all, m: m, n: n, k: k, residual: yb.all, variant: variant) }
        let expected = Reference.linear(x: x, w: w, b: nil, m: m, n: n, k: k, gelu: false, scale: nil, residual: y0)
        #expect(maxRelativeError(try yb.download(), expected) <= 1e-4)
        try TestDevice.expectNoValidationErrors()
    }

    @Test(arguments: LinearVariant.allCases)
    func transposedWeightIsPlainMatmul(variant: LinearVariant) throws {
        let device = try TestDevice.get()
        var rng = SeededRandom(seed: 123)
        let (m, n, k) = (6, 70, 9) // e.g. 6 queries · [9 channels, 70 pixels] features
        let x = rng.floats(m * k), f = rng.floats(k * n)
        var wOutIn = [Float](repeating: 0, count: n * k)
        for i in 0 ..< k { for j in 0 ..< n { wOutIn[j * k + i] = f[i * n + j] } }
        let xb = try device.makeBuffer(x), fb = try device.makeBuffer(f), yb = try device.makeBuffer(count: m * n)
        try run(device) { try $0.linear(x: xb.all, weight: fb.all, bias: nil, y: yb.all, m: m, n: n, k: k, weightTransposed: true, variant: variant) }
        let expected = Reference.linear(x: x, w: wOutIn, b: nil, m: m, n: n, k: k, gelu: false, scale: nil, residual: nil)
        #expect(maxRelativeError(try yb.download(), expected) <= 1e-4)
        try TestDevice.expectNoValidationErrors()
    }

    @Test func badShapesThrowInvalidInput() throws {
        let device = try TestDevice.get()
        let a = try device.makeBuffer(count: 12), b = try device.makeBuffer(count: 12)
        let seq = try device.makeSequence()
        expectError(.invalidInput) { _ = try seq.linear(x: a.all, weight: a.all, bias: nil, y: b.all, m: 4, n: 4, k: 3) }
        expectError(.invalidInput) { _ = try seq.linear(x: a.all, weight: a.all, bias: nil, y: b.all, m: 0, n: 3, k: 3) }
        expectError(.invalidInput) { _ = try seq.linear(x: a.all, weight: a.all, bias: nil, y: a.all, m: 3, n: 3, k: 3) }
        expectError(.invalidInput) { _ = try seq.linear(x: a.all, weight: a.all, bias: b.slice(offset: 0, count: 2), y: b.all, m: 3, n: 3, k: 3) }
        #expect(seq.dispatchCount == 0)
    }
}
