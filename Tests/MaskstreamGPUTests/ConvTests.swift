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

    /// The channels-last texel kernel gives the CHW convolution's result (checked against PyTorch
    /// above) in channels-last layout, for channel counts that are whole texels, with and without
    /// bias, on images narrower and wider than its 32-pixel runs and operands at texel offsets
    /// inside shared buffers.
    @Test(arguments: [(36, 5, 71, true), (8, 33, 3, false), (4, 1, 1, true)])
    func depthwiseConv3x3ChannelsLastMatchesCHW(c: Int, h: Int, w: Int, withBias: Bool) throws {
        let device = try TestDevice.get()
        var rng = SeededRandom(seed: UInt64(c * 100 + h * 10 + w))
        let x = rng.floats(c * h * w), weight = rng.floats(c * 9), b = rng.floats(c)
        let bias = withBias ? b : nil
        let chw = try device.makeBuffer(x), wb0 = try device.makeBuffer(weight), bb0 = try device.makeBuffer(b)
        let reference = try device.makeBuffer(count: c * h * w)
        try run(device) {
            try $0.depthwiseConv3x3(x: chw.all, weight: wb0.all, bias: withBias ? bb0.all : nil, out: reference.all,
                                    channels: c, height: h, width: w)
        }
        let expected = try reference.download()
        let plane = h * w
        let lastX = (0 ..< plane * c).map { i in x[(i % c) * plane + i / c] }
        let tapMajor = (0 ..< 9 * c).map { i in weight[(i % c) * 9 + i / c] }
        let xb = try device.makeBuffer(count: 4 + lastX.count), wb = try device.makeBuffer(count: 8 + 10 * c)
        try xb.upload(lastX, at: 4)
        try wb.upload(tapMajor, at: 8)
        if let bias { try wb.upload(bias, at: 8 + 9 * c) }
        let out = try device.makeBuffer(count: 4 + plane * c)
        try run(device) {
            try $0.depthwiseConv3x3ChannelsLast(
                x: xb.slice(offset: 4, count: lastX.count), weight: wb.slice(offset: 8, count: 9 * c),
                bias: bias == nil ? nil : wb.slice(offset: 8 + 9 * c, count: c),
                out: out.slice(offset: 4, count: plane * c), channels: c, height: h, width: w)
        }
        let expectedLast = (0 ..< plane * c).map { i in expected[(i % c) * plane + i / c] }
        #expect(maxRelativeError(try out.download(offset: 4, count: plane * c), expectedLast) <= 1e-5)
        let a = try device.makeBuffer(count: 6 * 16)
        let seq = try device.makeSequence()
        expectError(.unsupported) {
            try seq.depthwiseConv3x3ChannelsLast(x: a.all, weight: a.all, bias: nil,
                                                 out: try device.makeBuffer(count: 6 * 16).all, channels: 6, height: 4, width: 4)
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
