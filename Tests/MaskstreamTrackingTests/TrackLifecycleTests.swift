import Testing
@testable import MaskstreamTracking

@Suite struct TrackLifecycleTests {
    /// Event strings: "h" hit, "m" miss; expected state after the whole sequence.
    @Test(arguments: [
        ("", TrackState.tentative),
        ("h", .confirmed),
        ("m", .removed),
        ("hm", .lost),
        ("hmh", .confirmed),
        ("hmmm", .lost),
        ("hmmmm", .removed),
        ("hmmmmh", .removed),
        ("hmmmh", .confirmed),
        ("hhhhm", .lost),
    ])
    func transitions(events: String, expected: TrackState) {
        var life = TrackLifecycle(confirmHits: 2, maxLostFrames: 3)
        for e in events {
            if e == "h" { life.hit() } else { life.miss() }
        }
        #expect(life.state == expected)
    }

    @Test func reportsEachTransitionOnce() {
        var life = TrackLifecycle(confirmHits: 3, maxLostFrames: 1)
        #expect(life.hit() == .none)
        #expect(life.hit() == .confirmed)
        #expect(life.hit() == .none)
        #expect(life.miss() == .lost)
        #expect(life.hit() == .recovered)
        #expect(life.miss() == .lost)
        #expect(life.miss() == .removed)
        #expect(life.hit() == .none)
        #expect(life.state == .removed)
    }

    @Test func confirmHitsOfOneConfirmsAtBirth() {
        #expect(TrackLifecycle(confirmHits: 1, maxLostFrames: 5).state == .confirmed)
        #expect(TrackLifecycle(confirmHits: 0, maxLostFrames: 5).state == .confirmed)
    }

    @Test func zeroMemoryRemovesOnFirstMiss() {
        var life = TrackLifecycle(confirmHits: 1, maxLostFrames: 0)
        #expect(life.miss() == .removed)
    }

    @Test func countsFramesSinceSeen() {
        var life = TrackLifecycle(confirmHits: 1, maxLostFrames: 10)
        life.miss(); life.miss()
        #expect(life.framesSinceSeen == 2)
        life.hit()
        #expect(life.framesSinceSeen == 0)
        #expect(life.hitStreak == 1)
    }
}
