import Foundation
import Testing
import MaskstreamTestSupport
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

/// The word-at-a-time encoder against a plain column-major walk.
@Suite struct RLEEncoderReferenceTests {
    @Test(arguments: [(1, 1), (1, 17), (17, 1), (3, 8), (8, 3), (9, 16), (13, 29), (40, 33)])
    func matchesColumnWalk(h: Int, w: Int) {
        var rng = SeededRandom(seed: UInt64(h * 1000 + w))
        for trial in 0..<30 {
            // Values beyond 0/1 and varied densities, including long runs.
            let density = UInt64(trial % 5)
            var mask = (0..<(h * w)).map { _ in rng.next() % 5 < density ? UInt8(1 + rng.next() % 255) : 0 }
            if trial % 7 == 0 { mask = mask.map { _ in 200 } }
            let rle = RLE(mask: mask, height: h, width: w)
            #expect(rle.counts == RLE.encodeColumnWalk(mask, height: h, width: w))
            #expect(rle.decode() == mask.map { $0 != 0 ? 1 : 0 })
        }
    }

    @Test func shortBufferIsPaddedWithBackground() {
        let rle = RLE(mask: [1, 1], height: 2, width: 2)
        #expect(rle.counts == [0, 1, 1, 1, 1])
        #expect(throws: MaskstreamError.self) { try RLE(validatingMask: [1, 1], height: 2, width: 2) }
    }
}

/// Run-based IoU, intersection and merge against pixel counts of decoded masks.
@Suite struct RLEIoUReferenceTests {
    @Test(arguments: [(5, 7), (16, 16), (31, 12)])
    func matchesPixelCounts(h: Int, w: Int) {
        var rng = SeededRandom(seed: UInt64(h * 31 + w))
        for trial in 0..<40 {
            let da = UInt64(trial % 4), db = UInt64((trial / 4) % 4)
            let a = (0..<(h * w)).map { _ in UInt8(rng.next() % 4 < da ? 1 : 0) }
            let b = (0..<(h * w)).map { _ in UInt8(rng.next() % 4 < db ? 1 : 0) }
            let ra = RLE(mask: a, height: h, width: w)
            let rb = RLE(mask: b, height: h, width: w)
            let inter = zip(a, b).filter { $0 == 1 && $1 == 1 }.count
            let union = zip(a, b).filter { $0 == 1 || $1 == 1 }.count
            let areaA = a.filter { $0 == 1 }.count
            #expect(ra.intersectionArea(rb) == inter)
            #expect(ra.iou(rb) == (inter == 0 ? 0 : Double(inter) / Double(union)))
            let crowd = RLE.iou([ra], [rb], isCrowd: [true])[0][0]
            #expect(crowd == (inter == 0 ? 0 : Double(inter) / Double(areaA)))
            #expect(RLE.merge([ra, rb]).decode() == zip(a, b).map { $0 | $1 })
            #expect(RLE.merge([ra, rb], intersect: true).decode() == zip(a, b).map { $0 & $1 })
        }
    }

    @Test func sizeMismatch() {
        let a = RLE(mask: [1, 1, 1, 1], height: 2, width: 2)
        let b = RLE(mask: [1, 1, 1, 1, 1, 1], height: 2, width: 3)
        #expect(a.iou(b) == -1)
        #expect(a.intersectionArea(b) == 0)
        #expect(RLE.merge([a, b]).counts.isEmpty)
    }
}

/// Hostile sizes and polygons give typed errors or documented fallbacks, never traps.
@Suite struct RLEHostileInputTests {
    @Test func hugeSizes() {
        #expect(RLE(mask: [1], height: Int.max, width: 3).pixelCount == 0)
        #expect(RLE.empty(height: Int.max, width: Int.max).pixelCount == 0)
        #expect(throws: MaskstreamError.self) { try RLE(validatingMask: [1], height: Int.max, width: 3) }
        #expect(throws: MaskstreamError.self) { try RLE(height: Int.max, width: 3, counts: [1]) }
        #expect(throws: MaskstreamError.self) { try RLE(polygon: [0, 0, 1, 0, 1, 1], height: 1 << 40, width: 1 << 40) }
    }

    @Test(arguments: [
        [0, 0, 1, 0, 1] as [Double],                 // odd coordinate count
        [0, 0, .nan, 0, 1, 1],                       // not finite
        [0, 0, 1e9, 0, 1, 1],                        // far outside the image
        [0, 0, -.infinity, 0, 1, 1],
    ])
    func badPolygons(xy: [Double]) {
        #expect(throws: MaskstreamError.self) { try RLE(polygon: xy, height: 10, width: 10) }
    }

    @Test func degeneratePolygonsAreEmptyOrThin() throws {
        #expect(try RLE(polygon: [], height: 4, width: 4).area == 0)
        #expect(try RLE(polygon: [2, 2, 2, 2, 2, 2], height: 4, width: 4).counts.reduce(0) { $0 + Int($1) } == 16)
    }
}
