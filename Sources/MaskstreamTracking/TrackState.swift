/// Where a track is in its life: `tentative → confirmed → lost → removed`.
///
/// - `tentative`: seen, not yet often enough to be reported by default.
/// - `confirmed`: matched in the latest frame after enough consecutive hits.
/// - `lost`: confirmed before, unmatched lately; kept in memory so the object can
///   come back (occlusion, leaving and re-entering the view) under the same ID.
/// - `removed`: gone for good; its ID is never given out again in this stream.
public enum TrackState: String, Sendable, Hashable, Codable, CaseIterable {
    case tentative
    case confirmed
    case lost
    case removed
}
