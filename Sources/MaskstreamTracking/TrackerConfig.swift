/// The tracker's parameters, with defaults that suit EoMT-style instance output.
///
/// Every key is optional when decoding, so a pipeline YAML (or a JSON file) can set any subset:
///
/// ```yaml
/// tracker:
///   max_lost_frames: 60
///   embedding_weight: 0.5
/// ```
///
/// Association cost of a track and a detection is
/// `1 - (iouWeight·IoU + embeddingWeight·cos⁺ + classWeight·classAgreement) / (sum of weights used)`,
/// where IoU is the largest of the mask IoU with the track's last mask and the mask and
/// box IoU with that mask and box moved by the track's velocity (`predictMotion`), `cos⁺`
/// is the clamped cosine similarity of query embeddings (left out when either side has
/// none), and class agreement is the share of the track's score-weighted class votes held
/// by the detection's class. Only pairs that overlap (IoU ≥ `minIoU`) are costed, unless
/// `reidSimilarity` ≤ 1 lets a lost track's embedding alone admit a pair.
///
/// ``parameters`` is the one list of the keys: decoding, ``validate()`` and the pipeline's
/// key table (README) all read it.
public struct TrackerConfig: Codable, Sendable, Hashable {
    /// Detections scoring at least this take part in the first association and may start tracks.
    public var highScoreThreshold: Float = 0.5
    /// Detections scoring in `[lowScoreThreshold, highScoreThreshold)` only extend
    /// existing tracks in a second pass (ByteTrack); lower ones are ignored.
    public var lowScoreThreshold: Float = 0.1
    /// A high-score detection left unmatched starts a new track when it scores at least this.
    public var newTrackScoreThreshold: Float = 0.7
    /// Weight of spatial overlap (mask or predicted-box IoU) in the cost.
    public var iouWeight: Double = 0.5
    /// Weight of query-embedding cosine similarity in the cost.
    public var embeddingWeight: Double = 0.35
    /// Weight of class agreement in the cost.
    public var classWeight: Double = 0.15
    /// A pair is admissible in the first pass when its IoU reaches this...
    public var minIoU: Double = 0.1
    /// ...or, for a lost track, when its embedding similarity reaches this (re-identification by
    /// embedding alone, anywhere in the frame). Above 1, the default, it is off: on the model's own
    /// detections it re-attached false tracks and found no object that overlap did not
    /// (tools/model_tracking_eval.py, tuning half); real re-identification needs trained embeddings.
    public var reidSimilarity: Double = 2
    /// Pairs costing this much or more are never matched.
    public var maxCost: Double = 0.75
    /// Minimum IoU for the second pass (low-score detections against recently seen tracks).
    public var lowScoreMinIoU: Double = 0.3
    /// An unmatched detection whose box lies by at least this share inside the box of a
    /// higher-scoring, tracked detection of the same class is a fragment and starts no track
    /// (above 1: no suppression).
    public var duplicateCover: Double = 0.8
    /// Consecutive hits before a track is confirmed (1 confirms at birth).
    public var confirmHits: Int = 2
    /// A new track whose detection scores at least this is confirmed, and reported, at birth
    /// (above 1: every track waits for `confirmHits`).
    public var confirmScoreThreshold: Double = 0.8
    /// Frames a lost track is remembered for re-entry before its removal.
    public var maxLostFrames: Int = 30
    /// Weight of the past in the track's running embedding (0 keeps only the latest).
    public var embeddingMomentum: Double = 0.9
    /// Whether to move each track's mask and box forward by its box-centre velocity before the IoU.
    public var predictMotion: Bool = true
    /// Whether `update` also returns tentative tracks matched in the frame.
    public var outputTentative: Bool = false

    /// The defaults.
    public init() {}

    /// Every parameter: its key (as spelled in JSON), its valid values and what it does.
    public static let parameters: [Parameter] = [
        .number("highScoreThreshold", \.highScoreThreshold, .unit,
                "Detections scoring at least this take part in the first association and may start tracks."),
        .number("lowScoreThreshold", \.lowScoreThreshold, .unit,
                "Detections scoring in [low, high) only extend existing tracks in a second pass (ByteTrack)."),
        .number("newTrackScoreThreshold", \.newTrackScoreThreshold, .unit,
                "An unmatched high-score detection starts a track when it scores at least this."),
        .number("iouWeight", \.iouWeight, .nonNegative, "Weight of mask / predicted-box IoU in the cost."),
        .number("embeddingWeight", \.embeddingWeight, .nonNegative, "Weight of query-embedding cosine in the cost."),
        .number("classWeight", \.classWeight, .nonNegative, "Weight of class agreement in the cost."),
        .number("minIoU", \.minIoU, .unit, "A first-pass pair is admissible when its IoU reaches this..."),
        .number("reidSimilarity", \.reidSimilarity, .nonNegative,
                "...or, for a lost track, its embedding similarity reaches this (above 1: no re-identification)."),
        .number("maxCost", \.maxCost, .positive, "Pairs costing this much or more are never matched."),
        .number("lowScoreMinIoU", \.lowScoreMinIoU, .unit, "Minimum IoU of the low-score second pass."),
        .number("duplicateCover", \.duplicateCover, .nonNegative,
                "An unmatched detection whose box lies this much inside a higher-scoring tracked one's (same class) "
                + "starts no track (above 1: off)."),
        .integer("confirmHits", \.confirmHits, 1...Int.max, "Consecutive hits before a track is confirmed."),
        .number("confirmScoreThreshold", \.confirmScoreThreshold, .nonNegative,
                "A new track whose detection scores at least this is confirmed (reported) at birth (above 1: never)."),
        .integer("maxLostFrames", \.maxLostFrames, 0...Int.max, "Frames a lost track is kept for re-entry."),
        .number("embeddingMomentum", \.embeddingMomentum, NumberRange(0, 1, upperOpen: true),
                "Weight of the past in a track's running embedding."),
        .flag("predictMotion", \.predictMotion,
              "Move each track's mask and box forward by its velocity before the IoU."),
        .flag("outputTentative", \.outputTentative, "Also report tentative tracks (from their first frame)."),
    ]

    /// Decodes any subset of ``parameters``; missing keys keep their defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: ParameterKey.self)
        var d = TrackerConfig()
        for p in Self.parameters {
            guard let key = ParameterKey(stringValue: p.key), c.contains(key) else { continue }
            try p.decode(&d, c, key)
        }
        self = d
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: ParameterKey.self)
        for p in Self.parameters {
            guard let key = ParameterKey(stringValue: p.key) else { continue }
            try p.encode(self, &c, key)
        }
    }

    /// Checks every value's range, then the rules between keys.
    ///
    /// - Throws: `MaskstreamError.config` naming the first bad key and its valid range.
    public func validate() throws {
        for p in Self.parameters where !p.isValid(self) {
            throw MaskstreamError(.config, "tracker.\(p.key) is \(p.valueText(self)); set it to \(p.valuesText)")
        }
        if highScoreThreshold < lowScoreThreshold {
            throw MaskstreamError(.config, "tracker.highScoreThreshold is \(highScoreThreshold); set it to a number "
                                  + "in [lowScoreThreshold, 1] (lowScoreThreshold is \(lowScoreThreshold))")
        }
        if newTrackScoreThreshold < highScoreThreshold {
            throw MaskstreamError(.config, "tracker.newTrackScoreThreshold is \(newTrackScoreThreshold); set it to a "
                                  + "number in [highScoreThreshold, 1] (only detections scoring at least "
                                  + "highScoreThreshold, \(highScoreThreshold), can start tracks)")
        }
        if iouWeight + embeddingWeight + classWeight <= 0 {
            throw MaskstreamError(.config, "tracker.iouWeight is \(iouWeight); set it to a value making "
                                  + "iouWeight + embeddingWeight + classWeight > 0")
        }
    }
}

extension TrackerConfig {
    /// The coding key of a parameter (its ``Parameter/key``).
    struct ParameterKey: CodingKey {
        var stringValue: String
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    /// One tracker parameter: key, type, valid values, doc, and how to read and write it.
    public struct Parameter: Sendable {
        /// The kind of value a parameter holds.
        public enum Kind: Sendable, Hashable {
            case number(NumberRange), integer(ClosedRange<Int>), flag
        }
        /// The key as JSON spells it (camelCase); YAML also takes its snake_case form.
        public let key: String
        public let kind: Kind
        public let doc: String
        /// The value as a `Double` (flags: 0 or 1), for range checks.
        let read: @Sendable (TrackerConfig) -> Double
        /// Writes a number already checked to be of the parameter's kind.
        let write: @Sendable (inout TrackerConfig, Double) -> Void
        /// The value as its stored type prints it (`0.5`, `30`, `true`).
        let describe: @Sendable (TrackerConfig) -> String
        let decodeValue: @Sendable (inout TrackerConfig, KeyedDecodingContainer<ParameterKey>, ParameterKey) throws -> Void
        let encodeValue: @Sendable (TrackerConfig, inout KeyedEncodingContainer<ParameterKey>, ParameterKey) throws -> Void

        static func typed<V: Codable & Sendable>(
            _ key: String, _ kind: Kind, _ doc: String, _ path: any WritableKeyPath<TrackerConfig, V> & Sendable,
            toDouble: @escaping @Sendable (V) -> Double, fromDouble: @escaping @Sendable (Double) -> V
        ) -> Parameter {
            Parameter(
                key: key, kind: kind, doc: doc,
                read: { toDouble($0[keyPath: path]) }, write: { $0[keyPath: path] = fromDouble($1) },
                describe: { "\($0[keyPath: path])" },
                decodeValue: { $0[keyPath: path] = try $1.decode(V.self, forKey: $2) },
                encodeValue: { try $1.encode($0[keyPath: path], forKey: $2) })
        }

        static func number<V: BinaryFloatingPoint & Codable & Sendable>(
            _ key: String, _ path: any WritableKeyPath<TrackerConfig, V> & Sendable, _ bounds: NumberRange, _ doc: String
        ) -> Parameter {
            typed(key, .number(bounds), doc, path, toDouble: { Double($0) }, fromDouble: { V($0) })
        }

        static func integer(_ key: String, _ path: any WritableKeyPath<TrackerConfig, Int> & Sendable,
                            _ range: ClosedRange<Int>, _ doc: String) -> Parameter {
            typed(key, .integer(range), doc, path, toDouble: { Double($0) }, fromDouble: { Int($0) })
        }

        static func flag(_ key: String, _ path: any WritableKeyPath<TrackerConfig, Bool> & Sendable,
                         _ doc: String) -> Parameter {
            typed(key, .flag, doc, path, toDouble: { $0 ? 1 : 0 }, fromDouble: { $0 != 0 })
        }

        /// Whether the parameter's value in `config` is valid.
        func isValid(_ config: TrackerConfig) -> Bool {
            let v = read(config)
            switch kind {
            case .number(let b): return b.contains(v)
            case .integer(let r): return r.contains(Int(v))
            case .flag: return true
            }
        }

        /// The parameter's value in `config`, as written in a config file.
        public func valueText(_ config: TrackerConfig) -> String { describe(config) }

        /// The valid values, in words.
        public var valuesText: String {
            switch kind {
            case .number(let b): return "a number in \(b.description)"
            case .integer(let r): return r.upperBound == .max ? "an integer ≥ \(r.lowerBound)"
                : "an integer in \(r.lowerBound)...\(r.upperBound)"
            case .flag: return "true or false"
            }
        }

        /// Sets the parameter in `config` from a number (flags: 0 or 1); false when `value`
        /// is not of the parameter's type (an integer parameter given 2.5, say). Ranges are
        /// checked by ``TrackerConfig/validate()``.
        public func set(_ config: inout TrackerConfig, _ value: Double) -> Bool {
            if case .integer = kind, !value.isFinite || value != value.rounded() || abs(value) > 1e15 { return false }
            write(&config, value)
            return true
        }

        func decode(_ config: inout TrackerConfig, _ c: KeyedDecodingContainer<ParameterKey>,
                    _ key: ParameterKey) throws {
            try decodeValue(&config, c, key)
        }

        func encode(_ config: TrackerConfig, _ c: inout KeyedEncodingContainer<ParameterKey>,
                    _ key: ParameterKey) throws {
            try encodeValue(config, &c, key)
        }
    }
}
