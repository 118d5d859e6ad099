import Foundation
import Testing
@testable import MaskstreamModel

@Suite struct BilinearResamplerTests {
    static let sizes = [(13, 20), (90, 61), (37, 7), (5, 50), (111, 150), (2, 3)]

    /// Bit-exact with Pillow's `Image.resize(BILINEAR)` when shrinking and enlarging each axis.
    @Test(arguments: sizes)
    func matchesPillowExactly(_ h: Int, _ w: Int) throws {
        let dir = try GoldenFixture.root.appendingPathComponent("resample")
        let src = [UInt8](try Data(contentsOf: dir.appendingPathComponent("src.rgb")))
        let ref = [UInt8](try Data(contentsOf: dir.appendingPathComponent("out_\(h)x\(w).rgb")))
        let out = BilinearResampler.resizeRGB(src, width: 50, height: 37, toWidth: w, toHeight: h)
        #expect(out.count == ref.count)
        let mismatches = zip(out, ref).filter { $0 != $1 }.count
        #expect(mismatches == 0)
    }
}
