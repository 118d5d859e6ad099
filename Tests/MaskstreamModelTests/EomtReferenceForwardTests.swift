import Foundation
import MaskstreamMasks
import Testing
@testable import MaskstreamModel

/// Checks one forward pass's outputs against transformers' on the same weights and frame:
/// logits (max |Δ| ≤ 1e-3), query-embedding norm, and post-processed instances (same
/// queries and classes, scores within 1e-3, mask IoU ≥ 0.99).
func expectMatchesGolden(_ model: EomtModel, _ fx: GoldenFixture, _ out: EomtRawOutput,
                         resized: (height: Int, width: Int), sourceLocation: SourceLocation = #_sourceLocation) throws {
    let classRef = try fx.floats("class_logits.f32")
    #expect(classRef.count == fx.meta.class_logits_shape.reduce(1, *), sourceLocation: sourceLocation)
    #expect(maxAbsDiff(out.classLogits, classRef) <= 1e-3, sourceLocation: sourceLocation)
    let m = model.config.maskSize
    #expect(fx.meta.mask_logits_shape == [model.config.numQueries, m, m], sourceLocation: sourceLocation)
    let mine = subsample(out.maskLogits, planes: model.config.numQueries, side: m, stride: fx.meta.mask_stride)
    #expect(maxAbsDiff(mine, try fx.floats("mask_logits.f32")) <= 1e-3, sourceLocation: sourceLocation)
    #expect(
        out.queryEmbeddings.count == model.config.numQueries * model.config.hiddenSize, sourceLocation: sourceLocation)
    let norm = out.queryEmbeddings.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
    #expect(
        abs(norm - fx.meta.last_hidden_query_l2) <= 1e-4 * fx.meta.last_hidden_query_l2, sourceLocation: sourceLocation)

    let h = fx.meta.frame_height, w = fx.meta.frame_width
    let found = try model.postprocessor.instances(out, frameHeight: h, frameWidth: w, resized: resized,
                                                  threshold: Float(fx.meta.threshold), topK: nil)
    #expect(found.map(\.queryIndex) == fx.meta.segments.map(\.query), sourceLocation: sourceLocation)
    #expect(found.map(\.classId) == fx.meta.segments.map(\.label_id), sourceLocation: sourceLocation)
    for (mine, ref) in zip(found, fx.meta.segments) {
        #expect(abs(Double(mine.score) - ref.score) <= 1e-3, sourceLocation: sourceLocation)
        #expect(mine.label == model.config.labels[ref.label_id], sourceLocation: sourceLocation)
        #expect(mine.mask.count == h * w, sourceLocation: sourceLocation)
        #expect(mine.embedding.count == model.config.hiddenSize, sourceLocation: sourceLocation)
    }
    let masks = try fx.bytes("masks.u8")
    #expect(masks.count == fx.meta.num_masks * h * w, sourceLocation: sourceLocation)
    for i in 0..<min(fx.meta.num_masks, found.count) {
        let ref = Array(masks[(i * h * w)..<((i + 1) * h * w)])
        #expect(maskIoU(found[i].mask, ref) >= 0.99, "instance \(i) of \(fx.name)", sourceLocation: sourceLocation)
    }
}

/// The CPU reference forward against transformers' outputs on the same weights and frame.
@Suite struct EomtReferenceForwardTests {
    @Test(arguments: GoldenFixture.names)
    func matchesTransformers(_ name: String) throws {
        let fx = try GoldenFixture(name)
        let model = try EomtModel(folder: fx.modelFolder, device: nil)
        #expect(!model.usesGPU)
        let (pixels, resized) = try model.preprocessor.pixelValues(rgb: try fx.frame, width: fx.meta.frame_width,
                                                                   height: fx.meta.frame_height)
        try expectMatchesGolden(model, fx, try model.reference.forward(pixels: pixels), resized: resized)
    }

    /// `submit` → `collect` is preprocessing + forward + post-processing, and top-k keeps the best.
    @Test func submitAndCollectComposeTheStages() throws {
        let fx = try GoldenFixture("tiny_gelu")
        let (w, h) = (fx.meta.frame_width, fx.meta.frame_height)
        func segments(topK: Int?) throws -> [Segment] {
            let options = SegmenterOptions(threshold: Float(fx.meta.threshold), topK: topK)
            let model = try EomtModel(folder: fx.modelFolder, device: nil, options: options)
            return try model.collect(try model.submit(rgb: try fx.frame, width: w, height: h)).segments
        }
        let all = try segments(topK: nil)
        #expect(all.map(\.queryIndex) == fx.meta.segments.map(\.query))
        #expect(all.allSatisfy { $0.rle.height == h && $0.rle.width == w && $0.bbox == $0.rle.boundingBox })
        let top = try segments(topK: 1)
        #expect(top.count == 1 && top.first?.score == all.map(\.score).max())
        let model = try EomtModel(folder: fx.modelFolder, device: nil)
        #expect(throws: MaskstreamError.self) { _ = try model.submit(rgb: [1, 2, 3], width: 5, height: 5) }
        #expect(throws: MaskstreamError.self) {
            _ = try EomtModel(folder: fx.modelFolder, device: nil, options: SegmenterOptions(topK: -1))
        }
    }
}
