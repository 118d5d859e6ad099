import MaskstreamGPU
import Testing
@testable import MaskstreamModel

/// Runs `record` in a fresh sequence, submits, waits.
private func run(_ device: VulkanDevice, _ record: (CommandSequence) throws -> Void) throws {
    let seq = try device.makeSequence()
    try record(seq)
    try seq.submit()
    try seq.wait()
}

/// Expects `body` to throw a `MaskstreamError` with `code`.
private func expectError(_ code: MaskstreamError.Code, sourceLocation: SourceLocation = #_sourceLocation,
                         _ body: () throws -> Void) {
    #expect(sourceLocation: sourceLocation) { try body() } throws: { ($0 as? MaskstreamError)?.code == code }
}

/// The device resampling and mask kernels' argument checks and a hand-checked resize.
/// (Bit-exactness against the Pillow-exact host path is in `DeviceFramePathTests`.)
@Suite(.serialized) struct ImageResampleKernelsTests {
    /// A 4-pixel row halved with weights (0.5, 0.5) per output, and an identity vertical
    /// pass into 2×2 patches of a padded 2×2 input (LUT = value itself).
    @Test func halvesARowAndPadsIntoPatches() throws {
        let device = try ModelTestDevice.get()
        // 4×1 RGB frame: R = 10, 30, 100, 200; G = 0; B = 255.
        let frame: [UInt8] = [10, 0, 255, 30, 0, 255, 100, 0, 255, 200, 0, 255]
        let half = Int32(1 << 21)
        let h = FixedPointResampleTable(entries: [(0, [half, half]), (2, [half, half])])
        let v = FixedPointResampleTable.identity(1)
        let fb = try device.makeBuffer(count: 3)
        try fb.upload(bytes: frame)
        let tables = try device.makeBuffer(count: h.words.count + v.words.count)
        try tables.upload(bytes: h.bytes + v.bytes)
        let samples = try device.makeBuffer(count: 6)
        let lut = try device.makeBuffer((0..<3).flatMap { _ in (0..<256).map { Float($0) } })
        let patches = try device.makeBuffer(count: 12)
        try run(device) { seq in
            try seq.resampleRows(frame: fb.all, width: 4, rowStride: 12, yFirst: 0, rows: 1, table: h,
                                 tableSlice: try tables.slice(offset: 0, count: h.words.count), out: samples.all)
            try seq.resampleColumnsToPatches(samples: samples.all, width: 2, rows: 1, rowOffset: 0, table: v,
                                             tableSlice: try tables.slice(offset: h.words.count, count: v.words.count),
                                             lut: lut.all, size: 2, patch: 2, out: patches.all)
        }
        // (10 + 30) / 2 = 20, (100 + 200) / 2 = 150; the padded second row is LUT[0] = 0.
        #expect(try samples.downloadWords() == [20, 0, 255, 150, 0, 255])
        #expect(try patches.download() == [20, 150, 0, 0, 0, 0, 0, 0, 255, 255, 0, 0])
    }

    @Test func rejectsTablesThatReadOutsideTheFrame() throws {
        let device = try ModelTestDevice.get()
        let seq = try device.makeSequence()
        let fb = try device.makeBuffer(count: 3), out = try device.makeBuffer(count: 64),
            lut = try device.makeBuffer(count: 768)
        let bad = FixedPointResampleTable(entries: [(3, [Int32(1 << 22), 0])])
        let tables = try device.makeBuffer(count: bad.words.count)
        expectError(.invalidInput) {
            try seq.resampleRows(
                frame: fb.all, width: 4, rowStride: 12, yFirst: 0, rows: 1, table: bad, tableSlice: tables.all,
                out: out.all)
        }
        expectError(.invalidInput) {
            try seq.resampleRows(
                frame: fb.all, width: 4, rowStride: 12, yFirst: 0, rows: 2, table: .identity(4), tableSlice: out.all,
                out: out.all)
        }
        expectError(.invalidInput) {
            try seq.resampleColumnsToPatches(samples: out.all, width: 2, rows: 1, rowOffset: 0, table: .identity(2),
                                             tableSlice: tables.all, lut: lut.all, size: 2, patch: 2, out: out.all)
        }
        expectError(.invalidInput) {
            try seq.resampleColumnsToPatches(samples: out.all, width: 3, rows: 3, rowOffset: 0, table: .identity(3),
                                             tableSlice: tables.all, lut: lut.all, size: 4, patch: 3, out: lut.all)
        }
        let words = try device.makeBuffer(count: 8)
        let selection = MaskSelection(list: try words.slice(offset: 0, count: 2),
            arguments: try words.slice(offset: 2, count: 6),
                                      chunk: 1, chunks: 1)
        expectError(.invalidInput) {
            try seq.maskBinarize(
                crop: out.all, taps: lut.all, bits: out.all, partials: lut.all, selection: selection, chunk: 0,
                queries: 1, rh: 2, rw: 2, height: 4, width: 4)
        }
        expectError(.invalidInput) {
            try seq.maskSelect(classLogits: lut.all, queries: 4, classes: 1000, threshold: 0.5, selection: selection,
                               cropGroups: 1, binarizeGroups: 1)
        }
    }
}
