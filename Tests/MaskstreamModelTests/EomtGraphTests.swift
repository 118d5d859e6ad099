import Foundation
import MaskstreamGPU
import Testing
@testable import MaskstreamModel

/// One validated Vulkan device (lavapipe on CI) shared by the model's GPU tests.
enum ModelTestDevice {
    private static let result: Result<VulkanDevice, any Error> = Result { try VulkanDevice(validation: .ifAvailable) }
    static func get() throws -> VulkanDevice { try result.get() }
}

/// The Vulkan forward pass against transformers' outputs.
@Suite(.serialized) struct EomtGraphTests {
    @Test(arguments: GoldenFixture.names)
    func matchesTransformers(_ name: String) throws {
        let fx = try GoldenFixture(name)
        let device = try ModelTestDevice.get()
        let model = try EomtModel(folder: fx.modelFolder, device: nil)
        let graph = try EomtGraph(config: model.config, weights: model.weights, device: device)
        let (pixels, resized) = try model.preprocessor.pixelValues(rgb: try fx.frame, width: fx.meta.frame_width,
                                                                   height: fx.meta.frame_height)
        let out = try graph.forward(pixels: pixels)
        try expectMatchesGolden(model, fx, out, resized: resized)
        // A second submit of the recorded pass gives the same result.
        if model.config.numPatches < 1000 {
            #expect(try graph.forward(pixels: pixels).classLogits == out.classLogits)
        }
        if let monitor = device.validation { #expect(monitor.errorCount == 0, "\(monitor.recentErrors)") }
    }
}

/// Both attention formulations give transformers' logits; the long-sequence COCO-shaped model
/// runs the one the main tests do not use on this device.
@Suite(.serialized) struct EomtGraphAttentionVariantTests {
    static let cases: [(String, AttentionVariant)] = {
        let variants = AttentionVariant.allCases
        let preferred = (try? ModelTestDevice.get())?.kernelProfile.attention
        return variants.map { ("tiny_gelu", $0) }
            + variants.filter { $0 != preferred }.map { ("coco_small_shaped_f16", $0) }
    }()

    @Test(arguments: cases)
    func attentionVariantMatchesTransformers(_ name: String, _ variant: AttentionVariant) throws {
        try expectLogitsMatchTransformers(name, device: try ModelTestDevice.get(), attention: variant)
    }
}

/// The fixture's model on `device` with `attention` gives transformers' class and mask logits
/// within 1e-3.
private func expectLogitsMatchTransformers(_ name: String, device: VulkanDevice, attention: AttentionVariant,
                                           sourceLocation: SourceLocation = #_sourceLocation) throws {
    let fx = try GoldenFixture(name)
    let model = try EomtModel(folder: fx.modelFolder, device: nil)
    let gpu = try EomtGraph(config: model.config, weights: model.weights, device: device, attention: attention)
    let (pixels, _) = try model.preprocessor.pixelValues(rgb: try fx.frame, width: fx.meta.frame_width,
                                                         height: fx.meta.frame_height)
    let out = try gpu.forward(pixels: pixels)
    #expect(maxAbsDiff(out.classLogits, try fx.floats("class_logits.f32")) <= 1e-3, sourceLocation: sourceLocation)
    let m = model.config.maskSize
    let mine = subsample(out.maskLogits, planes: model.config.numQueries, side: m, stride: fx.meta.mask_stride)
    #expect(maxAbsDiff(mine, try fx.floats("mask_logits.f32")) <= 1e-3, sourceLocation: sourceLocation)
}

/// Every kernel profile gives transformers' logits: each linear variant (and with it the weight
/// layout and the attention plan: batched heads for `texels`, per head otherwise) with each row
/// reduction, on a device of its own whose profile the cases set in turn.
@Suite(.serialized) struct EomtGraphKernelProfileTests {
    private static let device = Result { try VulkanDevice(validation: .ifAvailable) }

    @Test(arguments: LinearVariant.allCases, RowReduction.allCases)
    func profileMatchesTransformers(_ linear: LinearVariant, _ reduction: RowReduction) throws {
        let device = try Self.device.get()
        var profile = KernelProfile(device: device.info)
        profile.linear = linear
        profile.rowReduction = reduction
        if !device.info.supportsBufferDeviceAddress, linear == .lanes || reduction == .lanes { return }
        device.kernelProfile = profile
        try expectLogitsMatchTransformers("tiny_gelu", device: device, attention: .matmul)
        if let monitor = device.validation { #expect(monitor.errorCount == 0, "\(monitor.recentErrors)") }
    }
}
