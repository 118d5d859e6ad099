import Foundation
import Testing
@testable import MaskstreamTracking

@Suite struct MOTSWriterTests {
    @Test func writesOneLinePerInstanceInMOTSLayout() {
        let a = rectDetection(x: 0, y: 0, w: 2, h: 2, classId: 3, height: 4, width: 4)
        let b = rectDetection(x: 2, y: 2, w: 2, h: 2, classId: 1, height: 4, width: 4)
        var writer = MOTSWriter()
        writer.append(frameIndex: 0, instances: [TrackedInstance(trackId: 7, detection: a, state: .confirmed)])
        writer.append(frameIndex: 1, instances: [])
        writer.append(frameIndex: 2, instances: [TrackedInstance(trackId: 7, detection: a, state: .confirmed),
                                                 TrackedInstance(trackId: 9, detection: b, state: .confirmed)])
        let lines = writer.text.split(separator: "\n").map(String.init)
        #expect(lines == [
            "1 7 3 4 4 \(a.rle.compressedCounts)",
            "3 7 3 4 4 \(a.rle.compressedCounts)",
            "3 9 1 4 4 \(b.rle.compressedCounts)",
        ])
        #expect(writer.lineCount == 3)
        #expect(String(decoding: writer.data, as: UTF8.self) == writer.text)
    }

    @Test func fixedClassAndFrameBase() {
        var writer = MOTSWriter(frameNumberBase: 0, fixedClassId: 2)
        writer.append(frameIndex: 5, instances: [TrackedInstance(trackId: 1, detection: rectDetection(x: 1, y: 1, classId: 9), state: .confirmed)])
        #expect(writer.text.hasPrefix("5 1 2 64 128 "))
    }

    @Test func resolveOverlapsGivesSharedPixelsToTheHigherScore() {
        let low = rectDetection(x: 0, y: 0, w: 4, h: 4, score: 0.6, height: 8, width: 8)
        let high = rectDetection(x: 2, y: 2, w: 4, h: 4, score: 0.9, height: 8, width: 8)
        let instances = [TrackedInstance(trackId: 1, detection: low, state: .confirmed),
                         TrackedInstance(trackId: 2, detection: high, state: .confirmed)]
        let masks = MOTSWriter.disjoint(instances)
        #expect(masks[1] == high.rle)
        #expect(masks[0].area == 16 - 4)
        #expect(masks[0].intersectionArea(masks[1]) == 0)
        var writer = MOTSWriter(resolveOverlaps: true)
        writer.append(frameIndex: 0, instances: instances)
        #expect(writer.text.contains(masks[0].compressedCounts))
    }
}
