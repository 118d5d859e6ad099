import Testing
import MaskstreamTestSupport
@testable import MaskstreamGPU

@Suite struct CommandSequenceTests {
    @Test func barriersOnlyBetweenDependentDispatches() throws {
        let device = try TestDevice.get()
        let a = try device.makeBuffer(count: 64), b = try device.makeBuffer(count: 64)
        let seq = try device.makeSequence()
        try seq.fill(a.all, value: 1)       // writes a
        try seq.fill(b.all, value: 2)       // independent: no barrier
        #expect(seq.barrierCount == 0)
        let ones = try device.makeBuffer([Float](repeating: 1, count: 64))
        try seq.layerNorm(x: a.all, gamma: ones.all, beta: b.all, y: a.all, rows: 1, dim: 64, eps: 1e-5) // reads a, b
        #expect(seq.barrierCount == 1)
        try seq.submit()
        try seq.wait()
        #expect(try a.download() == [Float](repeating: 2, count: 64)) // constant row normalizes to 0, + beta 2
        try TestDevice.expectNoValidationErrors()
    }

    @Test func recordedSequenceCanBeSubmittedAgainWithNewInput() throws {
        let device = try TestDevice.get()
        let (m, n, k) = (3, 4, 5)
        var rng = SeededRandom(seed: 7)
        let w = rng.floats(n * k)
        let xb = try device.makeBuffer(count: m * k), wb = try device.makeBuffer(w), yb = try device.makeBuffer(count: m * n)
        let seq = try device.makeSequence()
        try seq.linear(x: xb.all, weight: wb.all, bias: nil, y: yb.all, m: m, n: n, k: k)
        for round in 0 ..< 3 {
            let x = rng.floats(m * k)
            try xb.upload(x)
            try seq.submit()
            try seq.wait()
            let expected = Reference.linear(x: x, w: w, b: nil, m: m, n: n, k: k, gelu: false, scale: nil, residual: nil)
            #expect(maxRelativeError(try yb.download(), expected) <= 1e-4, "round \(round)")
        }
        expectError(.invalidInput) { _ = try seq.fill(yb.all, value: 0) }
        try seq.reset()
        try seq.fill(yb.all, value: 3)
        try seq.submit()
        try seq.wait()
        #expect(try yb.download() == [Float](repeating: 3, count: m * n))
        try TestDevice.expectNoValidationErrors()
    }

    @Test func manyDispatchesSpanSeveralDescriptorPools() throws {
        let device = try TestDevice.get()
        let a = try device.makeBuffer(count: 8)
        let seq = try device.makeSequence()
        for i in 0 ..< 600 { try seq.fill(a.all, value: Float(i)) }
        #expect(seq.dispatchCount == 600)
        #expect(seq.barrierCount == 599)
        try seq.submit()
        try seq.wait()
        #expect(try a.download() == [Float](repeating: 599, count: 8))
        try TestDevice.expectNoValidationErrors()
    }
}
