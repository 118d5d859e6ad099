/// A detection with the track it was assigned to in the current frame.
public struct TrackedInstance: Sendable, Hashable {
    /// The stable track ID (≥ 1, never reused within a stream).
    public var trackId: Int
    /// The detection matched to the track in this frame.
    public var detection: Detection
    /// The track's state after this frame (`confirmed`, or `tentative` when asked for).
    public var state: TrackState
    /// The best score of the track's detections so far, this frame's included.
    public var trackScore: Float

    public init(trackId: Int, detection: Detection, state: TrackState, trackScore: Float? = nil) {
        self.trackId = trackId
        self.detection = detection
        self.state = state
        self.trackScore = trackScore ?? detection.score
    }
}
