import Foundation
import MaskstreamGPU
import MaskstreamMasks
import Testing
@testable import MaskstreamModel

/// Frames of one fixture, mirrored and cropped so a batch holds different images and sizes.
private func batchFrames(_ fx: GoldenFixture) throws -> [SegmenterFrame] {
    let (w, h) = (fx.meta.frame_width, fx.meta.frame_height)
    let base = try fx.frame
    var mirrored = base
    for y in 0..<h {
        for x in 0..<w { for c in 0..<3 { mirrored[(y * w + x) * 3 + c] = base[(y * w + (w - 1 - x)) * 3 + c] } }
    }
    let (w2, h2) = (w / 2 + 3, h - 5)
    var crop = [UInt8](repeating: 0, count: w2 * h2 * 3)
    for y in 0..<h2 {
        for x in 0..<w2 { for c in 0..<3 { crop[(y * w2 + x) * 3 + c] = base[((y + 2) * w + x + 1) * 3 + c] } }
    }
    return [SegmenterFrame(rgb: base, width: w, height: h), SegmenterFrame(rgb: mirrored, width: w, height: h),
            SegmenterFrame(rgb: crop, width: w2, height: h2)]
}

private func maxAbs(_ a: [Float], _ b: [Float]) -> Float {
    a.count == b.count ? zip(a, b).map { abs($0 - $1) }.max() ?? 0 : .infinity
}

/// Several frames through one forward pass with a batch dimension give what each frame gives
/// alone: the early layers on the frames' image rows together, the query layers on all rows,
/// attention and the upscale block frame by frame.
@Suite(.serialized) struct BatchedForwardTests {
    /// A batch of three frames (two sizes) equals the three frames run one at a time: the same
    /// queries, identical masks, scores and embeddings within float rounding. Covers register
    /// tokens (tiny_gelu), SwiGLU (tiny_swiglu_bf16) and a 1,600-patch, 200-query model.
    @Test(arguments: GoldenFixture.names)
    func batchEqualsFramesOneAtATime(_ name: String) throws {
        let fx = try GoldenFixture(name)
        let device = try ModelTestDevice.get()
        let threshold = name.hasPrefix("tiny") ? 0 : Float(fx.meta.threshold)
        let frames = try batchFrames(fx)
        let single = try EomtModel(folder: fx.modelFolder, device: device,
                                   options: SegmenterOptions(threshold: threshold, framesInFlight: 1))
        let alone = try frames.map { try single.collect(try single.submit([$0])).segments }
        #expect(alone.allSatisfy { !$0.isEmpty }, "every frame keeps segments, so the comparison covers masks")
        #expect(alone[0].map(\.rle) != alone[1].map(\.rle))

        let batched = try EomtModel(folder: fx.modelFolder, device: device,
                                    options: SegmenterOptions(threshold: threshold, framesInFlight: 2, batch: 3))
        #expect(batched.maxBatch == 3)
        // Two batches in flight, then a smaller one: the lane re-records for the new count.
        let tickets = [try batched.submit(frames), try batched.submit(Array(frames.reversed()))]
        let results = try tickets.map { try batched.collectBatch($0).map(\.segments) }
        let tail = try batched.collectBatch(try batched.submit(Array(frames.prefix(2)))).map(\.segments)
        for (label, got, want) in [("first", results[0], alone), ("reversed", results[1], Array(alone.reversed())),
                                   ("two", tail, Array(alone.prefix(2)))] {
            #expect(got.count == want.count, "\(label)")
            for (i, (g, w)) in zip(got, want).enumerated() {
                #expect(g.map(\.queryIndex) == w.map(\.queryIndex), "\(label) frame \(i)")
                #expect(g.map(\.rle) == w.map(\.rle), "\(label) frame \(i)")
                #expect(maxAbs(g.map(\.score), w.map(\.score)) <= 1e-5, "\(label) frame \(i)")
                #expect(maxAbs(g.flatMap(\.embedding), w.flatMap(\.embedding)) <= 1e-4, "\(label) frame \(i)")
            }
        }
        if let monitor = device.validation { #expect(monitor.errorCount == 0, "\(monitor.recentErrors)") }
    }

    /// The batched graph equals the one-frame graph in every attention plan: batched heads over
    /// strided matmuls (`texels`), one fused kernel, and per head around copies (other linear
    /// kernels), compared on the raw device outputs (class logits, embeddings, mask bits).
    @Test(arguments: [(LinearVariant?.none, AttentionVariant.matmul), (nil, .fused), (.registerBlocked, .matmul)])
    func everyAttentionPlanBatches(_ linear: LinearVariant?, _ attention: AttentionVariant) throws {
        let fx = try GoldenFixture("tiny_gelu")
        let device = try VulkanDevice(validation: .ifAvailable)
        if let linear { device.kernelProfile.linear = linear }
        let model = try EomtModel(folder: fx.modelFolder, device: nil)
        let frames = try batchFrames(fx)
        let inputs = try frames.map { f in
            EomtGraph.FrameInput(rgb: f.rgb, width: f.width, height: f.height,
                                 resized: try model.preprocessor.validate(rgbCount: f.rgb.count, width: f.width,
                                                                          height: f.height))
        }
        let lut = model.preprocessor.lookupTable()
        let one = try EomtGraph(config: model.config, weights: model.weights, device: device, attention: attention)
        let alone = try inputs.map { input in
            try one.submit(lane: 0, frames: [input], lut: lut)
            return try one.collect(lane: 0)[0]
        }
        let many = try EomtGraph(config: model.config, weights: model.weights, device: device, attention: attention,
                                 batch: 3)
        try many.submit(lane: 0, frames: inputs, lut: lut)
        let together = try many.collect(lane: 0)
        #expect(together.count == 3)
        for (i, (g, w)) in zip(together, alone).enumerated() {
            #expect(maxAbs(g.classLogits, w.classLogits) <= 1e-5, "frame \(i)")
            #expect(maxAbs(g.queryEmbeddings, w.queryEmbeddings) <= 1e-5, "frame \(i)")
            #expect(g.maskBits == w.maskBits, "frame \(i)")
            #expect(g.maskAreas == w.maskAreas, "frame \(i)")
        }
        if let monitor = device.validation { #expect(monitor.errorCount == 0, "\(monitor.recentErrors)") }
    }

    /// Batches outside 1...maxBatch and batch sizes outside the range are typed errors; the CPU
    /// reference takes one frame at a time.
    @Test func badBatchesAreTypedErrors() throws {
        let fx = try GoldenFixture("tiny_gelu")
        let device = try ModelTestDevice.get()
        let frames = try batchFrames(fx)
        let model = try EomtModel(folder: fx.modelFolder, device: device, options: SegmenterOptions(batch: 2))
        #expect(throws: MaskstreamError.self) { try model.submit(frames) }
        #expect(throws: MaskstreamError.self) { try model.submit([]) }
        for bad in [0, SegmenterOptions.batchRange.upperBound + 1] {
            #expect(throws: MaskstreamError.self) {
                try EomtModel(folder: fx.modelFolder, device: device, options: SegmenterOptions(batch: bad))
            }
        }
        let host = try EomtModel(folder: fx.modelFolder, device: nil, options: SegmenterOptions(batch: 4))
        #expect(host.maxBatch == 1)
        // A one-frame ticket of a batch model still collects with `collect`.
        #expect(try model.collect(try model.submit([frames[0]])).width == frames[0].width)
        #expect(throws: MaskstreamError.self) { try model.collect(try model.submit(Array(frames.prefix(2)))) }
    }

    /// A batch whose activations would not fit one storage-buffer binding is a config error
    /// naming `model.batch` and the largest batch that fits; that batch is accepted.
    @Test func batchOverTheBindingRangeNamesTheKey() throws {
        let fx = try GoldenFixture("coco_small_shaped_f16")
        let device = try ModelTestDevice.get()
        var config = try EomtModel(folder: fx.modelFolder, device: nil).config
        config.hiddenSize = 2048
        config.numAttentionHeads = 16
        let tokens = config.numQueries + config.numPrefixTokens + config.numPatches
        let perFrame = tokens * max(3 * config.hiddenSize, config.mlpHiddenSize) * 4
        let fits = Int(min(device.info.maxStorageBufferRange, UInt64(Int.max))) / perFrame
        guard fits < SegmenterOptions.batchRange.upperBound else {
            // A device with a range this large takes every batch the key allows.
            try EomtGraph.checkBatch(SegmenterOptions.batchRange.upperBound, config: config, device: device)
            return
        }
        do {
            try EomtGraph.checkBatch(fits + 1, config: config, device: device)
            Issue.record("\(fits + 1) frames of \(perFrame) B fit \(device.info.maxStorageBufferRange) B")
        } catch let error as MaskstreamError {
            #expect(error.code == .config)
            #expect(error.message.contains("model.batch"))
            #expect(error.message.contains("at most \(max(1, fits))"))
        }
        try EomtGraph.checkBatch(max(1, fits), config: config, device: device)
    }
}
