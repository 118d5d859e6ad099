import Foundation
import MaskstreamGPU
import Testing
@testable import MaskstreamModel

/// One validated Vulkan device (lavapipe on CI) shared by the model's GPU tests.
enum ModelTestDevice {
    private static let result: Result<VulkanDevice, any Error> = Result { try VulkanDevice(validation: .ifAvailable) }
    static func get() throws -> VulkanDevice { try result.get() }
}

/// The Vulkan forward pass against transformers' outputs and against the CPU reference.
@Suite(.serialized) struct EomtGPUForwardTests {
    @Test(arguments: GoldenFixture.names)
    func gpuLogitsMatchTransformers(_ name: String) throws {
        let fx = try GoldenFixture(name)
        let device = try ModelTestDevice.get()
        let model = try EomtModel(folder: fx.modelFolder, device: device)
        #expect(model.usesGPU)
        let (pixels, _) = try model.pixelValues(rgb: try fx.frame, width: fx.meta.frame_width, height: fx.meta.frame_height)
        let out = try model.forward(pixels: pixels)
        #expect(maxAbsDiff(out.classLogits, try fx.floats("class_logits.f32")) <= 1e-3)
        let m = model.config.maskSize
        let mine = subsample(out.maskLogits, planes: model.config.numQueries, side: m, stride: fx.meta.mask_stride)
        #expect(maxAbsDiff(mine, try fx.floats("mask_logits.f32")) <= 1e-3)
        // Query embeddings equal the CPU reference's (they feed the tracker).
        let reference = try model.referenceForward(pixels: pixels)
        #expect(maxAbsDiff(out.queryEmbeddings, reference.queryEmbeddings) <= 1e-3)
        // A second submit of the recorded pass gives the same result.
        let again = try model.forward(pixels: pixels)
        #expect(again.classLogits == out.classLogits)
        if let monitor = device.validation { #expect(monitor.errorCount == 0, "\(monitor.recentErrors)") }
    }

    @Test(arguments: GoldenFixture.names)
    func gpuInstancesMatchPostProcess(_ name: String) throws {
        let fx = try GoldenFixture(name)
        let model = try EomtModel(folder: fx.modelFolder, device: try ModelTestDevice.get())
        let h = fx.meta.frame_height, w = fx.meta.frame_width
        let found = try model.predict(rgb: try fx.frame, width: w, height: h, threshold: Float(fx.meta.threshold), topK: nil)
        #expect(found.map(\.queryIndex) == fx.meta.segments.map(\.query))
        #expect(found.map(\.classId) == fx.meta.segments.map(\.label_id))
        for (mine, ref) in zip(found, fx.meta.segments) { #expect(abs(Double(mine.score) - ref.score) <= 1e-3) }
        let masks = try fx.bytes("masks.u8")
        for i in 0..<min(fx.meta.num_masks, found.count) {
            #expect(maskIoU(found[i].mask, Array(masks[(i * h * w)..<((i + 1) * h * w)])) >= 0.99)
        }
    }
}

/// Both attention formulations give transformers' logits on the 1,805-token COCO-shaped model.
@Suite(.serialized) struct EomtGPUAttentionModeTests {
    @Test(arguments: EomtGPUForward.AttentionMode.allCases)
    func attentionModeMatchesTransformers(_ mode: EomtGPUForward.AttentionMode) throws {
        let fx = try GoldenFixture("coco_small_shaped_f16")
        let model = try EomtModel(folder: fx.modelFolder)
        let gpu = try EomtGPUForward(config: model.config, weights: model.weights, device: try ModelTestDevice.get(), attention: mode)
        let (pixels, _) = try model.pixelValues(rgb: try fx.frame, width: fx.meta.frame_width, height: fx.meta.frame_height)
        let out = try gpu.forward(pixels: pixels)
        #expect(maxAbsDiff(out.classLogits, try fx.floats("class_logits.f32")) <= 1e-3)
        let m = model.config.maskSize
        let mine = subsample(out.maskLogits, planes: model.config.numQueries, side: m, stride: fx.meta.mask_stride)
        #expect(maxAbsDiff(mine, try fx.floats("mask_logits.f32")) <= 1e-3)
    }
}
