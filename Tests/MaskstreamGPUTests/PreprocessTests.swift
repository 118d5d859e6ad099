import Testing
import MaskstreamTestSupport
@testable import MaskstreamGPU

@Suite struct PreprocessTests {
    /// CPU reference: per channel, bytes → float plane → bilinear (align_corners=False) → rescale/normalize → pad.
    static func reference(_ frame: [UInt8], width: Int, height: Int, stride: Int, p: PreprocessParameters) -> [Float] {
        let mean = [p.mean.0, p.mean.1, p.mean.2], std = [p.std.0, p.std.1, p.std.2]
        var out = [Float](repeating: 0, count: 3 * p.paddedWidth * p.paddedHeight)
        let sy = Double(height) / Double(p.resizedHeight), sx = Double(width) / Double(p.resizedWidth)
        for c in 0 ..< 3 {
            func px(_ x: Int, _ y: Int) -> Double { Double(frame[y * stride + x * 3 + c]) }
            for oy in 0 ..< p.resizedHeight {
                for ox in 0 ..< p.resizedWidth {
                    let fy = max((Double(oy) + 0.5) * sy - 0.5, 0), fx = max((Double(ox) + 0.5) * sx - 0.5, 0)
                    let y0 = min(Int(fy), height - 1), x0 = min(Int(fx), width - 1)
                    let y1 = min(y0 + 1, height - 1), x1 = min(x0 + 1, width - 1)
                    let ly = fy - Double(y0), lx = fx - Double(x0)
                    let v = (px(x0, y0) * (1 - lx) + px(x1, y0) * lx) * (1 - ly) + (px(x0, y1) * (1 - lx) + px(x1, y1) * lx) * ly
                    out[c * p.paddedWidth * p.paddedHeight + oy * p.paddedWidth + ox] =
                        Float((v * Double(p.rescale) - Double(mean[c])) / Double(std[c]))
                }
            }
        }
        return out
    }

    @Test(arguments: [
        (13, 7, 40, 6, 11, 12, 12),   // downscale, padded rows and columns, stride > 3·width
        (5, 4, 15, 10, 8, 10, 8),     // upscale, no padding
        (1, 1, 3, 2, 2, 3, 2),
    ])
    func matchesCPUReference(width: Int, height: Int, stride: Int, tw: Int, th: Int, pw: Int, ph: Int) throws {
        let device = try TestDevice.get()
        var rng = SeededRandom(seed: UInt64(width * 100 + height))
        let frame = (0 ..< stride * height).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
        let p = PreprocessParameters(resizedWidth: tw, resizedHeight: th, paddedWidth: pw, paddedHeight: ph)
        // The frame sits after 2 other floats in its buffer, as in a ring of frame slots.
        let frameFloats = (frame.count + 3) / 4
        let fb = try device.makeBuffer(count: 2 + frameFloats)
        try fb.upload(bytes: frame, atByte: 8)
        let out = try device.makeBuffer(count: 3 * pw * ph)
        try run(device) { try $0.preprocess(frame: fb.slice(offset: 2, count: frameFloats), width: width, height: height,
                                             rowStride: stride, parameters: p, out: out.all) }
        let expected = Self.reference(frame, width: width, height: height, stride: stride, p: p)
        #expect(maxRelativeError(try out.download(), expected) <= 1e-4)
        try TestDevice.expectNoValidationErrors()
    }

    @Test func badFramesThrow() throws {
        let device = try TestDevice.get()
        let fb = try device.makeBuffer(count: 10), out = try device.makeBuffer(count: 300)
        let seq = try device.makeSequence()
        let p = PreprocessParameters(resizedWidth: 4, resizedHeight: 4, paddedWidth: 4, paddedHeight: 4)
        expectError(.invalidInput) { try seq.preprocess(frame: fb.all, width: 4, height: 4, rowStride: 12, parameters: p, out: out.all) }
        expectError(.invalidInput) { try seq.preprocess(frame: fb.all, width: 2, height: 2, rowStride: 5, parameters: p, out: out.all) }
        let small = PreprocessParameters(resizedWidth: 4, resizedHeight: 4, paddedWidth: 3, paddedHeight: 4)
        expectError(.invalidInput) { try seq.preprocess(frame: fb.all, width: 2, height: 2, rowStride: 6, parameters: small, out: out.all) }
        var zeroStd = p
        zeroStd.std = (1, 0, 1)
        expectError(.invalidInput) { try seq.preprocess(frame: fb.all, width: 2, height: 2, rowStride: 6, parameters: zeroStd, out: out.all) }
    }
}
