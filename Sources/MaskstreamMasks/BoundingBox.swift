/// An axis-aligned box in COCO convention: `[x, y, width, height]` in pixels, with
/// `(x, y)` the top-left corner.
///
/// Encodes to and decodes from JSON as the COCO array `[x, y, w, h]`.
///
/// ```swift
/// let box = BoundingBox(x: 2, y: 3, width: 10, height: 4)
/// ```
public struct BoundingBox: Hashable, Sendable, Codable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    /// Creates a box from its top-left corner and size.
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// The box area, `width * height`.
    public var area: Double { width * height }

    /// The COCO array `[x, y, width, height]`.
    public var cocoArray: [Double] { [x, y, width, height] }

    public init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        var values: [Double] = []
        while !container.isAtEnd {
            values.append(try container.decode(Double.self))
        }
        guard values.count == 4 else {
            throw MaskstreamError(
                .invalidInput,
                "a COCO bounding box must be an array of 4 numbers [x, y, w, h], got \(values.count) numbers")
        }
        self.init(x: values[0], y: values[1], width: values[2], height: values[3])
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(x)
        try container.encode(y)
        try container.encode(width)
        try container.encode(height)
    }

    /// Intersection over union of two boxes, as pycocotools `bbIou`.
    ///
    /// With `crowd` set, the union is this box's area (the detection), as COCO does
    /// for crowd ground truth. Returns 0 for disjoint or touching boxes.
    public func iou(_ other: BoundingBox, crowd: Bool = false) -> Double {
        let w = Swift.min(x + width, other.x + other.width) - Swift.max(x, other.x)
        if w <= 0 { return 0 }
        let h = Swift.min(y + height, other.y + other.height) - Swift.max(y, other.y)
        if h <= 0 { return 0 }
        let inter = w * h
        let union = crowd ? area : area + other.area - inter
        return inter / union
    }
}
