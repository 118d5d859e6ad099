import Foundation
import MaskstreamGPU
import Testing
@testable import MaskstreamModel

/// The split-key attention kernel the GPU forward uses, against the CPU reference, at
/// sequence lengths where the one-invocation-per-query kernel exceeds lavapipe's loop limit.
@Suite(.serialized) struct AttentionSplitTests {
    @Test(arguments: [(7, 2, 16), (1805, 1, 16), (300, 2, 64), (40, 1, 128)])
    func matchesReference(_ t: Int, _ heads: Int, _ hd: Int) throws {
        let device = try ModelTestDevice.get()
        let h = heads * hd
        // Fused QKV rows [t, 3h] as the forward pass reads them.
        var state: UInt64 = 0x1234_5678
        let qkv = (0..<(t * 3 * h)).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int(state >> 40) % 4001 - 2000) / 1000
        }
        var q: [Float] = [], k: [Float] = [], v: [Float] = []
        for r in 0..<t {
            let base = r * 3 * h
            q.append(contentsOf: qkv[base..<(base + h)])
            k.append(contentsOf: qkv[(base + h)..<(base + 2 * h)])
            v.append(contentsOf: qkv[(base + 2 * h)..<(base + 3 * h)])
        }
        let expected = CPUOps.attention(q: q, k: k, v: v, tokens: t, heads: heads, headDim: hd)
        let b = try device.makeBuffer(qkv), out = try device.makeBuffer(count: t * h)
        let seq = try device.makeSequence()
        try seq.attentionSplit(q: b.all, k: try b.all.slice(offset: h, count: t * 3 * h - h),
                               v: try b.all.slice(offset: 2 * h, count: t * 3 * h - 2 * h), out: out.all,
                               seq: t, heads: heads, headDim: hd, rowStride: (3 * h, 3 * h, 3 * h, h))
        try seq.submit()
        try seq.wait()
        #expect(maxAbsDiff(try out.download(), expected) <= 1e-5)
    }

    @Test func rejectsTooLongSequences() throws {
        let device = try ModelTestDevice.get()
        let b = try device.makeBuffer(count: 16)
        let seq = try device.makeSequence()
        #expect(throws: MaskstreamError.self) {
            try seq.attentionSplit(q: b.all, k: b.all, v: b.all, out: b.all, seq: 70_000, heads: 1, headDim: 1)
        }
    }
}
