/// SMPTE 336M KLV triples: a 16-byte universal key, a BER-encoded length, the value.
///
/// maskstream stores one triple per video frame in the output's data stream; its value
/// is the frame's JSON record (UTF-8).
public enum KLV {
    /// The universal key of a maskstream frame record: the SMPTE label prefix
    /// `06 0E 2B 34` followed by a private, fixed tail ("MSKSTRM" + version 1).
    public static let frameRecordKey: [UInt8] = [
        0x06, 0x0E, 0x2B, 0x34, 0x01, 0x01, 0x01, 0x01,
        0x4D, 0x53, 0x4B, 0x53, 0x54, 0x52, 0x4D, 0x01,
    ]

    /// Encodes one triple.
    public static func encode(key: [UInt8] = frameRecordKey, value: [UInt8]) -> [UInt8] {
        var out = key
        let n = value.count
        if n < 128 {
            out.append(UInt8(n))
        } else {
            var bytes: [UInt8] = []
            var v = n
            while v > 0 { bytes.insert(UInt8(v & 0xFF), at: 0); v >>= 8 }
            out.append(0x80 | UInt8(bytes.count))
            out += bytes
        }
        out += value
        return out
    }

    /// Decodes every triple in `data`; throws `.invalidInput` on a truncated or malformed one.
    public static func decode(_ data: [UInt8]) throws -> [(key: [UInt8], value: [UInt8])] {
        var result: [(key: [UInt8], value: [UInt8])] = []
        var i = 0
        while i < data.count {
            guard data.count - i >= 17 else {
                throw MaskstreamError(.invalidInput, "KLV triple truncated: \(data.count - i) bytes left, a key and length need 17")
            }
            let key = Array(data[i ..< i + 16])
            i += 16
            var length = Int(data[i]); i += 1
            if length & 0x80 != 0 {
                let count = length & 0x7F
                guard count > 0, count <= 8, data.count - i >= count else {
                    throw MaskstreamError(.invalidInput, "KLV length field malformed (\(count) length bytes)")
                }
                length = 0
                for _ in 0..<count { length = (length << 8) | Int(data[i]); i += 1 }
            }
            guard length >= 0, data.count - i >= length else {
                throw MaskstreamError(.invalidInput, "KLV value truncated: declares \(length) bytes, \(data.count - i) present")
            }
            result.append((key, Array(data[i ..< i + length])))
            i += length
        }
        return result
    }
}
