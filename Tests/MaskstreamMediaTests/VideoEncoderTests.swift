import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamMedia

@Suite struct VideoEncoderTests {
    @Test(arguments: [(64, 48), (97, 61)])
    func encodesEveryFrameWithItsTimestamp(width: Int, height: Int) throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appending(path: "enc.mp4")
        let encoder = try VideoEncoder(path: out.path(), width: width, height: height, timeBase: Rational(1, 25), frameRate: Rational(25, 1))
        for i in 0..<20 {
            var rgb = [UInt8](repeating: 0, count: width * height * 3)
            for p in 0..<(width * height) { rgb[p * 3] = UInt8(i * 12) ; rgb[p * 3 + 1] = 200 }
            try encoder.write(rgb: rgb, srcWidth: width, pts: Int64(i))
        }
        try encoder.finish()
        let reader = try MediaReader(url: out.path())
        #expect(reader.info.width == width && reader.info.height == height, "the video keeps an odd size too")
        var frames: [VideoFrame] = []
        while let f = try reader.nextFrame() { frames.append(f) }
        #expect(frames.count == 20)
        #expect(frames.map(\.timestamp.seconds).enumerated().allSatisfy { abs($1 - Double($0) / 25) < 1e-3 })
        let g = Int(frames[10].rgb[1])
        #expect(abs(g - 200) < 12, "green channel survives encoding: \(g)")
    }
}
