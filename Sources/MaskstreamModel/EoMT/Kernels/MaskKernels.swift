import MaskstreamGPU

extension Kernel {
    /// Mask post-processing stage 0 (`Shaders/MaskstreamModel/mask_select.comp`).
    static let maskSelect = Kernel(name: "mask_select", bindings: 3, bundle: .module)
    /// Mask post-processing stage 1 (`Shaders/MaskstreamModel/mask_crop.comp`).
    static let maskCrop = Kernel(name: "mask_crop", bindings: 4, bundle: .module)
    /// Mask post-processing stage 2 (`Shaders/MaskstreamModel/mask_binarize.comp`).
    static let maskBinarize = Kernel(name: "mask_binarize", bindings: 5, bundle: .module)
}

/// The queries the mask kernels work on, chosen on the device (`maskSelect`): `list` holds the
/// count then the query indices; `arguments` the indirect dispatch counts of `maskCrop` then
/// `maskBinarize` (6 words) per chunk of `chunk` listed queries.
struct MaskSelection {
    var list: BufferSlice
    var arguments: BufferSlice
    var chunk: Int
    var chunks: Int

    /// Words of `list` and `arguments` for `queries` queries in chunks of `chunk`.
    static func sizes(queries: Int, chunk: Int) -> (list: Int, arguments: Int) {
        (1 + queries, 6 * ((queries + chunk - 1) / chunk))
    }
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
    /// Records stage 0: lists the queries whose best class probability (softmax over
    /// `classes`, the last being "no object") is at least `threshold` in `selection.list`, and
    /// the indirect dispatch counts of the mask kernels for each chunk of them. Only those
    /// queries can reach a score of `threshold` (HF's score is that probability times a mask
    /// mean ≤ 1); callers pass a threshold a little below their own so that rounding never
    /// drops a query the host keeps.
    ///
    /// - Complexity: O(queries · classes), one invocation.
    func maskSelect(classLogits: BufferSlice, queries: Int, classes: Int, threshold: Float, selection: MaskSelection,
                    cropGroups: Int, binarizeGroups: Int) throws {
        let op = "maskSelect"
        try ShapeCheck.dims(op, [("queries", queries), ("classes", classes)])
        try ShapeCheck.holds(op, "classLogits", classLogits, queries * classes)
        let sizes = MaskSelection.sizes(queries: queries, chunk: selection.chunk)
        try ShapeCheck.holds(op, "list", selection.list, sizes.list)
        try ShapeCheck.holds(op, "arguments", selection.arguments, sizes.arguments)
        try dispatch(.maskSelect, [(classLogits, .read), (selection.list, .write), (selection.arguments, .write)],
                     params: [UInt32(queries), UInt32(classes), threshold.bitPattern, UInt32(selection.chunk),
                              UInt32(selection.chunks), UInt32(cropGroups), UInt32(binarizeGroups)],
                     groups: (1, 1, 1))
    }

    /// Workgroups along x of `maskCrop` for an `rh`×`rw` crop (each strides over the plane).
    static func maskCropGroups(rh: Int, rw: Int) -> Int { min((rh * rw + 63) / 64, 1024) }

    /// Records HF EoMT mask post-processing stage 1 for chunk `chunk` of `selection`: the
    /// listed queries' mask logits (`logits`: all queries, `[queries, m, m]`) upsampled to the
    /// padded input and cropped to `rh`×`rw` (`taps`: `LinearTaps.flat` of the first `rh` row
    /// taps, then of the first `rw` column taps, for m → padded size) → planes of `crop`
    /// (`[selection.chunk, rh, rw]`), as many as the chunk lists.
    ///
    /// - Complexity: O(listed · rh · rw).
    func maskCrop(
        logits: BufferSlice, taps: BufferSlice, crop: BufferSlice, selection: MaskSelection, chunk: Int,
        queries: Int, m: Int, rh: Int, rw: Int
    ) throws {
        let op = "maskCrop"
        try ShapeCheck.dims(op, [("queries", queries), ("m", m), ("m", m)])
        try ShapeCheck.dims(op, [("chunk", selection.chunk), ("rh", rh), ("rw", rw)])
        try ShapeCheck.holds(op, "logits", logits, queries * m * m)
        try ShapeCheck.holds(op, "taps", taps, 3 * (rh + rw))
        try ShapeCheck.holds(op, "crop", crop, selection.chunk * rh * rw)
        try ShapeCheck.disjoint(op, ("crop", crop), ("logits", logits))
        try dispatchIndirect(.maskCrop, [(logits, .read), (taps, .read), (crop, .write), (selection.list, .read)],
                             params: [UInt32(chunk * selection.chunk), UInt32(m), UInt32(rh), UInt32(rw)],
                             arguments: try selection.arguments.slice(offset: 6 * chunk, count: 3))
    }

    /// Records stage 2 for chunk `chunk` of `selection`: each `crop` plane resized to the frame
    /// (`taps`: row taps then column taps, rh → height and rw → width), thresholded at 0 into
    /// its query's rows of `bits` (`[queries, MaskBits.words]`, pixel `y·width + x` is bit
    /// `i % 32` of word `i / 32`) with per-workgroup partial sums of sigmoid(logit) and pixel
    /// counts over the mask in `partials` (`[queries, MaskBits.groups, 2]`). Rows of queries
    /// not listed are left as they were.
    ///
    /// - Complexity: O(listed · height · width).
    func maskBinarize(crop: BufferSlice, taps: BufferSlice, bits: BufferSlice, partials: BufferSlice,
                      selection: MaskSelection, chunk: Int, queries: Int, rh: Int, rw: Int, height: Int,
                      width: Int) throws {
        let op = "maskBinarize"
        try ShapeCheck.dims(op, [("queries", queries), ("rh", rh), ("rw", rw)])
        try ShapeCheck.dims(op, [("queries", queries), ("height", height), ("width", width)])
        let words = MaskBits.words(height: height, width: width)
        try ShapeCheck.holds(op, "crop", crop, selection.chunk * rh * rw)
        try ShapeCheck.holds(op, "taps", taps, 3 * (height + width))
        try ShapeCheck.holds(op, "bits", bits, queries * words)
        try ShapeCheck.holds(op, "partials", partials, queries * MaskBits.groups(height: height, width: width) * 2)
        try ShapeCheck.disjoint(op, ("bits", bits), ("crop", crop))
        try ShapeCheck.disjoint(op, ("partials", partials), ("bits", bits))
        try dispatchIndirect(
            .maskBinarize, [(crop, .read), (taps, .read), (bits, .write), (partials, .write), (selection.list, .read)],
            params: [UInt32(chunk * selection.chunk), UInt32(rh), UInt32(rw), UInt32(height), UInt32(width),
                     UInt32(words)],
            arguments: try selection.arguments.slice(offset: 6 * chunk + 3, count: 3))
    }
}
