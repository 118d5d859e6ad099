import Testing
@testable import MaskstreamPipeline

/// Tracks started and ended, read off emitted records.
@Suite struct TrackChurnTests {
    @Test func startsOnFirstEmissionAndEndsAfterTheGap() {
        var churn = TrackChurn(gap: 2)
        #expect(churn.observe(frame: 0, trackIds: [1, 2]) == (2, 0))
        #expect(churn.observe(frame: 1, trackIds: [1]) == (0, 0))
        #expect(churn.observe(frame: 2, trackIds: [1, 3]) == (1, 0))
        #expect(churn.active == 3)
        // Track 2 was last emitted at frame 0: unseen for 3 > 2 frames, it ends.
        #expect(churn.observe(frame: 3, trackIds: [1]) == (0, 1))
        #expect(churn.active == 2)
        #expect(churn.finish() == 2)
        #expect(churn.active == 0)
    }

    @Test func aTrackBackWithinTheGapIsNotRestarted() {
        var churn = TrackChurn(gap: 5)
        _ = churn.observe(frame: 0, trackIds: [7])
        _ = churn.observe(frame: 4, trackIds: [])
        #expect(churn.observe(frame: 5, trackIds: [7]) == (0, 0))
    }
}
