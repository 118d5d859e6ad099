import Foundation
import Testing
@testable import MaskstreamTracking

/// The committed synthetic sequence (tools/tracking_synth.py --fixture): detections
/// with the ground-truth object each came from.
private struct Fixture: Decodable {
    struct Sequence: Decodable { var height: Int; var width: Int; var frames: [[Instance]] }
    struct Instance: Decodable {
        var counts: String
        var `class`: Int
        var score: Float
        var embedding: [Float]
        var gt: Int
    }
    var sequences: [Sequence]
}

@Suite struct SyntheticSequenceTests {
    /// Runs the tracker over the sequence and counts, per ground-truth object, how
    /// often its reported track ID changes, and how many of its detections get one.
    private func evaluate(_ config: TrackerConfig) throws -> (switches: Int, covered: Double, falseTracks: Int) {
        let url = try #require(Bundle.module.url(forResource: "synth_sequence", withExtension: "json", subdirectory: "Fixtures"))
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        let seq = try #require(fixture.sequences.first)
        var tracker = Tracker(config: config)
        var lastId: [Int: Int] = [:]
        var switches = 0
        var gtDetections = 0
        var reported = 0
        var falseTracks = Set<Int>()
        for frame in seq.frames {
            let dets = try frame.map {
                Detection(rle: try RLE(compressed: $0.counts, height: seq.height, width: seq.width),
                          classId: $0.class, score: $0.score, embedding: $0.embedding)
            }
            let out = tracker.update(dets)
            gtDetections += frame.filter { $0.gt >= 0 }.count
            for instance in out {
                guard let i = dets.firstIndex(of: instance.detection) else { continue }
                let gt = frame[i].gt
                if gt < 0 { falseTracks.insert(instance.trackId); continue }
                reported += 1
                if let previous = lastId[gt], previous != instance.trackId { switches += 1 }
                lastId[gt] = instance.trackId
            }
        }
        return (switches, Double(reported) / Double(max(gtDetections, 1)), falseTracks.count)
    }

    @Test func fewIdSwitchesWithEmbeddings() throws {
        var config = TrackerConfig()
        config.reidSimilarity = 0.75
        let r = try evaluate(config)
        #expect(r.switches <= 1)
        #expect(r.covered >= 0.9)
        #expect(r.falseTracks <= 3)
    }

    @Test func fewIdSwitchesWithTheDefaults() throws {
        let r = try evaluate(TrackerConfig())
        #expect(r.switches <= 1)
        #expect(r.covered >= 0.9)
        #expect(r.falseTracks <= 3)
    }

    @Test func fewIdSwitchesWithoutEmbeddings() throws {
        var config = TrackerConfig()
        config.embeddingWeight = 0
        config.reidSimilarity = 2
        let r = try evaluate(config)
        #expect(r.switches <= 1)
        #expect(r.covered >= 0.9)
    }
}
