import Testing
import MaskstreamTestSupport
@testable import MaskstreamMasks

@Suite struct RLETranslateTests {
    /// The reference: move every set pixel of the decoded mask, drop what leaves the frame.
    static func shifted(_ mask: [UInt8], h: Int, w: Int, dx: Int, dy: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: h * w)
        for y in 0..<h {
            for x in 0..<w where mask[y * w + x] != 0 {
                let (nx, ny) = (x + dx, y + dy)
                if nx >= 0, nx < w, ny >= 0, ny < h { out[ny * w + nx] = 1 }
            }
        }
        return out
    }

    @Test(arguments: [(0, 0), (1, 0), (0, 1), (-2, 3), (3, -4), (20, 0), (0, -20), (-1, -1)])
    func translationMovesEveryPixelAndCropsAtTheEdges(_ shift: (Int, Int)) {
        var rng = SeededRandom(seed: 7)
        for _ in 0..<20 {
            let (h, w) = (Int(rng.next() % 9) + 1, Int(rng.next() % 9) + 1)
            let mask = (0..<(h * w)).map { _ in UInt8(rng.next() % 3 == 0 ? 1 : 0) }
            let rle = RLE(mask: mask, height: h, width: w)
            let moved = rle.translated(dx: shift.0, dy: shift.1)
            let expected = Self.shifted(mask, h: h, w: w, dx: shift.0, dy: shift.1)
            #expect(moved.decode() == expected)
            #expect(moved == RLE(mask: expected, height: h, width: w), "canonical runs")
        }
    }

    @Test func aMaskMovedOutOfTheFrameIsEmpty() {
        let rle = RLE(mask: [1, 1, 0, 1], height: 2, width: 2)
        #expect(rle.translated(dx: 5, dy: 0) == RLE.empty(height: 2, width: 2))
        #expect(rle.translated(dx: 0, dy: -2).area == 0)
    }
}

@Suite struct RLEDisjointTests {
    @Test func sharedPixelsStayWithTheFirstMaskInOrder() {
        var rng = SeededRandom(seed: 11)
        for _ in 0..<20 {
            let (h, w) = (Int(rng.next() % 7) + 1, Int(rng.next() % 7) + 1)
            let masks = (0..<3).map { _ in
                RLE(mask: (0..<(h * w)).map { _ in UInt8(rng.next() % 2) }, height: h, width: w)
            }
            let order = [2, 0, 1]
            let out = RLE.disjoint(masks, order: order)
            var claimed = [UInt8](repeating: 0, count: h * w)
            for i in order {
                let expected = zip(masks[i].decode(), claimed).map { $0 != 0 && $1 == 0 ? UInt8(1) : 0 }
                #expect(out[i] == RLE(mask: expected, height: h, width: w))
                claimed = zip(claimed, masks[i].decode()).map { $0 | $1 }
            }
        }
    }

    @Test func complementFlipsEveryPixel() {
        let rle = RLE(mask: [1, 0, 0, 1, 1, 0], height: 2, width: 3)
        #expect(rle.complement == RLE(mask: [0, 1, 1, 0, 0, 1], height: 2, width: 3))
        #expect(RLE.empty(height: 2, width: 2).complement.area == 4)
        #expect(RLE.empty(height: 2, width: 2).complement.complement == RLE.empty(height: 2, width: 2))
    }
}
