import MaskstreamCore

/// How a frame becomes model input: resize target, rescale, normalization, padding.
public struct PreprocessParameters: Sendable, Equatable {
    /// Size the frame is resized to (bilinear, align_corners=False, no antialias).
    public var resizedWidth: Int
    public var resizedHeight: Int
    /// Size of the zero-padded output (≥ the resized size); the image sits top-left.
    public var paddedWidth: Int
    public var paddedHeight: Int
    /// Multiplier applied to 0…255 values before normalization (1/255 for HF processors).
    public var rescale: Float
    /// Per-channel (R, G, B) mean and standard deviation, after rescaling.
    public var mean: (Float, Float, Float)
    public var std: (Float, Float, Float)

    /// ImageNet mean/std and 1/255 rescale, as the EoMT image processor uses.
    public init(resizedWidth: Int, resizedHeight: Int, paddedWidth: Int, paddedHeight: Int,
                rescale: Float = 1 / 255,
                mean: (Float, Float, Float) = (0.485, 0.456, 0.406),
                std: (Float, Float, Float) = (0.229, 0.224, 0.225)) {
        self.resizedWidth = resizedWidth
        self.resizedHeight = resizedHeight
        self.paddedWidth = paddedWidth
        self.paddedHeight = paddedHeight
        self.rescale = rescale
        self.mean = mean
        self.std = std
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.resizedWidth == b.resizedWidth && a.resizedHeight == b.resizedHeight && a.paddedWidth == b.paddedWidth
            && a.paddedHeight == b.paddedHeight && a.rescale == b.rescale && a.mean == b.mean && a.std == b.std
    }
}

extension CommandSequence {
    /// Records frame preprocessing: an RGB8 interleaved frame (`width`×`height`, rows
    /// `rowStride` bytes apart, uploaded with `GPUBuffer.upload(bytes:)` so it starts at
    /// float `frame.offset`) → bilinear resize → rescale → normalize → zero-pad →
    /// CHW floats `[3, paddedHeight, paddedWidth]` in `out`.
    ///
    /// - Complexity: O(paddedWidth·paddedHeight).
    public func preprocess(frame: BufferSlice, width: Int, height: Int, rowStride: Int,
                           parameters p: PreprocessParameters, out: BufferSlice) throws {
        let op = "preprocess"
        try ShapeCheck.dims(op, [("width", width), ("height", height)])
        try ShapeCheck.dims(op, [("rowStride", rowStride), ("height", height)])
        try ShapeCheck.dims(op, [("resizedWidth", p.resizedWidth), ("resizedHeight", p.resizedHeight)])
        try ShapeCheck.dims(op, [("3", 3), ("paddedWidth", p.paddedWidth), ("paddedHeight", p.paddedHeight)])
        guard rowStride >= width * 3 else {
            throw MaskstreamError(.invalidInput, "preprocess: row stride \(rowStride) is less than 3·width (\(width * 3)) for an RGB8 frame")
        }
        guard p.paddedWidth >= p.resizedWidth, p.paddedHeight >= p.resizedHeight else {
            throw MaskstreamError(.invalidInput,
                "preprocess: padded size \(p.paddedWidth)×\(p.paddedHeight) is smaller than the resized size \(p.resizedWidth)×\(p.resizedHeight)")
        }
        guard [p.std.0, p.std.1, p.std.2].allSatisfy({ $0 != 0 && $0.isFinite }) else {
            throw MaskstreamError(.invalidInput, "preprocess: std must be finite and non-zero, got \(p.std)")
        }
        let bytes = (height - 1) * rowStride + width * 3
        guard frame.count * 4 >= bytes else {
            throw MaskstreamError(.invalidInput, "preprocess: frame slice has \(frame.count * 4) bytes but a \(width)×\(height) RGB8 frame with stride \(rowStride) needs \(bytes)")
        }
        let total = 3 * p.paddedWidth * p.paddedHeight
        try ShapeCheck.holds(op, "out", out, total)
        try ShapeCheck.disjoint(op, ("out", out), ("frame", frame))
        try dispatch(.preprocess, [(frame, .read), (out, .write)], params: [
            UInt32(width), UInt32(height), UInt32(rowStride), UInt32(p.resizedWidth), UInt32(p.resizedHeight),
            UInt32(p.paddedWidth), UInt32(p.paddedHeight), p.rescale.bitPattern,
            p.mean.0.bitPattern, p.mean.1.bitPattern, p.mean.2.bitPattern,
            p.std.0.bitPattern, p.std.1.bitPattern, p.std.2.bitPattern,
        ], groups: (groups1D(total, local: 64), 1, 1))
    }
}
