import Foundation
import Testing
@testable import MaskstreamPipeline

/// The Track stage gives the tracker one mask per pixel: overlaps go to the higher score.
@Suite struct TrackStageOverlapsTests {
    /// A filled rectangle on a 20 × 30 canvas.
    func rect(_ x: Int, _ y: Int, _ w: Int, _ h: Int) -> RLE {
        var mask = [UInt8](repeating: 0, count: 20 * 30)
        for r in y..<(y + h) { for c in x..<(x + w) { mask[r * 30 + c] = 1 } }
        return RLE(mask: mask, height: 20, width: 30)
    }

    func segment(_ rle: RLE, score: Float, query: Int) -> Segment {
        Segment(rle: rle, classId: 0, label: "a", score: score, embedding: [1, 0], queryIndex: query)
    }

    @Test func sharedPixelsGoToTheHigherScoreAndRemnantsAreDropped() {
        let low = segment(rect(0, 0, 10, 10), score: 0.3, query: 0)       // overlaps high on 10×5 pixels
        let high = segment(rect(0, 5, 10, 10), score: 0.9, query: 1)
        let remnant = segment(rect(2, 6, 4, 4), score: 0.2, query: 2)    // inside high: nothing left
        let edge = segment(rect(0, 14, 12, 2), score: 0.5, query: 3)     // shares high's last row, 10 px
        let out = TrackStage.disjoint([low, high, remnant, edge])
        #expect(out.map(\.queryIndex) == [0, 1, 3])
        #expect(out[1].rle == high.rle, "the highest score keeps its mask")
        #expect(out[0].rle == rect(0, 0, 10, 5) && out[0].bbox == BoundingBox(x: 0, y: 0, width: 10, height: 5))
        #expect(out[2].rle.area == 2 + 12, "edge keeps only what high does not have")
        #expect(out[2].rle.area >= TrackStage.minimumArea)
    }

    @Test func disjointSegmentsAreUntouched() {
        let a = segment(rect(0, 0, 5, 5), score: 0.3, query: 0)
        let b = segment(rect(10, 10, 5, 5), score: 0.9, query: 1)
        #expect(TrackStage.disjoint([a, b]) == [a, b])
    }
}
