/// A binary mask in COCO run-length encoding.
///
/// Runs are taken over the pixels in column-major order (down the first column,
/// then the next), alternate background/foreground and always start with a
/// background run (which is 0 when the first pixel is foreground). This is the
/// layout of pycocotools, and `compressedCounts` is byte-identical to its
/// compressed `counts` string.
///
/// Encodes to and decodes from JSON as the COCO object
/// `{"size": [h, w], "counts": "<compressed string>"}`; decoding also accepts the
/// uncompressed form with `counts` as an array of integers.
///
/// ```swift
/// let rle = RLE(mask: [0, 1,
///                      1, 1], height: 2, width: 2)
/// rle.counts            // [1, 3]
/// rle.compressedCounts  // "13"
/// rle.area              // 3
/// ```
public struct RLE: Hashable, Sendable {
    /// Mask height in pixels.
    public let height: Int
    /// Mask width in pixels.
    public let width: Int
    /// Column-major run lengths; the first run counts background pixels.
    public var counts: [UInt32]

    /// Creates an RLE from run lengths, checking that they cover the mask exactly.
    ///
    /// - Throws: `MaskstreamError.invalidInput` when a dimension is negative or
    ///   the runs do not sum to `height * width`.
    public init(height: Int, width: Int, counts: [UInt32]) throws {
        guard height >= 0, width >= 0 else {
            throw MaskstreamError(
                .invalidInput, "RLE size [\(height), \(width)] is negative: give [height, width] >= 0")
        }
        let (pixels, overflow) = height.multipliedReportingOverflow(by: width)
        guard !overflow else {
            throw MaskstreamError(.invalidInput, "RLE size [\(height), \(width)] is too large")
        }
        var sum = 0
        for c in counts { sum += Int(c) }
        guard sum == pixels else {
            throw MaskstreamError(
                .invalidInput,
                "RLE counts sum to \(sum) but size [\(height), \(width)] has \(pixels) pixels: "
                    + "check that size is [height, width] and the counts belong to this mask")
        }
        self.height = height
        self.width = width
        self.counts = counts
    }

    /// Creates an RLE without validation; callers guarantee the invariant.
    init(uncheckedHeight height: Int, width: Int, counts: [UInt32]) {
        self.height = height
        self.width = width
        self.counts = counts
    }

    /// An all-background mask of the given size.
    public static func empty(height: Int, width: Int) -> RLE {
        let h = Swift.max(0, height)
        let w = Swift.max(0, width)
        return RLE(uncheckedHeight: h, width: w, counts: [UInt32(truncatingIfNeeded: h * w)])
    }

    /// The number of pixels, `height * width`.
    public var pixelCount: Int { height * width }
}
