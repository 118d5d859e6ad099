import Foundation
import Testing
@testable import MaskstreamModel

@Suite struct InstancePostprocessorTests {
    /// A hand-made output: query 0 is a confident "dog" whose mask covers the left half, query 1
    /// a confident "cat" with an all-negative mask, query 2 mostly "no object".
    static func synthetic() throws -> (EomtConfig, InstancePostprocessor, EomtRawOutput) {
        let json = #"{"hidden_size":4,"num_hidden_layers":1,"num_attention_heads":1,"num_blocks":1,"num_queries":3,"image_size":8,"patch_size":4,"num_upscale_blocks":1,"id2label":{"0":"cat","1":"dog"}}"#
        let c = try EomtConfig(json: Data(json.utf8))
        let m = c.maskSize  // 4
        var masks = [Float](repeating: -5, count: 3 * m * m)
        for y in 0..<m { for x in 0..<(m / 2) { masks[y * m + x] = 6 } }  // query 0 left half
        for i in 0..<(m * m) { masks[2 * m * m + i] = 3 }  // query 2 everywhere
        let classLogits: [Float] = [0, 8, 0, /**/ 8, 0, 0, /**/ 0, 0, 9]
        let emb = (0..<12).map(Float.init)
        let out = EomtRawOutput(classLogits: classLogits, maskLogits: masks, queryEmbeddings: emb)
        return (c, InstancePostprocessor(config: c, processor: .defaults(imageSize: 8)), out)
    }

    @Test func keepsConfidentNonEmptyQueries() throws {
        let (_, post, out) = try Self.synthetic()
        let found = try post.instances(out, frameHeight: 6, frameWidth: 10, resized: (8, 8), threshold: 0.5, topK: nil)
        #expect(found.map(\.queryIndex) == [0])
        let dog = try #require(found.first)
        #expect(dog.classId == 1 && dog.label == "dog")
        #expect(dog.embedding == [0, 1, 2, 3])
        #expect(dog.mask.count == 60)
        // Left half of every row is set, right half clear.
        for y in 0..<6 {
            #expect(dog.mask[(y * 10)..<(y * 10 + 5)].allSatisfy { $0 == 1 })
            #expect(dog.mask[(y * 10 + 5)..<(y * 10 + 10)].allSatisfy { $0 == 0 })
        }
        // class prob ≈ e^8/(e^8+2) times mean sigmoid over the mask (≤ sigmoid(6)).
        #expect(dog.score > 0.99 * 0.99 && dog.score < 1)
    }

    @Test(arguments: [(Float(0), 2), (0.5, 1), (1.01, 0)])
    func thresholdFilters(_ threshold: Float, _ count: Int) throws {
        let (_, post, out) = try Self.synthetic()
        let found = try post.instances(out, frameHeight: 8, frameWidth: 8, resized: (8, 8), threshold: threshold, topK: nil)
        #expect(found.count == count)
    }

    @Test func topKKeepsBestInQueryOrder() throws {
        let (_, post, out) = try Self.synthetic()
        let all = try post.instances(out, frameHeight: 8, frameWidth: 8, resized: (8, 8), threshold: 0, topK: nil)
        #expect(all.map(\.queryIndex) == [0, 2])
        let best = try post.instances(out, frameHeight: 8, frameWidth: 8, resized: (8, 8), threshold: 0, topK: 1)
        #expect(best.map(\.queryIndex) == [all.max { $0.score < $1.score }!.queryIndex])
        #expect(try post.instances(out, frameHeight: 8, frameWidth: 8, resized: (8, 8), threshold: 0, topK: 0).isEmpty)
    }

    @Test func invalidArgumentsThrow() throws {
        let (_, post, out) = try Self.synthetic()
        #expect(throws: MaskstreamError.self) { _ = try post.instances(out, frameHeight: 0, frameWidth: 8, resized: (8, 8), threshold: 0.5, topK: nil) }
        #expect(throws: MaskstreamError.self) { _ = try post.instances(out, frameHeight: 8, frameWidth: 8, resized: (8, 8), threshold: .nan, topK: nil) }
        #expect(throws: MaskstreamError.self) { _ = try post.instances(out, frameHeight: 8, frameWidth: 8, resized: (8, 8), threshold: 0.5, topK: -1) }
        var short = out
        short.maskLogits.removeLast()
        #expect(throws: MaskstreamError.self) { _ = try post.instances(short, frameHeight: 8, frameWidth: 8, resized: (8, 8), threshold: 0.5, topK: nil) }
    }

    /// With a cropped resize (frame 4×8 → 4×8 inside an 8×8 pad), rows below the crop are ignored.
    @Test func cropIgnoresPadding() throws {
        let (c, post, out0) = try Self.synthetic()
        var out = out0
        let m = c.maskSize
        // Query 0: positive only in the bottom (padded) half.
        for y in 0..<m { for x in 0..<m { out.maskLogits[y * m + x] = y >= m / 2 ? 6 : -6 } }
        let found = try post.instances(out, frameHeight: 4, frameWidth: 8, resized: (4, 8), threshold: 0.5, topK: nil)
        #expect(!found.contains { $0.queryIndex == 0 })
    }
}
