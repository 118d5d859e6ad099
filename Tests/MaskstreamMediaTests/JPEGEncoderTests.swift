import Foundation
import MaskstreamTestSupport
import Testing
@testable import MaskstreamMedia

/// The viewer's JPEG frames: FFmpeg's mjpeg encoder, decoded back by the ffmpeg CLI.
@Suite struct JPEGEncoderTests {
    /// Left half red, right half blue.
    func halves(width: Int, height: Int) -> [UInt8] {
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                if x < width / 2 { rgb[i] = 220 } else { rgb[i + 2] = 220 }
            }
        }
        return rgb
    }

    @Test(arguments: [(64, 48), (65, 33)])
    func decodesBackToTheSamePicture(width: Int, height: Int) throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let encoder = try JPEGEncoder(width: width, height: height, quality: 90)
        let jpeg = try encoder.encode(rgb: halves(width: width, height: height))
        #expect(jpeg.prefix(2) == [0xFF, 0xD8] && jpeg.suffix(2) == [0xFF, 0xD9])
        let file = dir.appendingPathComponent("f.jpg"), raw = dir.appendingPathComponent("f.rgb")
        try Data(jpeg).write(to: file)
        let r = try TestMedia.run("ffmpeg", ["-v", "error", "-i", file.path, "-f", "rawvideo", "-pix_fmt", "rgb24",
                                             "-y", raw.path])
        #expect(r.status == 0, "\(r.stderr)")
        let pixels = [UInt8](try Data(contentsOf: raw))
        #expect(pixels.count == width * height * 3)
        let y = height / 2
        let left = (y * width + width / 4) * 3, right = (y * width + 3 * width / 4) * 3
        #expect(abs(Int(pixels[left]) - 220) < 16 && pixels[left + 2] < 24, "left stays red")
        #expect(abs(Int(pixels[right + 2]) - 220) < 16 && pixels[right] < 24, "right stays blue")
    }

    @Test func higherQualityGivesLargerImages() throws {
        var rgb = [UInt8](repeating: 0, count: 96 * 64 * 3)
        var state: UInt32 = 1
        for i in rgb.indices { state = state &* 1_664_525 &+ 1_013_904_223; rgb[i] = UInt8(state >> 24) }
        let small = try JPEGEncoder(width: 96, height: 64, quality: 10).encode(rgb: rgb)
        let large = try JPEGEncoder(width: 96, height: 64, quality: 95).encode(rgb: rgb)
        #expect(large.count > small.count)
    }

    @Test func badInputIsATypedError() throws {
        #expect(throws: MaskstreamError.self) { try JPEGEncoder(width: 0, height: 10) }
        #expect(throws: MaskstreamError.self) { try JPEGEncoder(width: 10, height: 10, quality: 101) }
        let encoder = try JPEGEncoder(width: 10, height: 10)
        #expect(throws: MaskstreamError.self) { try encoder.encode(rgb: [1, 2, 3]) }
    }
}
