import Testing
import MaskstreamTestSupport
@testable import MaskstreamMasks

/// Malformed compressed counts must throw a typed error, never trap.
@Suite struct RLEFuzzTests {
    @Test(arguments: [
        ("", 2, 2),            // no runs for 4 pixels
        ("1", 2, 2),           // sums to 1
        ("4 ", 2, 2),          // space is below '0'
        ("4p", 2, 2),          // 'p' is above 'o'
        ("4\u{e9}", 2, 2),     // non-ASCII
        ("0o", 2, 2),          // ends inside a value (continuation bit set)
        ("0000?", 2, 2),       // negative delta gives a negative count
        ("oooooooooooooooooo0", 2, 2), // value longer than any UInt32
        ("04", -2, -2),        // negative size
    ])
    func rejectsMalformed(text: String, h: Int, w: Int) {
        #expect(throws: MaskstreamError.self) { try RLE(compressed: text, height: h, width: w) }
    }

    /// Random strings over the whole byte range and mutations of valid strings:
    /// each either parses into an RLE that re-encodes consistently or throws.
    @Test func randomStringsNeverTrap() {
        var rng = SeededRandom(seed: 42)
        let valid = RLE(mask: (0..<(37 * 23)).map { _ in UInt8(rng.next() % 3 == 0 ? 1 : 0) }, height: 37, width: 23)
        let base = Array(valid.compressedCounts.utf8)
        var parsed = 0
        for trial in 0..<4000 {
            var bytes: [UInt8]
            if trial % 2 == 0 {
                bytes = (0..<Int(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: 40 + rng.next() % 80) }
            } else {
                bytes = base
                for _ in 0..<(1 + Int(rng.next() % 3)) where !bytes.isEmpty {
                    let i = Int(rng.next() % UInt64(bytes.count))
                    switch rng.next() % 3 {
                    case 0: bytes[i] = UInt8(truncatingIfNeeded: 48 + rng.next() % 64)
                    case 1: bytes.remove(at: i)
                    default: bytes.insert(UInt8(truncatingIfNeeded: 48 + rng.next() % 64), at: i)
                    }
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let sizes = [(37, 23), (1, 1), (0, 5), (100, 100)]
            let (h, w) = sizes[trial % sizes.count]
            do {
                let rle = try RLE(compressed: text, height: h, width: w)
                parsed += 1
                #expect(rle.counts.reduce(0) { $0 + Int($1) } == h * w)
                #expect(rle.decode().count == h * w)
                _ = rle.boundingBox
                _ = rle.iou(rle)
                let again = try RLE(compressed: rle.compressedCounts, height: h, width: w)
                #expect(again == rle)
            } catch let error as MaskstreamError {
                #expect(error.code == .invalidInput)
            } catch {
                Issue.record("unexpected error type \(error)")
            }
        }
        #expect(parsed > 0)
    }
}
