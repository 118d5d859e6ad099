import Foundation
import Testing
@testable import MaskstreamModel

@Suite struct EomtPreprocessorTests {
    /// Our pixels equal EomtImageProcessor's (Pillow resize, pad, rescale, normalize).
    @Test(arguments: GoldenFixture.names)
    func pixelValuesMatchTransformers(_ name: String) throws {
        let fx = try GoldenFixture(name)
        let model = try EomtModel(folder: fx.modelFolder, device: nil)
        let (pixels, _) = try model.preprocessor.pixelValues(
            rgb: try fx.frame, width: fx.meta.frame_width, height: fx.meta.frame_height)
        let s = model.config.imageSize
        #expect(fx.meta.pixel_values_shape == [3, s, s])
        let ref = try fx.floats("pixel_values.f32")
        let mine = subsample(pixels, planes: 3, side: s, stride: fx.meta.mask_stride)
        #expect(maxAbsDiff(mine, ref) <= 1e-5)
    }

    /// transformers' get_size_with_aspect_ratio(frame, 640, 640) results.
    @Test(arguments: [
        (480, 640, 480, 640), (1080, 1920, 360, 640), (720, 1280, 360, 640), (640, 480, 640, 480),
        (48, 80, 384, 640), (240, 320, 480, 640), (1000, 1000, 640, 640), (333, 1000, 213, 640), (1, 2000, 0, 640),
    ])
    func resizedSizeFollowsTransformers(_ h: Int, _ w: Int, _ rh: Int, _ rw: Int) {
        let c = EomtImageProcessorConfig.defaults(imageSize: 640)
        let r = c.resizedSize(height: h, width: w)
        #expect(r.height == rh && r.width == rw)
    }

    @Test(arguments: [
        (10, 10, 299, "buffer holds"), (0, 10, 0, "not valid"), (10, -1, 0, "not valid"), (2000, 1, 6000, "too thin"),
    ])
    func badFramesThrowInvalidInput(_ w: Int, _ h: Int, _ count: Int, _ hint: String) {
        let p = EomtPreprocessor(config: .defaults(imageSize: 64), imageSize: 64)
        #expect {
            _ = try p.pixelValues(rgb: [UInt8](repeating: 0, count: count), width: w, height: h)
        } throws: { error in
            guard let e = error as? MaskstreamError else { return false }
            return e.code == .invalidInput && e.message.contains(hint)
        }
    }

    @Test func unpaddedNonSquareFrameIsRejected() {
        var c = EomtImageProcessorConfig.defaults(imageSize: 64)
        c.doPad = false
        let p = EomtPreprocessor(config: c, imageSize: 64)
        #expect(throws: MaskstreamError.self) {
            _ = try p.pixelValues(rgb: [UInt8](repeating: 0, count: 32 * 64 * 3), width: 64, height: 32)
        }
        #expect(throws: Never.self) {
            _ = try p.pixelValues(rgb: [UInt8](repeating: 0, count: 32 * 32 * 3), width: 32, height: 32)
        }
    }

    /// A constant image stays constant through the resampler (weights sum to one).
    @Test(arguments: [(7, 5, 64, 64), (100, 40, 33, 12), (3, 3, 640, 480)])
    func resamplerPreservesConstants(_ w: Int, _ h: Int, _ ow: Int, _ oh: Int) {
        let src = [UInt8](repeating: 0, count: w * h * 3).enumerated().map { UInt8([17, 130, 250][$0.offset % 3]) }
        let out = BilinearResampler.resizeRGB(src, width: w, height: h, toWidth: ow, toHeight: oh)
        #expect(out.count == ow * oh * 3)
        #expect(out.enumerated().allSatisfy { $0.element == [17, 130, 250][$0.offset % 3] })
    }
}
