import Foundation
import Testing
@testable import MaskstreamModel

/// The CPU reference forward against transformers' outputs on the same weights and frame.
@Suite struct EomtReferenceForwardTests {
    @Test(arguments: GoldenFixture.names)
    func logitsMatchTransformers(_ name: String) throws {
        let fx = try GoldenFixture(name)
        let model = try EomtModel(folder: fx.modelFolder)
        let (pixels, _) = try model.pixelValues(rgb: try fx.frame, width: fx.meta.frame_width, height: fx.meta.frame_height)
        let out = try model.forward(pixels: pixels)
        let classRef = try fx.floats("class_logits.f32")
        #expect(classRef.count == fx.meta.class_logits_shape.reduce(1, *))
        #expect(maxAbsDiff(out.classLogits, classRef) <= 1e-3)
        let m = model.config.maskSize
        #expect(fx.meta.mask_logits_shape == [model.config.numQueries, m, m])
        let maskRef = try fx.floats("mask_logits.f32")
        let mine = subsample(out.maskLogits, planes: model.config.numQueries, side: m, stride: fx.meta.mask_stride)
        #expect(maxAbsDiff(mine, maskRef) <= 1e-3)
        #expect(out.queryEmbeddings.count == model.config.numQueries * model.config.hiddenSize)
    }

    @Test(arguments: GoldenFixture.names)
    func instancesMatchPostProcess(_ name: String) throws {
        let fx = try GoldenFixture(name)
        let model = try EomtModel(folder: fx.modelFolder)
        let h = fx.meta.frame_height, w = fx.meta.frame_width
        let found = try model.predict(rgb: try fx.frame, width: w, height: h, threshold: Float(fx.meta.threshold), topK: nil)
        #expect(found.map(\.queryIndex) == fx.meta.segments.map(\.query))
        #expect(found.map(\.classId) == fx.meta.segments.map(\.label_id))
        for (mine, ref) in zip(found, fx.meta.segments) {
            #expect(abs(Double(mine.score) - ref.score) <= 1e-3)
            #expect(mine.label == model.config.labels[ref.label_id])
            #expect(mine.mask.count == h * w)
            #expect(mine.embedding.count == model.config.hiddenSize)
        }
        let masks = try fx.bytes("masks.u8")
        #expect(masks.count == fx.meta.num_masks * h * w)
        for i in 0..<min(fx.meta.num_masks, found.count) {
            let ref = Array(masks[(i * h * w)..<((i + 1) * h * w)])
            #expect(maskIoU(found[i].mask, ref) >= 0.99, "instance \(i) of \(name)")
        }
    }
}
