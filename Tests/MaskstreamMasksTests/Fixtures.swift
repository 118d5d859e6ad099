import Foundation
import Testing
import MaskstreamTestSupport

/// Loads a file from the test target's copied `Fixtures/` folder.
enum Fixture: FixtureFolder {
    static var bundle: Bundle { .module }

    /// Unpacks a base64 bit-packed (MSB first) row-major mask.
    static func unpackMask(_ b64: String, count: Int) throws -> [UInt8] {
        let bytes = try #require(Data(base64Encoded: b64))
        var out = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            out[i] = (bytes[i >> 3] >> (7 - UInt8(i & 7))) & 1
        }
        return out
    }
}
