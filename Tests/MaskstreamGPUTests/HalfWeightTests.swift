import Testing
import MaskstreamTestSupport
@testable import MaskstreamGPU

/// fp16 weight storage (`model.precision: fp16`): buffers of halves, and `linear` reading them
/// through RGBA32UI texels of 8 halves or RGBA16F texels (`texels`), or `float16_t` storage
/// (`linear_tiled_f16`), with fp32 sums.
@Suite struct HalfWeightTests {
    /// Floats rounded to the nearest half, as an fp16 buffer stores them.
    static func halves(_ v: [Float]) -> [Float] { v.map { Float(Float16($0)) } }

    @Test func bufferStoresHalvesAndCountsTwoBytesEach() throws {
        let device = try TestDevice.get()
        var rng = SeededRandom(seed: 7)
        let values = rng.floats(1001) + [65504, -0.0001, 1e-8]
        let before = device.memoryInUse.current
        let buffer = try device.makeBuffer(values, element: .float16)
        #expect(device.memoryInUse.current - before == 2 * values.count)
        #expect(buffer.element == .float16 && buffer.count == values.count)
        #expect(try buffer.download() == Self.halves(values))
        #expect(try buffer.download(offset: 1000, count: 2) == Self.halves(Array(values[1000...1001])))
        expectError(.invalidInput) { _ = try buffer.downloadWords() }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var m, n, k: Int
        /// Where the weight starts in its buffer (a multiple of 4 lets the `texels` kernel read it).
        var weightOffset: Int
        var transposed = false
        var testDescription: String { "\(m)x\(n)x\(k) at \(weightOffset)\(transposed ? " [k, n]" : "")" }
    }

    static let cases: [Case] = [
        Case(m: 1, n: 1, k: 4, weightOffset: 0),
        Case(m: 33, n: 65, k: 20, weightOffset: 8),
        Case(m: 70, n: 37, k: 132, weightOffset: 4), // RGBA16F texels (k not a multiple of 8)
        Case(m: 33, n: 40, k: 136, weightOffset: 16), // 8 halves per RGBA32UI texel
        Case(m: 17, n: 9, k: 8, weightOffset: 8),
        Case(m: 17, n: 24, k: 64, weightOffset: 3), // not on a texel: the storage-buffer kernel
        Case(m: 9, n: 11, k: 13, weightOffset: 0), // k not a multiple of 4
        Case(m: 6, n: 70, k: 9, weightOffset: 1, transposed: true),
    ]

    /// Every variant asked for reads fp16 weights (those that cannot run `linear_tiled_f16`),
    /// and the result is the fp32 linear of the rounded weights: only the storage differs.
    @Test(arguments: cases, LinearVariant.allCases)
    func linearReadsHalfWeightsWithFloatSums(c: Case, variant: LinearVariant) throws {
        let device = try TestDevice.get()
        var rng = SeededRandom(seed: UInt64(c.m * 31 + c.n * 7 + c.k))
        let x = rng.floats(c.m * c.k), w = rng.floats(c.n * c.k), b = rng.floats(c.n)
        let s = rng.floats(c.n, in: 0.5...1.5), r = rng.floats(c.m * c.n)
        let wb = try device.makeBuffer(count: c.weightOffset + w.count, element: .float16)
        try wb.upload(w, at: c.weightOffset)
        let xb = try device.makeBuffer(x), bb = try device.makeBuffer(b), sb = try device.makeBuffer(s)
        let rb = try device.makeBuffer(r), yb = try device.makeBuffer(count: c.m * c.n)
        try run(device) { seq in
            try seq.linear(x: xb.all, weight: wb.slice(offset: c.weightOffset, count: w.count), bias: bb.all, y: yb.all,
                           m: c.m, n: c.n, k: c.k, gelu: true, layerScale: sb.all, residual: rb.all,
                           weightTransposed: c.transposed, variant: variant)
        }
        let rounded = Self.halves(w)
        // The reference takes [n, k]; a transposed weight is [k, n].
        let outIn = c.transposed ? (0..<(c.n * c.k)).map { i in rounded[(i % c.k) * c.n + i / c.k] } : rounded
        let expected = Reference.linear(x: x, w: outIn, b: b, m: c.m, n: c.n, k: c.k, gelu: true, scale: s, residual: r)
        #expect(maxRelativeError(try yb.download(), expected) <= 1e-4)
        try TestDevice.expectNoValidationErrors()
    }

    /// The strided, batched `texels` matmul (attention heads, upscale taps) reads fp16 weights too.
    @Test func batchedLinearReadsHalfWeights() throws {
        let device = try TestDevice.get()
        var rng = SeededRandom(seed: 11)
        let (m, n, k, batches) = (19, 10, 16, 3)
        let x = rng.floats(batches * m * k), w = rng.floats(batches * n * k)
        let xb = try device.makeBuffer(x), wb = try device.makeBuffer(w, element: .float16)
        let yb = try device.makeBuffer(count: batches * m * n)
        try run(device) { seq in
            try seq.batchedLinear(x: xb.all, MatrixStrides(row: k, batch: m * k), weight: wb.all,
                                  MatrixStrides(row: k, batch: n * k), y: yb.all, MatrixStrides(row: n, batch: m * n),
                                  m: m, n: n, k: k, batches: batches)
        }
        var expected: [Float] = []
        for z in 0..<batches {
            expected += Reference.linear(x: Array(x[(z * m * k)..<((z + 1) * m * k)]),
                                         w: Self.halves(Array(w[(z * n * k)..<((z + 1) * n * k)])), b: nil,
                                         m: m, n: n, k: k, gelu: false, scale: nil, residual: nil)
        }
        #expect(maxRelativeError(try yb.download(), expected) <= 1e-4)
        try TestDevice.expectNoValidationErrors()
    }

    /// A kernel that reads fp32 storage refuses an fp16 buffer (and the fp16 one an fp32 buffer)
    /// rather than reading halves as floats.
    @Test func storageKernelsRefuseTheOtherElementType() throws {
        let device = try TestDevice.get()
        let half = try device.makeBuffer(count: 16, element: .float16), full = try device.makeBuffer(count: 16)
        let seq = try device.makeSequence()
        expectError(.invalidInput) { try seq.fill(half.all, value: 1) }
        expectError(.invalidInput) { try seq.copy(full.all, to: half.all, count: 16) }
        expectError(.invalidInput) {
            try seq.linear(x: half.all, weight: full.all, bias: nil, y: try device.makeBuffer(count: 16).all,
                           m: 4, n: 4, k: 4)
        }
        #expect(seq.dispatchCount == 0)
    }

    /// The profile says which devices read fp16 weights, from the features `linear` needs.
    @Test func profileOffersHalfWeightsOnlyWithTheFeaturesLinearNeeds() throws {
        var cpu = DeviceInfo(index: 0, name: "cpu", kind: .cpu, apiVersion: "1.3.0", memoryBytes: 1 << 30,
                             supportsFP16: false, subgroupSize: 8, maxStorageBufferRange: 1 << 27,
                             maxSharedMemoryBytes: 32_768, supportsBufferDeviceAddress: true)
        #expect(!KernelProfile(device: cpu).halfWeights)
        cpu.supportsFP16Texels = true
        #expect(KernelProfile(device: cpu).halfWeights)
        var gpu = cpu
        gpu.kind = .discreteGPU
        #expect(!KernelProfile(device: gpu).halfWeights) // the shared-memory kernel reads storage, not texels
        gpu.supportsFP16Storage = true
        #expect(KernelProfile(device: gpu).halfWeights)
        let real = try TestDevice.get().info
        #expect(KernelProfile(device: real).halfWeights == (real.supportsFP16Texels || real.supportsFP16Storage))
    }
}
