/// A COCO `segmentation` value as it appears in annotation files: polygons,
/// compressed RLE or uncompressed RLE.
///
/// ```swift
/// let seg = try JSONDecoder().decode(Segmentation.self, from: Data(#"[[1,1,5,1,5,5]]"#.utf8))
/// let rle = try seg.rle(height: 10, width: 10)
/// ```
public enum Segmentation: Sendable, Hashable, Decodable {
    /// One or more polygons `[x0, y0, x1, y1, …]`, merged into one mask.
    case polygons([[Double]])
    /// A run-length encoded mask (compressed or uncompressed in the file).
    case rle(RLE)

    public init(from decoder: any Decoder) throws {
        let single = try decoder.singleValueContainer()
        if let polygons = try? single.decode([[Double]].self) {
            self = .polygons(polygons)
            return
        }
        do {
            self = .rle(try single.decode(RLE.self))
        } catch let error as MaskstreamError {
            throw error
        } catch {
            throw MaskstreamError(
                .invalidInput,
                "a segmentation must be a list of polygons or an RLE object {\"size\": [h, w], \"counts\": ...} "
                    + "at \(decoder.codingPath.map(\.stringValue).joined(separator: "."))",
                cause: error)
        }
    }

    /// The mask as RLE, as pycocotools `annToRLE`: polygons are rasterized at
    /// `height`×`width` and merged; RLE keeps its own size.
    ///
    /// - Throws: `MaskstreamError.invalidInput` for a malformed polygon.
    public func rle(height: Int, width: Int) throws -> RLE {
        switch self {
        case .polygons(let polygons):
            return try RLE(polygons: polygons, height: height, width: width)
        case .rle(let rle):
            return rle
        }
    }
}
