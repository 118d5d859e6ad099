import Testing
import MaskstreamTestSupport
@testable import MaskstreamGPU

@Suite struct AttentionTests {
    @Test(arguments: [(1, 1, 1), (5, 2, 8), (9, 3, 6), (33, 3, 16), (70, 2, 64), (20, 1, 128), (7, 1, 127)])
    func matchesCPUReference(seq: Int, heads: Int, headDim: Int) throws {
        let device = try TestDevice.get()
        var rng = SeededRandom(seed: UInt64(seq * 131 + heads * 7 + headDim))
        let width = heads * headDim
        let q = rng.floats(seq * width, in: -2 ... 2), k = rng.floats(seq * width, in: -2 ... 2), v = rng.floats(seq * width)
        let qb = try device.makeBuffer(q), kb = try device.makeBuffer(k), vb = try device.makeBuffer(v)
        let ob = try device.makeBuffer(count: seq * width)
        try run(device) { try $0.attention(q: qb.all, k: kb.all, v: vb.all, out: ob.all, seq: seq, heads: heads, headDim: headDim) }
        let expected = Reference.attention(q: q, k: k, v: v, seq: seq, heads: heads, headDim: headDim, stride: width)
        #expect(maxRelativeError(try ob.download(), expected) <= 1e-4)
        try TestDevice.expectNoValidationErrors()
    }

    @Test func readsFusedQKVWithRowStride() throws {
        let device = try TestDevice.get()
        var rng = SeededRandom(seed: 42)
        let (seq, heads, headDim) = (19, 2, 8)
        let width = heads * headDim
        let qkv = rng.floats(seq * 3 * width, in: -2 ... 2)
        let buf = try device.makeBuffer(qkv)
        let ob = try device.makeBuffer(count: seq * width)
        let total = seq * 3 * width
        try run(device) { seq_ in
            try seq_.attention(q: buf.all, k: buf.slice(offset: width, count: total - width),
                               v: buf.slice(offset: 2 * width, count: total - 2 * width), out: ob.all,
                               seq: seq, heads: heads, headDim: headDim, rowStride: (3 * width, 3 * width, 3 * width, width))
        }
        var q = [Float](), k = [Float](), v = [Float]()
        for r in 0 ..< seq {
            let base = r * 3 * width
            q += qkv[base ..< base + width]
            k += qkv[base + width ..< base + 2 * width]
            v += qkv[base + 2 * width ..< base + 3 * width]
        }
        let expected = Reference.attention(q: q, k: k, v: v, seq: seq, heads: heads, headDim: headDim, stride: width)
        #expect(maxRelativeError(try ob.download(), expected) <= 1e-4)
    }

    @Test func rejectsTooLargeHeadDim() throws {
        let device = try TestDevice.get()
        let b = try device.makeBuffer(count: 2 * 129)
        let o = try device.makeBuffer(count: 2 * 129)
        let seq = try device.makeSequence()
        expectError(.unsupported) { _ = try seq.attention(q: b.all, k: b.all, v: b.all, out: o.all, seq: 2, heads: 1, headDim: 129) }
    }
}
