import Testing
import MaskstreamTestSupport
@testable import MaskstreamGPU

@Suite struct FrameRingTests {
    @Test func slotsKeepSeveralFramesInFlightWithCorrectResults() throws {
        let device = try TestDevice.get()
        let (m, n, k) = (16, 24, 32)
        var rng = SeededRandom(seed: 11)
        let w = rng.floats(n * k)
        let wb = try device.makeBuffer(w)
        let ring = try FrameRing(device: device, count: 3)
        let inputs = try (0 ..< 3).map { _ in try device.makeBuffer(count: m * k) }
        let outputs = try (0 ..< 3).map { _ in try device.makeBuffer(count: m * n) }
        for (i, seq) in ring.slots.enumerated() {
            try seq.linear(x: inputs[i].all, weight: wb.all, bias: nil, y: outputs[i].all, m: m, n: n, k: k, gelu: true)
        }
        var submitted: [(slot: Int, x: [Float])] = []
        var checked = 0
        for frame in 0 ..< 7 {
            let slot = try ring.next()
            #expect(slot.index == frame % 3)
            if let previous = submitted.first(where: { $0.slot == slot.index }) {
                // The slot finished its previous frame: its output is that frame's result.
                let expected = Reference.linear(x: previous.x, w: w, b: nil, m: m, n: n, k: k, gelu: true, scale: nil, residual: nil)
                #expect(maxRelativeError(try outputs[slot.index].download(), expected) <= 1e-4)
                submitted.removeAll { $0.slot == slot.index }
                checked += 1
            }
            let x = rng.floats(m * k)
            try inputs[slot.index].upload(x)
            try slot.sequence.submit()
            submitted.append((slot.index, x))
            #expect(ring.pendingCount <= 3)
        }
        try ring.waitAll()
        #expect(ring.pendingCount == 0)
        #expect(checked == 4)
        for s in submitted {
            let expected = Reference.linear(x: s.x, w: w, b: nil, m: m, n: n, k: k, gelu: true, scale: nil, residual: nil)
            #expect(maxRelativeError(try outputs[s.slot].download(), expected) <= 1e-4)
        }
        try TestDevice.expectNoValidationErrors()
    }

    @Test(arguments: [0, 17])
    func badSlotCountThrows(count: Int) throws {
        let device = try TestDevice.get()
        expectError(.invalidInput) { _ = try FrameRing(device: device, count: count) }
    }
}
