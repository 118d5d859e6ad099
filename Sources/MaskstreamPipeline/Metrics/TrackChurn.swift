/// Tracks started and ended in one stream, read off its emitted records: a track starts when
/// its ID is first emitted and ends once it has not been emitted for more than `gap` frames
/// (or when the stream ends). IDs are never reused within a stream, so each ID starts once.
///
/// ```swift
/// var churn = TrackChurn(gap: 30)
/// let (started, ended) = churn.observe(frame: 12, trackIds: [3, 4])
/// let last = churn.finish()   // tracks still open when the stream ends
/// ```
///
/// - Complexity: O(*t*) per frame for *t* open tracks.
struct TrackChurn: Sendable {
    let gap: Int
    private var lastSeen: [Int: Int] = [:]

    init(gap: Int) { self.gap = max(0, gap) }

    /// Tracks emitted within the last `gap` frames.
    var active: Int { lastSeen.count }

    /// Takes one frame's emitted track IDs; returns how many tracks started and ended with it.
    mutating func observe(frame: Int, trackIds: [Int]) -> (started: Int, ended: Int) {
        var started = 0
        for id in trackIds {
            if lastSeen.updateValue(frame, forKey: id) == nil { started += 1 }
        }
        let before = lastSeen.count
        lastSeen = lastSeen.filter { frame - $0.value <= gap }
        return (started, before - lastSeen.count)
    }

    /// Ends every open track (the stream ended); returns how many.
    mutating func finish() -> Int {
        defer { lastSeen.removeAll() }
        return lastSeen.count
    }
}
