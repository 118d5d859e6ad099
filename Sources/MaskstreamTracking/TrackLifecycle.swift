/// The lifecycle of one track as a value-type state machine.
///
/// Each frame the tracker reports a `hit()` (the track was matched) or a
/// `miss()` (it was not), and acts on the returned transition. The machine has
/// no clock and no concurrency, so every path is testable in isolation.
///
/// ```swift
/// var life = TrackLifecycle(confirmHits: 2, maxLostFrames: 30)
/// life.hit()   // .confirmed (second hit, counting the birth)
/// life.miss()  // .lost
/// life.hit()   // .recovered
/// ```
public struct TrackLifecycle: Sendable, Hashable {
    /// What a `hit()` or `miss()` changed.
    public enum Transition: Sendable, Hashable {
        /// The state is unchanged.
        case none
        /// A tentative track had enough hits and became confirmed.
        case confirmed
        /// A confirmed track went unmatched and is now lost.
        case lost
        /// A lost track was matched again and is confirmed.
        case recovered
        /// The track is removed (a tentative miss, or lost for too long).
        case removed
    }

    /// The current state.
    public private(set) var state: TrackState
    /// Consecutive frames matched, counting the frame the track was born in.
    public private(set) var hitStreak: Int
    /// Consecutive frames unmatched (0 when matched in the latest frame).
    public private(set) var framesSinceSeen: Int
    /// Consecutive hits a tentative track needs to become confirmed.
    public let confirmHits: Int
    /// Frames a lost track is remembered before removal.
    public let maxLostFrames: Int

    /// A new track, born from a detection in the current frame (one hit).
    ///
    /// With `confirmHits <= 1` it starts confirmed.
    public init(confirmHits: Int, maxLostFrames: Int) {
        self.confirmHits = max(1, confirmHits)
        self.maxLostFrames = max(0, maxLostFrames)
        hitStreak = 1
        framesSinceSeen = 0
        state = self.confirmHits <= 1 ? .confirmed : .tentative
    }

    /// The track was matched in this frame.
    @discardableResult
    public mutating func hit() -> Transition {
        guard state != .removed else { return .none }
        let wasLost = state == .lost
        hitStreak = wasLost ? 1 : hitStreak + 1
        framesSinceSeen = 0
        if wasLost {
            state = .confirmed
            return .recovered
        }
        if state == .tentative && hitStreak >= confirmHits {
            state = .confirmed
            return .confirmed
        }
        return .none
    }

    /// The track was not matched in this frame.
    ///
    /// A confirmed track was seen in the previous frame (`framesSinceSeen` is 0),
    /// so one miss makes it lost, or removed when `maxLostFrames` is 0.
    @discardableResult
    public mutating func miss() -> Transition {
        guard state != .removed else { return .none }
        hitStreak = 0
        framesSinceSeen += 1
        if state == .tentative || framesSinceSeen > maxLostFrames {
            state = .removed
            return .removed
        }
        if state == .confirmed {
            state = .lost
            return .lost
        }
        return .none
    }
}
