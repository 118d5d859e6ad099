extension RLE {
    /// The COCO compressed counts string, byte-identical to pycocotools.
    ///
    /// Each count from the fourth on is stored as its difference to the count two
    /// places before, then written in 5-bit groups (least significant first) with
    /// continuation bit `0x20`, sign in bit `0x10` of the last group, and 48 added
    /// to make each group a printable character.
    ///
    /// - Complexity: O(counts.count).
    public var compressedCounts: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(counts.count * 2)
        for i in 0..<counts.count {
            var x = Int64(counts[i])
            if i > 2 { x -= Int64(counts[i - 2]) }
            var more = true
            while more {
                var c = UInt8(truncatingIfNeeded: x & 0x1f)
                x >>= 5
                more = (c & 0x10) != 0 ? x != -1 : x != 0
                if more { c |= 0x20 }
                bytes.append(c + 48)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Decodes a COCO compressed counts string.
    ///
    /// - Throws: `MaskstreamError.invalidInput` when the string has characters
    ///   outside `'0'...'o'`, ends inside a count, decodes to a negative or too
    ///   large count, or its counts do not sum to `height * width`. Never traps.
    /// - Complexity: O(compressed.utf8.count).
    public init(compressed: String, height: Int, width: Int) throws {
        var counts: [UInt32] = []
        var x: Int64 = 0
        var k = 0
        var offset = 0
        for byte in compressed.utf8 {
            guard byte >= 48, byte <= 48 + 63 else {
                throw MaskstreamError(
                    .invalidInput,
                    "compressed RLE counts contain byte \(byte) at offset \(offset), outside '0'...'o': "
                        + "pass the 'counts' string exactly as pycocotools wrote it")
            }
            guard k < 12 else {
                throw MaskstreamError(
                    .invalidInput, "compressed RLE counts have a value longer than 12 characters at offset \(offset)")
            }
            let c = Int64(byte - 48)
            x |= (c & 0x1f) << (5 * Int64(k))
            k += 1
            offset += 1
            if c & 0x20 != 0 { continue }
            if c & 0x10 != 0 { x |= -1 << (5 * Int64(k)) }
            if counts.count > 2 { x += Int64(counts[counts.count - 2]) }
            guard x >= 0, x <= Int64(UInt32.max) else {
                throw MaskstreamError(
                    .invalidInput,
                    "compressed RLE counts decode to run \(counts.count) = \(x), outside 0...\(UInt32.max): "
                        + "the string is corrupt")
            }
            counts.append(UInt32(x))
            x = 0
            k = 0
        }
        guard k == 0 else {
            throw MaskstreamError(
                .invalidInput, "compressed RLE counts end in the middle of a value: the string is truncated")
        }
        try self.init(height: height, width: width, counts: counts)
    }
}
