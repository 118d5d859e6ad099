import Foundation
import Testing
@testable import MaskstreamMasks

@Suite struct RLETests {
    @Test(arguments: [
        // (mask row-major, h, w, counts, compressed)
        ([0, 1, 1, 1] as [UInt8], 2, 2, [1, 3] as [UInt32], "13"),
        ([1, 1, 1, 1], 2, 2, [0, 4], "04"),
        ([0, 0, 0, 0], 2, 2, [4], "4"),
        ([1, 0, 0, 1], 2, 2, [0, 1, 2, 1], "0120"),
        ([], 0, 0, [0], "0"),
    ])
    func encodesKnownMasks(mask: [UInt8], h: Int, w: Int, counts: [UInt32], compressed: String) throws {
        let rle = RLE(mask: mask, height: h, width: w)
        #expect(rle.counts == counts)
        #expect(rle.compressedCounts == compressed)
        #expect(rle.decode() == mask)
        let back = try RLE(compressed: compressed, height: h, width: w)
        #expect(back == rle)
    }

    @Test func nonzeroIsForeground() {
        let rle = RLE(mask: [0, 7, 255, 1], height: 2, width: 2)
        #expect(rle.counts == [1, 3])
    }

    @Test func countsMustCoverMask() {
        #expect(throws: MaskstreamError.self) { try RLE(height: 2, width: 2, counts: [1, 2]) }
        #expect(throws: MaskstreamError.self) { try RLE(height: -1, width: 2, counts: []) }
    }

    @Test func codableRoundTrip() throws {
        let rle = RLE(mask: [0, 1, 1, 0, 1, 1], height: 2, width: 3)
        let data = try JSONEncoder().encode(rle)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"counts\":\"\(rle.compressedCounts)\""))
        let back = try JSONDecoder().decode(RLE.self, from: data)
        #expect(back == rle)
        let raw = #"{"size":[2,3],"counts":[1,2,1,2]}"#
        let fromRaw = try JSONDecoder().decode(RLE.self, from: Data(raw.utf8))
        #expect(fromRaw.counts == [1, 2, 1, 2])
    }

    @Test func iouAndMerge() {
        let a = RLE(mask: [1, 1, 0, 0, 0, 0, 0, 0, 0], height: 3, width: 3)
        let b = RLE(mask: [0, 1, 1, 0, 0, 0, 0, 0, 0], height: 3, width: 3)
        #expect(a.iou(b) == 1.0 / 3.0)
        #expect(RLE.merge([a, b]).area == 3)
        #expect(RLE.merge([a, b], intersect: true).area == 1)
        let empty = RLE.empty(height: 3, width: 3)
        #expect(empty.iou(empty) == 0)
        let crowd = RLE.iou([a], [b], isCrowd: [true])
        #expect(crowd[0][0] == 0.5)
    }
}
