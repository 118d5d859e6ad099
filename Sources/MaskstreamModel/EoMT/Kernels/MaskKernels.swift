import MaskstreamGPU

extension Kernel {
    /// Mask post-processing stage 1 (`Shaders/MaskstreamModel/mask_crop.comp`).
    static let maskCrop = Kernel(name: "mask_crop", bindings: 3, bundle: .module)
    /// Mask post-processing stage 2 (`Shaders/MaskstreamModel/mask_binarize.comp`).
    static let maskBinarize = Kernel(name: "mask_binarize", bindings: 4, bundle: .module)
}

/// The layout of `maskBinarize`'s output for a `height`×`width` frame.
enum MaskBits {
    /// Words per query of the bit masks.
    static func words(height: Int, width: Int) -> Int { (height * width + 31) / 32 }
    /// Workgroups per query (each writes one `(sum, count)` partial).
    static func groups(height: Int, width: Int) -> Int { (words(height: height, width: width) + 63) / 64 }
}

/// The taps of a 1-D bilinear resize (PyTorch `align_corners=False`) as floats
/// `(i0, i1, w1)` per output index: `out[o] = (1 − w1) · in[i0] + w1 · in[i1]`.
enum LinearTaps {
    static func make(inSize: Int, outSize: Int) -> [(i0: Int, i1: Int, w1: Float)] {
        let scale = Float(inSize) / Float(outSize)
        return (0..<outSize).map { o in
            let src = max(scale * (Float(o) + 0.5) - 0.5, 0)
            let i0 = min(Int(src), inSize - 1)
            let i1 = i0 < inSize - 1 ? i0 + 1 : i0
            return (i0, i1, src - Float(i0))
        }
    }

    /// Flattened `[i0, i1, w1, …]` floats for the mask kernels.
    static func flat(_ taps: [(i0: Int, i1: Int, w1: Float)]) -> [Float] {
        taps.flatMap { [Float($0.i0), Float($0.i1), $0.w1] }
    }
}

extension CommandSequence {
    /// Records HF EoMT mask post-processing stage 1: mask logits `[queries, m, m]` upsampled
    /// to the padded input and cropped to `rh`×`rw` (`taps`: `LinearTaps.flat` of the first
    /// `rh` row taps, then of the first `rw` column taps, for m → padded size) → `crop`.
    ///
    /// - Complexity: O(queries · rh · rw).
    func maskCrop(
        logits: BufferSlice, taps: BufferSlice, crop: BufferSlice, queries: Int, m: Int, rh: Int, rw: Int
    ) throws {
        let op = "maskCrop"
        try ShapeCheck.dims(op, [("queries", queries), ("m", m), ("m", m)])
        try ShapeCheck.dims(op, [("queries", queries), ("rh", rh), ("rw", rw)])
        try ShapeCheck.holds(op, "logits", logits, queries * m * m)
        try ShapeCheck.holds(op, "taps", taps, 3 * (rh + rw))
        try ShapeCheck.holds(op, "crop", crop, queries * rh * rw)
        try ShapeCheck.disjoint(op, ("crop", crop), ("logits", logits))
        try dispatch(.maskCrop, [(logits, .read), (taps, .read), (crop, .write)],
                     params: [UInt32(queries), UInt32(m), UInt32(rh), UInt32(rw)],
                     groups: (groups1D(queries * rh * rw, local: 64), 1, 1))
    }

    /// Records stage 2: `crop` resized to the frame (`taps`: row taps then column taps,
    /// rh → height and rw → width), thresholded at 0 into `bits` (`[queries, MaskBits.words]`,
    /// pixel `y·width + x` is bit `i % 32` of word `i / 32`) with per-workgroup partial
    /// sums of sigmoid(logit) and pixel counts over the mask in `partials`
    /// (`[queries, MaskBits.groups, 2]`).
    ///
    /// - Complexity: O(queries · height · width).
    func maskBinarize(crop: BufferSlice, taps: BufferSlice, bits: BufferSlice, partials: BufferSlice,
                             queries: Int, rh: Int, rw: Int, height: Int, width: Int) throws {
        let op = "maskBinarize"
        try ShapeCheck.dims(op, [("queries", queries), ("rh", rh), ("rw", rw)])
        try ShapeCheck.dims(op, [("queries", queries), ("height", height), ("width", width)])
        let words = MaskBits.words(height: height, width: width), groups = MaskBits.groups(height: height, width: width)
        try ShapeCheck.holds(op, "crop", crop, queries * rh * rw)
        try ShapeCheck.holds(op, "taps", taps, 3 * (height + width))
        try ShapeCheck.holds(op, "bits", bits, queries * words)
        try ShapeCheck.holds(op, "partials", partials, queries * groups * 2)
        try ShapeCheck.disjoint(op, ("bits", bits), ("crop", crop))
        try ShapeCheck.disjoint(op, ("partials", partials), ("bits", bits))
        try dispatch(.maskBinarize, [(crop, .read), (taps, .read), (bits, .write), (partials, .write)],
                     params: [UInt32(rh), UInt32(rw), UInt32(height), UInt32(width), UInt32(words)],
                     groups: (groups, queries, 1))
    }
}
