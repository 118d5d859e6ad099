import Testing
import MaskstreamTestSupport
@testable import MaskstreamGPU

/// lavapipe's LLVM backend ends any shader invocation's loops after 65535 iterations in
/// total; kernels must stay below that at the sizes a ViT needs. These sizes exceed it
/// for naive per-element loops.
@Suite struct LoopLimitTests {
    @Test func attentionBeyondTheBudgetThrowsOnCPUDevices() throws {
        let device = try TestDevice.get()
        let seq = try device.makeSequence()
        guard seq.loopIterationBudget < Int.max else { return } // only CPU devices have the limit
        let b = try device.makeBuffer(count: 5000 * 128), o = try device.makeBuffer(count: 5000 * 128)
        expectError(.unsupported) { try seq.attention(q: b.all, k: b.all, v: b.all, out: o.all, seq: 5000, heads: 1, headDim: 128) }
    }

    @Test func attentionLongSequenceWideHeads() throws {
        let device = try TestDevice.get()
        let (seq, heads, headDim) = (600, 1, 128)
        var rng = SeededRandom(seed: 600)
        let q = rng.floats(seq * headDim), k = rng.floats(seq * headDim), v = rng.floats(seq * headDim)
        let qb = try device.makeBuffer(q), kb = try device.makeBuffer(k), vb = try device.makeBuffer(v)
        let ob = try device.makeBuffer(count: seq * headDim)
        try run(device) { try $0.attention(q: qb.all, k: kb.all, v: vb.all, out: ob.all, seq: seq, heads: heads, headDim: headDim) }
        let expected = Reference.attention(q: q, k: k, v: v, seq: seq, heads: heads, headDim: headDim, stride: headDim)
        #expect(maxRelativeError(try ob.download(), expected) <= 1e-4)
    }

    @Test(arguments: LinearVariant.allCases, [false, true])
    func linearLongReduction(variant: LinearVariant, transposed: Bool) throws {
        let device = try TestDevice.get()
        let (m, n, k) = (3, 5, 70_001)
        var rng = SeededRandom(seed: 70)
        let x = rng.floats(m * k), w = rng.floats(n * k)
        let xb = try device.makeBuffer(x), yb = try device.makeBuffer(count: m * n)
        var stored = w
        if transposed { for i in 0 ..< n { for t in 0 ..< k { stored[t * n + i] = w[i * k + t] } } }
        let wb = try device.makeBuffer(stored)
        try run(device) { try $0.linear(x: xb.all, weight: wb.all, bias: nil, y: yb.all, m: m, n: n, k: k, weightTransposed: transposed, variant: variant) }
        let expected = Reference.linear(x: x, w: w, b: nil, m: m, n: n, k: k, gelu: false, scale: nil, residual: nil)
        #expect(maxRelativeError(try yb.download(), expected) <= 1e-4)
    }
}
