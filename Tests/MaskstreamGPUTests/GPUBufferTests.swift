import Testing
import MaskstreamTestSupport
@testable import MaskstreamGPU

@Suite struct GPUBufferTests {
    @Test func uploadDownloadRoundTrip() throws {
        let device = try TestDevice.get()
        var rng = SeededRandom(seed: 1)
        let values = rng.floats(1000)
        let buffer = try device.makeBuffer(values)
        #expect(try buffer.download() == values)
        try buffer.upload([7, 8, 9], at: 10)
        #expect(try buffer.download(offset: 9, count: 5) == [values[9], 7, 8, 9, values[13]])
        try TestDevice.expectNoValidationErrors()
    }

    @Test func fillAtUnalignedOffsetTouchesOnlyItsSlice() throws {
        let device = try TestDevice.get()
        let buffer = try device.makeBuffer([Float](repeating: 1, count: 300))
        let slice = try buffer.slice(offset: 37, count: 101)
        try run(device) { try $0.fill(slice, value: -2.5) }
        let out = try buffer.download()
        for i in 0 ..< 300 {
            #expect(out[i] == ((37 ..< 138).contains(i) ? -2.5 : 1), "index \(i)")
        }
        try TestDevice.expectNoValidationErrors()
    }

    @Test(arguments: [(-1, 5), (0, 0), (90, 11), (101, 1), (0, Int.max)])
    func outOfRangeSliceThrowsInvalidInput(offset: Int, count: Int) throws {
        let buffer = try TestDevice.get().makeBuffer(count: 100)
        expectError(.invalidInput) { _ = try buffer.slice(offset: offset, count: count) }
    }

    @Test func oversizedUploadAndZeroSizeThrow() throws {
        let device = try TestDevice.get()
        let buffer = try device.makeBuffer(count: 4)
        expectError(.invalidInput) { _ = try buffer.upload([1, 2, 3], at: 2) }
        expectError(.invalidInput) { _ = try buffer.download(offset: 3, count: 2) }
        expectError(.invalidInput) { _ = try device.makeBuffer(count: 0) }
    }
}

@Suite struct GPUBufferStagingTests {
    /// Discrete GPUs keep buffers unmapped and copy through staging buffers; force that path here.
    @Test func unmappedBufferRoundTripsThroughStaging() throws {
        let device = try TestDevice.get()
        var rng = SeededRandom(seed: 8)
        let values = rng.floats(777)
        let buffer = try GPUBuffer(device: device, count: 800, hostVisible: false, mappable: false)
        try buffer.upload(values, at: 23)
        #expect(try buffer.download(offset: 23, count: 777) == values)
        try run(device) { try $0.add(buffer.slice(offset: 23, count: 777), buffer.slice(offset: 23, count: 777),
                                     y: buffer.slice(offset: 23, count: 777), count: 777) }
        #expect(try buffer.download(offset: 23, count: 777) == values.map { $0 * 2 })
        try buffer.upload(bytes: [1, 0, 0, 0], atByte: 4)
        #expect(try buffer.download(offset: 1, count: 1) == [Float(bitPattern: 1)])
        try TestDevice.expectNoValidationErrors()
    }
}
