import Foundation
import Testing
@testable import MaskstreamTracking

/// How tracks start: the new-track threshold, confirmation at birth for sure detections,
/// fragments of tracked objects suppressed, and the track score emission is decided on.
@Suite struct TrackerBirthTests {
    @Test(arguments: [(Float(0.9), true), (0.75, false)])
    func sureDetectionsAreReportedFromTheirFirstFrame(score: Float, atBirth: Bool) {
        var tracker = Tracker()
        let first = tracker.update([rectDetection(x: 10, y: 10, score: score)])
        #expect(first.map(\.state) == (atBirth ? [.confirmed] : []))
        let second = tracker.update([rectDetection(x: 11, y: 10, score: score)])
        #expect(second.map(\.trackId) == [1])
    }

    @Test func aSureTrackThatMissesIsLostNotRemoved() {
        var tracker = Tracker()
        _ = tracker.update([rectDetection(x: 10, y: 10, score: 0.95)])
        _ = tracker.update([])
        #expect(tracker.trackStates[1] == .lost)
        #expect(tracker.update([rectDetection(x: 10, y: 10, score: 0.95)]).map(\.trackId) == [1])
    }

    /// A tracked object (40×30) and, from frame 2, a detection of the same class inside its box.
    @Test(arguments: [(1, 0.8, false), (2, 0.8, true), (1, 2.0, true)])
    func fragmentsOfATrackedObjectStartNoTrack(fragmentClass: Int, cover: Double, expectTrack: Bool) {
        var config = TrackerConfig()
        config.duplicateCover = cover
        var tracker = Tracker(config: config)
        for f in 0..<4 {
            var dets = [rectDetection(x: 20 + f, y: 10, w: 40, h: 30, score: 0.95)]
            if f > 0 { dets.append(rectDetection(x: 40 + f, y: 20, w: 8, h: 8, classId: fragmentClass, score: 0.8)) }
            _ = tracker.update(dets)
        }
        #expect(tracker.lastIssuedId == (expectTrack ? 2 : 1))
    }

    @Test func lowScoreFramesCarryTheTracksBestScore() {
        var tracker = Tracker()
        _ = tracker.update([rectDetection(x: 10, y: 10, score: 0.8)])
        let out = tracker.update([rectDetection(x: 11, y: 10, score: 0.3)])
        #expect(out.map(\.trackScore) == [0.8])
        #expect(out.map(\.detection.score) == [0.3])
    }

    @Test func newTrackThresholdBelowTheHighThresholdIsAConfigError() {
        var config = TrackerConfig()
        config.highScoreThreshold = 0.75
        let error = #expect(throws: MaskstreamError.self) { try config.validate() }
        #expect(error?.message.contains("tracker.newTrackScoreThreshold") == true)
    }
}
