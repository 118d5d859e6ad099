import Testing
import MaskstreamTestSupport
@testable import MaskstreamGPU

@Suite struct ResizeTests {
    @Test func bilinearMatchesTorchInterpolate() throws {
        let device = try TestDevice.get()
        for g in try TorchOps.load().resize {
            let x = try device.makeBuffer(g.x), out = try device.makeBuffer(count: g.y.count)
            try run(device) { try $0.resizeBilinear(x: x.all, out: out.all, channels: g.c, height: g.h, width: g.w, outHeight: g.oh, outWidth: g.ow) }
            #expect(maxRelativeError(try out.download(), g.y) <= 1e-5, "\(g.h)x\(g.w) → \(g.oh)x\(g.ow)")
        }
        try TestDevice.expectNoValidationErrors()
    }

    @Test func identitySizeCopies() throws {
        let device = try TestDevice.get()
        var rng = SeededRandom(seed: 3)
        let x = rng.floats(2 * 6 * 5)
        let xb = try device.makeBuffer(x), out = try device.makeBuffer(count: x.count)
        try run(device) { try $0.resizeBilinear(x: xb.all, out: out.all, channels: 2, height: 6, width: 5, outHeight: 6, outWidth: 5) }
        #expect(try out.download() == x)
    }

    @Test func zeroSizeThrows() throws {
        let device = try TestDevice.get()
        let a = try device.makeBuffer(count: 4), o = try device.makeBuffer(count: 4)
        let seq = try device.makeSequence()
        expectError(.invalidInput) { try seq.resizeBilinear(x: a.all, out: o.all, channels: 1, height: 2, width: 2, outHeight: 0, outWidth: 2) }
    }
}
