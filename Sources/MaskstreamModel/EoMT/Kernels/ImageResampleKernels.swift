import Foundation
import MaskstreamGPU

extension Kernel {
    /// Horizontal fixed-point resize of RGB8 rows (`Shaders/MaskstreamModel/resample_rows.comp`).
    static let resampleRows = Kernel(name: "resample_rows", bindings: 3, bundle: .module)
    /// Vertical resize, normalization LUT, padding and patch extraction
    /// (`Shaders/MaskstreamModel/resample_cols_patches.comp`).
    static let resampleColumnsToPatches = Kernel(name: "resample_cols_patches", bindings: 4, bundle: .module)
}

/// Fixed-point separable resampling tables (Pillow's uint8 `Image.resize` scheme): for each
/// output index a first source index, a tap count and `taps` weights with 22 fractional bits.
///
/// Word layout (as `Int32`, uploaded with `GPUBuffer.upload(bytes:)`): `[first, count]` per
/// output index, then `taps` weights per output index (unused taps are 0).
struct FixedPointResampleTable: Sendable, Equatable {
    /// Number of output samples.
    let outputCount: Int
    /// Weights stored per output index (the largest tap count).
    let taps: Int
    /// The table words.
    let words: [Int32]

    /// Builds a table from per-output `(first, weights)` pairs.
    init(entries: [(first: Int, weights: [Int32])]) {
        outputCount = entries.count
        taps = max(1, entries.map(\.weights.count).max() ?? 1)
        var words = [Int32](repeating: 0, count: 2 * entries.count + entries.count * taps)
        for (i, e) in entries.enumerated() {
            words[2 * i] = Int32(e.first)
            words[2 * i + 1] = Int32(e.weights.count)
            for (t, w) in e.weights.enumerated() { words[2 * entries.count + i * taps + t] = w }
        }
        self.words = words
    }

    /// The identity table for `count` samples (one tap of weight 1.0).
    static func identity(_ count: Int) -> FixedPointResampleTable {
        FixedPointResampleTable(entries: (0..<count).map { ($0, [Int32(1 << 22)]) })
    }

    /// First source index and tap count of output `i`.
    func span(_ i: Int) -> (first: Int, count: Int) { (Int(words[2 * i]), Int(words[2 * i + 1])) }

    /// The words as bytes for `GPUBuffer.upload(bytes:)`.
    var bytes: [UInt8] { words.withUnsafeBytes { Array($0) } }
}

extension CommandSequence {
    /// Records the horizontal pass of a fixed-point resize of an RGB8 interleaved frame:
    /// source rows `yFirst ..< yFirst + rows` (each `rowStride` bytes, the frame uploaded with
    /// `GPUBuffer.upload(bytes:)` at float `frame.offset`) → `[rows, table.outputCount, 3]`
    /// samples, one `UInt32` (0…255) each, in `out`. `table` holds `tableWords` at `tableSlice`.
    ///
    /// - Complexity: O(rows · outputCount · taps).
    func resampleRows(frame: BufferSlice, width: Int, rowStride: Int, yFirst: Int, rows: Int,
                             table: FixedPointResampleTable, tableSlice: BufferSlice, out: BufferSlice) throws {
        let op = "resampleRows"
        try ShapeCheck.dims(op, [("width", width), ("rows", rows), ("outputCount", table.outputCount)])
        guard rowStride >= width * 3, yFirst >= 0 else {
            throw MaskstreamError(
                .invalidInput,
                "\(op): row stride \(rowStride) must be at least 3·width (\(width * 3)) and yFirst (\(yFirst)) not "
                    + "negative"
            )
        }
        let bytes = (yFirst + rows - 1) * rowStride + width * 3
        guard frame.count * 4 >= bytes else {
            throw MaskstreamError(
                .invalidInput,
                "\(op): frame slice has \(frame.count * 4) bytes but rows \(yFirst)..<\(yFirst + rows) need \(bytes)")
        }
        for i in 0..<table.outputCount {
            let (first, n) = table.span(i)
            guard first >= 0, n >= 0, n <= table.taps, first + n <= width else {
                throw MaskstreamError(
                    .invalidInput,
                    "\(op): table entry \(i) reads columns \(first)..<\(first + n) outside a \(width)-pixel row")
            }
        }
        try ShapeCheck.holds(op, "table", tableSlice, table.words.count)
        let total = rows * table.outputCount * 3
        try ShapeCheck.holds(op, "out", out, total)
        try ShapeCheck.disjoint(op, ("out", out), ("frame", frame))
        try dispatch(.resampleRows, [(frame, .read), (tableSlice, .read), (out, .write)], params: [
                UInt32(width), UInt32(rows), UInt32(rowStride), UInt32(table.outputCount), UInt32(table.taps),
                UInt32(yFirst),
        ], groups: (groups1D(total, local: 64), 1, 1))
    }

    /// Records the vertical pass of a fixed-point resize (input from `resampleRows`: rows
    /// starting at source row `rowOffset`, `width` samples × 3 each), then `lut` (`[3, 256]`
    /// floats: the model input value of each byte value per channel), zero padding (LUT
    /// value of 0) to `size`×`size` and patch extraction: `out` is `[(size/patch)², 3·patch²]`,
    /// ready for the patch-embedding matmul.
    ///
    /// - Complexity: O(size² · taps).
    func resampleColumnsToPatches(samples: BufferSlice, width: Int, rows: Int, rowOffset: Int,
                                         table: FixedPointResampleTable, tableSlice: BufferSlice, lut: BufferSlice,
                                         size: Int, patch: Int, out: BufferSlice) throws {
        let op = "resampleColumnsToPatches"
        try ShapeCheck.dims(op, [("width", width), ("rows", rows), ("size", size), ("patch", patch)])
        guard size % patch == 0, width <= size, table.outputCount <= size else {
            throw MaskstreamError(
                .invalidInput,
                "\(op): resized \(width)x\(table.outputCount) must fit the \(size)x\(size) input, and patch \(patch) "
                    + "divide it"
            )
        }
        for i in 0..<table.outputCount {
            let (first, n) = table.span(i)
            guard first >= rowOffset, n >= 0, n <= table.taps, first + n <= rowOffset + rows else {
                throw MaskstreamError(
                    .invalidInput,
                    "\(op): table entry \(i) reads rows \(first)..<\(first + n) outside the "
                        + "\(rowOffset)..<\(rowOffset + rows) resampled rows"
                )
            }
        }
        try ShapeCheck.holds(op, "samples", samples, rows * width * 3)
        try ShapeCheck.holds(op, "table", tableSlice, table.words.count)
        try ShapeCheck.holds(op, "lut", lut, 3 * 256)
        let total = 3 * size * size
        try ShapeCheck.holds(op, "out", out, total)
        try ShapeCheck.disjoint(op, ("out", out), ("samples", samples))
        try dispatch(
            .resampleColumnsToPatches, [(samples, .read), (tableSlice, .read), (lut, .read), (out, .write)],
            params: [
                UInt32(width), UInt32(table.outputCount), UInt32(table.taps), UInt32(rowOffset), UInt32(size),
                UInt32(patch),
        ], groups: (groups1D(total, local: 64), 1, 1))
    }
}
