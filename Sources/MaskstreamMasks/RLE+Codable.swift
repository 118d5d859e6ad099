extension RLE: Codable {
    private enum CodingKeys: String, CodingKey {
        case size
        case counts
    }

    /// Decodes `{"size": [h, w], "counts": "<compressed>"}` or the uncompressed
    /// form `{"size": [h, w], "counts": [n0, n1, …]}`.
    ///
    /// - Throws: `MaskstreamError.invalidInput` for a malformed size or counts.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let size = try container.decode([Int].self, forKey: .size)
        guard size.count == 2 else {
            throw MaskstreamError(
                .invalidInput, "RLE 'size' must be [height, width], got \(size.count) numbers")
        }
        if let compressed = try? container.decode(String.self, forKey: .counts) {
            try self.init(compressed: compressed, height: size[0], width: size[1])
        } else {
            let raw = try container.decode([Int64].self, forKey: .counts)
            guard raw.allSatisfy({ $0 >= 0 && $0 <= Int64(UInt32.max) }) else {
                throw MaskstreamError(
                    .invalidInput, "uncompressed RLE counts must be integers in 0...\(UInt32.max)")
            }
            try self.init(height: size[0], width: size[1], counts: raw.map { UInt32($0) })
        }
    }

    /// Encodes as `{"size": [h, w], "counts": "<compressed>"}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode([height, width], forKey: .size)
        try container.encode(compressedCounts, forKey: .counts)
    }
}
