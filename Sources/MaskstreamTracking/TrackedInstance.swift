/// A detection with the track it was assigned to in the current frame.
public struct TrackedInstance: Sendable, Hashable {
    /// The stable track ID (≥ 1, never reused within a stream).
    public var trackId: Int
    /// The detection matched to the track in this frame.
    public var detection: Detection
    /// The track's state after this frame (`confirmed`, or `tentative` when asked for).
    public var state: TrackState

    public init(trackId: Int, detection: Detection, state: TrackState) {
        self.trackId = trackId
        self.detection = detection
        self.state = state
    }
}
