import Foundation

/// The pipeline's score thresholds, each owned by one key.
///
/// - `tracker.low_score_threshold` owns what the model stage passes on: every instance scoring
///   at least it reaches the tracker, so ByteTrack's low-score pass has detections to use.
/// - `tracker.high_score_threshold` and `tracker.new_track_score_threshold` own the tracker's
///   first pass and its births.
/// - `model.threshold` owns what is emitted, decided once after tracking: an instance of a
///   reported track is emitted when its track has scored at least it (its best detection so far),
///   so a track's low-score frames are emitted too; with `tracker: off` an instance is emitted
///   when it scores at least it.
///
/// ```yaml
/// model: { path: models/default, threshold: 0.5 }   # emit tracks that reached 0.5
/// tracker: { low_score_threshold: 0.1 }             # the model passes instances ≥ 0.1
/// ```
extension PipelineConfig {
    /// The score the model stage keeps instances at.
    public var detectionThreshold: Float { tracking ? tracker.lowScoreThreshold : emitThreshold }

    /// The score an emitted instance (untracked) or its track (tracked) has reached.
    public var emitThreshold: Float { Float(model.threshold) }

    /// Rejects thresholds and keys that contradict each other.
    ///
    /// - Throws: `MaskstreamError.config` naming the keys.
    func checkThresholds() throws {
        if !tracking {
            if tracker != TrackerConfig() {
                let key = TrackerConfig.parameters.first { $0.valueText(tracker) != $0.valueText(TrackerConfig()) }
                let name = key.map { "tracker." + ConfigNode.snakeCase($0.key) } ?? "tracker"
                throw located(MaskstreamError(.config, "\(name) is set but 'tracker' is off: remove \(name), "
                                              + "or remove 'tracker: off'"), key: "tracker")
            }
            for (i, sink) in sinks.enumerated() where sink.kind == .mots || sink.kind == .ytvis {
                throw located(MaskstreamError(.config, "sinks[\(i)]: a '\(sink.kind.rawValue)' sink needs track IDs "
                                              + "and 'tracker' is off: remove 'tracker: off' or the sink"),
                              key: "tracker")
            }
            return
        }
        if emitThreshold < tracker.lowScoreThreshold {
            let error = MaskstreamError(.config, "model.threshold is \(model.threshold), below "
                + "tracker.low_score_threshold (\(tracker.lowScoreThreshold)): the model passes the tracker only "
                + "instances scoring at least tracker.low_score_threshold, so nothing below it can be emitted; "
                + "set model.threshold to at least \(tracker.lowScoreThreshold) or lower tracker.low_score_threshold")
            throw located(error, key: "model.threshold")
        }
    }
}
