import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamGPU

@Suite struct ConvTests {
    @Test func convTranspose2x2MatchesTorch() throws {
        let device = try TestDevice.get()
        for g in try TorchOps.load().conv_transpose2x2 {
            let x = try device.makeBuffer(g.x), w = try device.makeBuffer(g.weight)
            let b = try g.bias.map { try device.makeBuffer($0) }
            let out = try device.makeBuffer(count: g.y.count)
            try run(device) { try $0.convTranspose2x2(x: x.all, weight: w.all, bias: b?.all, out: out.all,
                                                      inChannels: g.cin, outChannels: g.cout, height: g.h, width: g.w) }
            #expect(maxRelativeError(try out.download(), g.y) <= 1e-5, "cin \(g.cin) cout \(g.cout)")
        }
        try TestDevice.expectNoValidationErrors()
    }

    @Test func depthwiseConv3x3MatchesTorch() throws {
        let device = try TestDevice.get()
        for g in try TorchOps.load().depthwise_conv3x3 {
            let x = try device.makeBuffer(g.x), w = try device.makeBuffer(g.weight)
            let b = try g.bias.map { try device.makeBuffer($0) }
            let out = try device.makeBuffer(count: g.y.count)
            try run(device) { try $0.depthwiseConv3x3(x: x.all, weight: w.all, bias: b?.all, out: out.all, channels: g.c, height: g.h, width: g.w) }
            #expect(maxRelativeError(try out.download(), g.y) <= 1e-5, "c \(g.c) \(g.h)x\(g.w)")
            // The same result written channels-last, [h·w, c].
            try run(device) {
                try $0.depthwiseConv3x3(x: x.all, weight: w.all, bias: b?.all, out: out.all, channels: g.c, height: g.h,
                                        width: g.w, channelsLastOutput: true)
            }
            let plane = g.h * g.w
            let expectedLast = (0 ..< plane * g.c).map { i in g.y[(i % g.c) * plane + i / g.c] }
            #expect(maxRelativeError(try out.download(), expectedLast) <= 1e-5, "channels-last c \(g.c) \(g.h)x\(g.w)")
        }
        try TestDevice.expectNoValidationErrors()
    }

    @Test(arguments: [(1, 1), (4, 9), (32, 50)])
    func layerNorm2dMatchesCPU(channels: Int, pixels: Int) throws {
        let device = try TestDevice.get()
        var rng = SeededRandom(seed: UInt64(channels * 31 + pixels))
        let x = rng.floats(channels * pixels, in: -3 ... 5), g = rng.floats(channels), b = rng.floats(channels)
        let xb = try device.makeBuffer(x), gb = try device.makeBuffer(g), bb = try device.makeBuffer(b)
        try run(device) { try $0.layerNorm2d(x: xb.all, gamma: gb.all, beta: bb.all, y: xb.all, channels: channels, pixels: pixels, eps: 1e-6) }
        // Reference: LayerNorm over channels of the pixel-major (transposed) layout.
        var pixelMajor = [Float](repeating: 0, count: x.count)
        for c in 0 ..< channels { for p in 0 ..< pixels { pixelMajor[p * channels + c] = x[c * pixels + p] } }
        let normalized = Reference.layerNorm(x: pixelMajor, gamma: g, beta: b, rows: pixels, dim: channels, eps: 1e-6)
        var expected = [Float](repeating: 0, count: x.count)
        for c in 0 ..< channels { for p in 0 ..< pixels { expected[c * pixels + p] = normalized[p * channels + c] } }
        #expect(maxRelativeError(try xb.download(), expected) <= 1e-4)
        try TestDevice.expectNoValidationErrors()
    }

    @Test func badShapesThrow() throws {
        let device = try TestDevice.get()
        let a = try device.makeBuffer(count: 16), w = try device.makeBuffer(count: 16), o = try device.makeBuffer(count: 64)
        let seq = try device.makeSequence()
        expectError(.invalidInput) { try seq.convTranspose2x2(x: a.all, weight: w.all, bias: nil, out: o.all, inChannels: 2, outChannels: 3, height: 2, width: 2) }
        expectError(.invalidInput) { try seq.depthwiseConv3x3(x: a.all, weight: w.all, bias: nil, out: o.all, channels: 2, height: 2, width: 4) }
        expectError(.invalidInput) { try seq.depthwiseConv3x3(x: a.all, weight: w.all, bias: nil, out: a.all, channels: 1, height: 4, width: 4) }
        expectError(.invalidInput) { try seq.layerNorm2d(x: a.all, gamma: w.all, beta: w.all, y: a.all, channels: 4, pixels: 0, eps: 1e-6) }
    }
}
