import Foundation
import MaskstreamGPU
import MaskstreamMasks
import Testing
@testable import MaskstreamModel

/// A deterministic RGB8 test frame with edges, gradients and noise.
private func testFrame(width: Int, height: Int, seed: UInt64) -> [UInt8] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1
    var out = [UInt8](repeating: 0, count: width * height * 3)
    for y in 0..<height {
        for x in 0..<width {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let noise = Int(state >> 59)
            let (dx, dy, r) = (x - width / 2, y - height / 3, min(width, height) / 3)
            let inside = dx * dx + dy * dy < r * r
            out[(y * width + x) * 3] = UInt8((x * 255 / max(width - 1, 1) + noise) & 255)
            out[(y * width + x) * 3 + 1] = inside ? 230 : UInt8((y * 200 / max(height - 1, 1)) & 255)
            out[(y * width + x) * 3 + 2] = UInt8(((x / 7 + y / 5) % 2) * 180 + noise)
        }
    }
    return out
}

/// The device frame path (preprocessing, forward, post-processing in one command buffer,
/// several frames in flight) against the host path and transformers.
@Suite(.serialized) struct DeviceFramePathTests {
    /// Device preprocessing writes exactly the host's (Pillow-exact) patch rows, for
    /// downscaling, upscaling, one-axis-only and identity resizes.
    @Test(arguments: [(640, 360), (37, 91), (20, 12), (64, 64), (256, 100), (100, 256), (1001, 333)])
    func preprocessingMatchesHostBitForBit(_ size: (Int, Int)) throws {
        let fx = try GoldenFixture("tiny_gelu")
        let model = try EomtModel(folder: fx.modelFolder, device: nil)
        let gpu = try EomtGraph(config: model.config, weights: model.weights, device: try ModelTestDevice.get())
        let (w, h) = size
        let rgb = testFrame(width: w, height: h, seed: UInt64(w * 1000 + h))
        let pre = model.preprocessor
        let (pixels, resized) = try pre.pixelValues(rgb: rgb, width: w, height: h)
        try gpu.submit(lane: 0, frames: [.init(rgb: rgb, width: w, height: h, resized: resized)],
                           lut: pre.lookupTable())
        let device = try gpu.patches(lane: 0)
        let host = try EomtPreprocessor.patchRows(pixels, config: model.config)
        #expect(device.count >= host.count)
        let mismatches = zip(device, host).filter { $0.0.bitPattern != $0.1.bitPattern }.count
        #expect(mismatches == 0, "\(w)x\(h): \(mismatches) of \(host.count) values differ")
        if let monitor = try ModelTestDevice.get().validation {
            #expect(monitor.errorCount == 0, "\(monitor.recentErrors)")
        }
    }

    /// `submit` → `collect` (all on the device) keeps the same queries as the host
    /// post-processing of the same logits, with identical masks and scores within float
    /// rounding, and matches transformers' kept segments.
    @Test(arguments: GoldenFixture.names)
    func devicePostprocessingMatchesHostAndTransformers(_ name: String) throws {
        let fx = try GoldenFixture(name)
        let threshold = Float(fx.meta.threshold)
        let model = try EomtModel(folder: fx.modelFolder, device: try ModelTestDevice.get(),
                                  options: SegmenterOptions(threshold: threshold))
        let graph = try EomtGraph(config: model.config, weights: model.weights, device: try ModelTestDevice.get())
        let (w, h) = (fx.meta.frame_width, fx.meta.frame_height)
        let rgb = try fx.frame
        let (pixels, resized) = try model.preprocessor.pixelValues(rgb: rgb, width: w, height: h)
        let host = try model.postprocessor.instances(try graph.forward(pixels: pixels), frameHeight: h, frameWidth: w,
                                                     resized: resized, threshold: threshold, topK: nil)
        let device = try model.collect(try model.submit(rgb: rgb, width: w, height: h)).segments
        #expect(device.map(\.queryIndex) == host.map(\.queryIndex))
        #expect(device.map(\.classId) == host.map(\.classId))
        #expect(device.map(\.queryIndex) == fx.meta.segments.map(\.query))
        for (d, c) in zip(device, host) {
            let mask = d.rle.decode()
            #expect(abs(d.score - c.score) <= 1e-4, "query \(d.queryIndex): \(d.score) vs \(c.score)")
            #expect(mask == c.mask,
                    "query \(d.queryIndex): masks differ in \(zip(mask, c.mask).filter { $0 != $1 }.count) pixels")
            #expect(d.rle == RLE(mask: c.mask, height: h, width: w))
            #expect(d.embedding == c.embedding)
        }
        for (d, ref) in zip(device, fx.meta.segments) { #expect(abs(Double(d.score) - ref.score) <= 1e-3) }
        let masks = try fx.bytes("masks.u8")
        for i in 0..<min(fx.meta.num_masks, device.count) {
            #expect(maskIoU(device[i].rle.decode(), Array(masks[(i * h * w)..<((i + 1) * h * w)])) >= 0.99)
        }
        if let monitor = try ModelTestDevice.get().validation {
            #expect(monitor.errorCount == 0, "\(monitor.recentErrors)")
        }
    }

    /// Three frames (two sizes) submitted before any is collected come back in order, each
    /// equal to the frame run alone; a lane re-records only when its frame size changes.
    @Test func framesInFlightGiveTheSameResultsAsOneAtATime() throws {
        let fx = try GoldenFixture("tiny_gelu")
        let device = try ModelTestDevice.get()
        let threshold: Float = 0.0
        let options = SegmenterOptions(threshold: threshold, framesInFlight: 3)
        let model = try EomtModel(folder: fx.modelFolder, device: device, options: options)
        #expect(model.framesInFlight == 3)
        let (w, h) = (fx.meta.frame_width, fx.meta.frame_height)
        let base = try fx.frame
        var flipped = base
        for y in 0..<h {
            for x in 0..<w { for c in 0..<3 { flipped[(y * w + x) * 3 + c] = base[(y * w + (w - 1 - x)) * 3 + c] } }
        }
        let (w2, h2) = (w / 2 + 3, h - 5)
        var crop = [UInt8](repeating: 0, count: w2 * h2 * 3)
        for y in 0..<h2 {
            for x in 0..<w2 { for c in 0..<3 { crop[(y * w2 + x) * 3 + c] = base[((y + 2) * w + x + 1) * 3 + c] } }
        }
        let frames: [([UInt8], Int, Int)] = [(base, w, h), (flipped, w, h), (crop, w2, h2), (base, w, h)]
        let alone = try frames.map { f in
            let one = try EomtModel(folder: fx.modelFolder, device: device,
                                    options: SegmenterOptions(threshold: threshold, framesInFlight: 1))
            return try one.collect(try one.submit(rgb: f.0, width: f.1, height: f.2)).segments
        }
        // Threshold 0 keeps every non-empty query, so the comparison covers all masks.
        #expect(alone.allSatisfy { !$0.isEmpty })
        #expect(alone[0].map(\.rle) != alone[1].map(\.rle))
        let tickets = try frames.prefix(3).map { try model.submit(rgb: $0.0, width: $0.1, height: $0.2) }
        var results = try tickets.map { try model.collect($0).segments }
        results.append(try model.collect(try model.submit(rgb: frames[3].0, width: frames[3].1, height: frames[3].2))
            .segments)
        for (i, (got, want)) in zip(results, alone).enumerated() {
            #expect(got.map(\.queryIndex) == want.map(\.queryIndex), "frame \(i)")
            #expect(got.map(\.rle) == want.map(\.rle), "frame \(i)")
            #expect(got.map(\.score) == want.map(\.score), "frame \(i)")
        }
        if let monitor = device.validation { #expect(monitor.errorCount == 0, "\(monitor.recentErrors)") }
    }

    @Test func laneRecordsOncePerFrameSize() throws {
        let fx = try GoldenFixture("tiny_gelu")
        let model = try EomtModel(folder: fx.modelFolder, device: nil)
        let gpu = try EomtGraph(config: model.config, weights: model.weights, device: try ModelTestDevice.get())
        let pre = model.preprocessor
        func run(_ w: Int, _ h: Int) throws -> Int {
            let rgb = testFrame(width: w, height: h, seed: 3)
            let resized = try pre.validate(rgbCount: rgb.count, width: w, height: h)
            try gpu.submit(lane: 0, frames: [.init(rgb: rgb, width: w, height: h, resized: resized)],
                           lut: pre.lookupTable())
            _ = try gpu.collect(lane: 0)
            return gpu.dispatchCount(lane: 0)
        }
        let first = try run(64, 48)
        #expect(first > 0)
        #expect(try run(64, 48) == first)
        #expect(try run(48, 64) == first)
        #expect(try run(48, 64) == first)
    }

    @Test func badTicketsAndFramesAreTypedErrors() throws {
        let fx = try GoldenFixture("tiny_gelu")
        let model = try EomtModel(folder: fx.modelFolder, device: try ModelTestDevice.get())
        #expect(throws: MaskstreamError.self) { try model.submit(rgb: [1, 2, 3], width: 2, height: 2) }
        #expect(throws: MaskstreamError.self) {
            try EomtModel(folder: fx.modelFolder, device: try ModelTestDevice.get(),
                          options: SegmenterOptions(framesInFlight: 0))
        }
        // Every collected frame returns its lane: more frames than lanes still go through.
        let rgb = testFrame(width: 32, height: 24, seed: 1)
        for _ in 0..<3 { _ = try model.collect(try model.submit(rgb: rgb, width: 32, height: 24)) }
    }
}
