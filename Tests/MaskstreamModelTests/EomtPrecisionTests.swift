import Foundation
import MaskstreamGPU
import Testing
@testable import MaskstreamModel

/// `model.precision: fp16`: linear weights stored as halves on the device.
@Suite(.serialized) struct EomtPrecisionTests {
    /// Checkpoints saved in fp16 or bf16 lose nothing in fp16 storage (bf16's 8-bit mantissa
    /// fits fp16's 10 bits at weight magnitudes), so the fp16 graph meets the same parity bound
    /// against transformers as fp32, through every weight of the pass (patch embedding, layers,
    /// heads, upscale taps), with the linear weights' device memory halved.
    @Test(arguments: ["tiny_swiglu_bf16", "coco_small_shaped_f16"])
    func halfPrecisionCheckpointsKeepTransformersParity(_ name: String) throws {
        let fx = try GoldenFixture(name)
        // A device of its own: its memory count sees no other test's buffers.
        let device = try VulkanDevice(validation: .ifAvailable)
        let model = try EomtModel(folder: fx.modelFolder, device: nil)
        let before = device.memoryInUse.current
        let full = try EomtGraph(config: model.config, weights: model.weights, device: device)
        let fullBytes = device.memoryInUse.current - before
        let half = try EomtGraph(config: model.config, weights: model.weights, device: device, precision: .fp16)
        let halfBytes = device.memoryInUse.current - before - fullBytes
        let (pixels, resized) = try model.preprocessor.pixelValues(rgb: try fx.frame, width: fx.meta.frame_width,
                                                                   height: fx.meta.frame_height)
        let out = try half.forward(pixels: pixels)
        try expectMatchesGolden(model, fx, out, resized: resized)
        // Same pass, same weights after rounding: the fp32 graph's logits to float rounding.
        let reference = try full.forward(pixels: pixels)
        #expect(maxAbsDiff(out.classLogits, reference.classLogits) <= 1e-4)
        // Linear weights are most of the parameters, so fp16 saves at least a third of the graph's
        // weight bytes; the lanes' activations are the same in both.
        let c = model.config
        let linear = c.numHiddenLayers * (4 * c.hiddenSize * c.hiddenSize + 2 * c.hiddenSize * c.mlpHiddenSize
            * (c.useSwiGLU ? 3 : 2) / 2)
        #expect(fullBytes - halfBytes >= 2 * linear, "fp32 \(fullBytes) B, fp16 \(halfBytes) B")
        if let monitor = device.validation { #expect(monitor.errorCount == 0, "\(monitor.recentErrors)") }
    }

    /// `auto` stores fp16 only where nothing is rounded: an all-F16 checkpoint on a device that
    /// reads fp16 weights; F32 and BF16 checkpoints, and devices without fp16, get fp32.
    @Test(arguments: [("coco_small_shaped_f16", ModelPrecision.fp16), ("tiny_gelu", .fp32), ("tiny_swiglu_bf16", .fp32)])
    func autoPicksHalvesOnlyForHalfCheckpoints(_ name: String, _ expected: ModelPrecision) throws {
        let fx = try GoldenFixture(name)
        let device = try ModelTestDevice.get()
        #expect(device.kernelProfile.halfWeights)
        let model = try EomtModel(folder: fx.modelFolder, device: device, options: SegmenterOptions(framesInFlight: 1))
        #expect(model.options.precision == .auto)
        #expect(model.precision == expected)
        let without = try VulkanDevice()
        without.kernelProfile.halfWeights = false
        #expect(try EomtGraph(config: model.config, weights: model.weights, device: without, precision: .auto)
            .precision == .fp32)
    }

    /// A device whose kernels cannot read fp16 weights refuses `fp16` with a `config` error that
    /// names the key, and builds the fp32 graph as before.
    @Test func deviceWithoutHalfWeightsRefusesFP16() throws {
        let fx = try GoldenFixture("tiny_gelu")
        let device = try VulkanDevice()
        device.kernelProfile.halfWeights = false
        let model = try EomtModel(folder: fx.modelFolder, device: nil)
        do {
            _ = try EomtGraph(config: model.config, weights: model.weights, device: device, precision: .fp16)
            Issue.record("fp16 was accepted on a device without fp16 weights")
        } catch let error as MaskstreamError {
            #expect(error.code == .config)
            #expect(error.message.contains("model.precision"))
        }
        _ = try EomtGraph(config: model.config, weights: model.weights, device: device, precision: .fp32)
    }
}
