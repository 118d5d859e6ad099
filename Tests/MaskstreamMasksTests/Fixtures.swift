import Foundation
import Testing

/// Loads a file from the test target's copied `Fixtures/` folder.
enum Fixture {
    static func url(_ name: String) throws -> URL {
        let base = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return base.appendingPathComponent(name)
    }

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: url(name))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
        try JSONDecoder().decode(T.self, from: data(name))
    }

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
