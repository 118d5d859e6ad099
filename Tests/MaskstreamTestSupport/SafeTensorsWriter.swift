import Foundation

/// Writes `.safetensors` files for tests: tensors (dtype name, shape, little-endian bytes) in
/// the order given, the header padded with spaces to a multiple of 8 as safetensors does.
///
/// ```swift
/// try SafeTensorsWriter.write([("w", "F32", [2], SafeTensorsWriter.f32([1, 2]))], to: url)
/// ```
public enum SafeTensorsWriter {
    public typealias Tensor = (name: String, dtype: String, shape: [Int], bytes: Data)

    public static func write(_ tensors: [Tensor], metadata: [String: String] = ["format": "pt"], to url: URL) throws {
        var header: [String: Any] = ["__metadata__": metadata]
        var offset = 0
        for t in tensors {
            header[t.name] = ["dtype": t.dtype, "shape": t.shape, "data_offsets": [offset, offset + t.bytes.count]]
            offset += t.bytes.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data()
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
        out.append(json)
        for t in tensors { out.append(t.bytes) }
        try out.write(to: url)
    }

    /// The tensors of a file as stored (name, dtype, shape, bytes), in data order.
    public static func read(_ url: URL) throws -> [Tensor] {
        let data = try Data(contentsOf: url)
        let n = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let json = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + n)))
        guard let header = json as? [String: Any] else {
            throw TestFailure("\(url.path): header is not a JSON object")
        }
        return header.compactMap { name, value -> (Tensor, Int)? in
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let range = entry["data_offsets"] as? [Int] else { return nil }
            let start = 8 + n + range[0]
            return ((name, dtype, shape, data.subdata(in: start..<(8 + n + range[1]))), range[0])
        }.sorted { $0.1 < $1.1 }.map(\.0)
    }

    /// Little-endian F32 bytes.
    public static func f32(_ values: [Float]) -> Data {
        var d = Data(capacity: values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { d.append(contentsOf: $0) } }
        return d
    }

    /// Little-endian BF16 bytes, rounded to nearest even (as torch's `.to(torch.bfloat16)`).
    public static func bf16(_ values: [Float]) -> Data {
        var d = Data(capacity: values.count * 2)
        for v in values {
            let bits = v.bitPattern
            let rounded = v.isNaN ? UInt16(0x7FC0) : UInt16((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16)
            withUnsafeBytes(of: rounded.littleEndian) { d.append(contentsOf: $0) }
        }
        return d
    }
}
