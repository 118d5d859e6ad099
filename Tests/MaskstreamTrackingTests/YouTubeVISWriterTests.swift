import Foundation
import Testing
@testable import MaskstreamTracking

@Suite struct YouTubeVISWriterTests {
    @Test func accumulatesTracksWithNullsForAbsentFrames() throws {
        let d1 = rectDetection(x: 0, y: 0, w: 2, h: 2, classId: 4, score: 0.8, height: 4, width: 4)
        let d2 = rectDetection(x: 1, y: 1, w: 2, h: 2, classId: 4, score: 0.6, height: 4, width: 4)
        let flicker = rectDetection(x: 1, y: 1, w: 2, h: 2, classId: 9, score: 0.5, height: 4, width: 4)
        var writer = YouTubeVISWriter()
        try writer.append(videoId: 3, frameIndex: 0, instances: [TrackedInstance(trackId: 1, detection: d1, state: .confirmed)])
        try writer.append(videoId: 3, frameIndex: 1, instances: [])
        try writer.append(videoId: 3, frameIndex: 2, instances: [TrackedInstance(trackId: 1, detection: d2, state: .confirmed),
                                                                 TrackedInstance(trackId: 2, detection: flicker, state: .confirmed)])
        try writer.append(videoId: 3, frameIndex: 3, instances: [])
        let results = writer.results
        #expect(results.count == 2)
        #expect(results[0].videoId == 3)
        #expect(results[0].categoryId == 4)
        #expect(abs(results[0].score - 0.7) < 1e-6)
        #expect(results[0].segmentations == [d1.rle, nil, d2.rle, nil])
        #expect(results[1].segmentations == [nil, nil, flicker.rle, nil])

        let json = try JSONSerialization.jsonObject(with: writer.data()) as? [[String: Any]]
        let first = try #require(json?.first)
        #expect(first["video_id"] as? Int == 3)
        #expect(first["category_id"] as? Int == 4)
        let segs = try #require(first["segmentations"] as? [Any])
        #expect(segs.count == 4)
        #expect(segs[1] is NSNull)
        let rle = try #require(segs[0] as? [String: Any])
        #expect(rle["size"] as? [Int] == [4, 4])
        #expect(rle["counts"] as? String == d1.rle.compressedCounts)
    }

    @Test func majorityClassBySummedScore() throws {
        var writer = YouTubeVISWriter()
        for (f, cls) in [1, 1, 2].enumerated() {
            let d = rectDetection(x: 0, y: 0, classId: cls, score: cls == 2 ? 0.9 : 0.5)
            try writer.append(videoId: 1, frameIndex: f, instances: [TrackedInstance(trackId: 5, detection: d, state: .confirmed)])
        }
        #expect(writer.results.first?.categoryId == 1)
    }

    @Test func rejectsBadInput() {
        var writer = YouTubeVISWriter()
        let d = rectDetection(x: 0, y: 0)
        #expect(throws: MaskstreamError.self) { try writer.append(videoId: 1, frameIndex: -1, instances: []) }
        #expect(throws: MaskstreamError.self) {
            try writer.append(videoId: 1, frameIndex: 0, instances: [TrackedInstance(trackId: 1, detection: d, state: .confirmed),
                                                                     TrackedInstance(trackId: 1, detection: d, state: .confirmed)])
        }
    }
}
