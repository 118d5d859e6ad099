/// The tracker's parameters, with defaults that suit EoMT-style instance output.
///
/// Every key is optional when decoding, so a pipeline YAML can set any subset:
///
/// ```yaml
/// tracker:
///   maxLostFrames: 60
///   embeddingWeight: 0.5
/// ```
///
/// Association cost of a track and a detection is
/// `1 - (iouWeight·IoU + embeddingWeight·cos⁺ + classWeight·classAgreement) / (sum of weights used)`,
/// where IoU is the larger of the mask IoU with the track's last mask and the box
/// IoU with its motion-predicted box, `cos⁺` is the clamped cosine similarity of
/// query embeddings (left out when either side has none), and class agreement is
/// the share of the track's score-weighted class votes held by the detection's class.
public struct TrackerConfig: Codable, Sendable, Hashable {
    /// Detections scoring at least this take part in the first association and may start tracks.
    public var highScoreThreshold: Float = 0.5
    /// Detections scoring in `[lowScoreThreshold, highScoreThreshold)` only extend
    /// existing tracks in a second pass (ByteTrack); lower ones are ignored.
    public var lowScoreThreshold: Float = 0.1
    /// A high-score detection left unmatched starts a new track when it scores at least this.
    public var newTrackScoreThreshold: Float = 0.6
    /// Weight of spatial overlap (mask or predicted-box IoU) in the cost.
    public var iouWeight: Double = 0.5
    /// Weight of query-embedding cosine similarity in the cost.
    public var embeddingWeight: Double = 0.35
    /// Weight of class agreement in the cost.
    public var classWeight: Double = 0.15
    /// A pair is admissible in the first pass when its IoU reaches this...
    public var minIoU: Double = 0.1
    /// ...or, for a lost track, when its embedding similarity reaches this (re-identification).
    public var reidSimilarity: Double = 0.75
    /// Pairs costing this much or more are never matched.
    public var maxCost: Double = 0.75
    /// Minimum IoU for the second pass (low-score detections against recently seen tracks).
    public var lowScoreMinIoU: Double = 0.3
    /// Consecutive hits before a track is confirmed (1 confirms at birth).
    public var confirmHits: Int = 2
    /// Frames a lost track is remembered for re-entry before its removal.
    public var maxLostFrames: Int = 30
    /// Weight of the past in the track's running embedding (0 keeps only the latest).
    public var embeddingMomentum: Double = 0.9
    /// Whether to predict each track's box with a constant-velocity model.
    public var predictMotion: Bool = true
    /// Whether `update` also returns tentative tracks matched in the frame.
    public var outputTentative: Bool = false

    /// The defaults.
    public init() {}

    private enum CodingKeys: String, CodingKey {
        case highScoreThreshold, lowScoreThreshold, newTrackScoreThreshold
        case iouWeight, embeddingWeight, classWeight
        case minIoU, reidSimilarity, maxCost, lowScoreMinIoU
        case confirmHits, maxLostFrames, embeddingMomentum, predictMotion, outputTentative
    }

    /// Decodes any subset of the keys; missing keys keep their defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var d = TrackerConfig()
        func take<T: Decodable>(_ key: CodingKeys, _ path: WritableKeyPath<TrackerConfig, T>) throws {
            if let value = try c.decodeIfPresent(T.self, forKey: key) { d[keyPath: path] = value }
        }
        try take(.highScoreThreshold, \.highScoreThreshold)
        try take(.lowScoreThreshold, \.lowScoreThreshold)
        try take(.newTrackScoreThreshold, \.newTrackScoreThreshold)
        try take(.iouWeight, \.iouWeight)
        try take(.embeddingWeight, \.embeddingWeight)
        try take(.classWeight, \.classWeight)
        try take(.minIoU, \.minIoU)
        try take(.reidSimilarity, \.reidSimilarity)
        try take(.maxCost, \.maxCost)
        try take(.lowScoreMinIoU, \.lowScoreMinIoU)
        try take(.confirmHits, \.confirmHits)
        try take(.maxLostFrames, \.maxLostFrames)
        try take(.embeddingMomentum, \.embeddingMomentum)
        try take(.predictMotion, \.predictMotion)
        try take(.outputTentative, \.outputTentative)
        self = d
    }

    /// Checks every value's range.
    ///
    /// - Throws: `MaskstreamError.config` naming the first bad key and its valid range.
    public func validate() throws {
        func check(_ ok: Bool, _ key: String, _ value: Any, _ range: String) throws {
            if !ok {
                throw MaskstreamError(.config, "tracker.\(key) is \(value); set it to \(range)")
            }
        }
        func unit(_ x: Double) -> Bool { x.isFinite && x >= 0 && x <= 1 }
        try check(unit(Double(lowScoreThreshold)), "lowScoreThreshold", lowScoreThreshold, "a number in [0, 1]")
        try check(unit(Double(highScoreThreshold)) && highScoreThreshold >= lowScoreThreshold,
                  "highScoreThreshold", highScoreThreshold, "a number in [lowScoreThreshold, 1]")
        try check(unit(Double(newTrackScoreThreshold)), "newTrackScoreThreshold", newTrackScoreThreshold, "a number in [0, 1]")
        for (key, w) in [("iouWeight", iouWeight), ("embeddingWeight", embeddingWeight), ("classWeight", classWeight)] {
            try check(w.isFinite && w >= 0, key, w, "a finite number ≥ 0")
        }
        try check(iouWeight + embeddingWeight + classWeight > 0, "iouWeight", iouWeight,
                  "a value making iouWeight + embeddingWeight + classWeight > 0")
        try check(unit(minIoU), "minIoU", minIoU, "a number in [0, 1]")
        try check(reidSimilarity.isFinite && reidSimilarity >= 0, "reidSimilarity", reidSimilarity,
                  "a number in [0, 1] (above 1 disables re-identification)")
        try check(maxCost.isFinite && maxCost > 0, "maxCost", maxCost, "a number in (0, 1]")
        try check(unit(lowScoreMinIoU), "lowScoreMinIoU", lowScoreMinIoU, "a number in [0, 1]")
        try check(confirmHits >= 1, "confirmHits", confirmHits, "an integer ≥ 1")
        try check(maxLostFrames >= 0, "maxLostFrames", maxLostFrames, "an integer ≥ 0")
        try check(embeddingMomentum.isFinite && embeddingMomentum >= 0 && embeddingMomentum < 1,
                  "embeddingMomentum", embeddingMomentum, "a number in [0, 1)")
    }
}
