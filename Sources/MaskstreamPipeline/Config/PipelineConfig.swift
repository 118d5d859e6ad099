import Foundation
import MaskstreamModel
import Yams

/// A pipeline as written in a YAML file under pipelines/.
///
/// ```yaml
/// sources:
///   - url: examples/sample.mp4
/// model:
///   path: models/default
///   threshold: 0.5
/// tracker: {}
/// sinks:
///   - { type: jsonl, path: out/sample.jsonl }
///   - { type: ts, path: out/sample.ts }
/// ```
/// Relative paths resolve against the current directory. Every key, its type, default and
/// range is declared once, in `PipelineConfig+Keys.swift`; every rule between values is
/// checked once, in ``validate()``. Errors name the key and its line.
public struct PipelineConfig: Sendable {
    public struct Source: Sendable, Equatable {
        public var url: String
        /// The stream's name in `/streams` and broker keys and topics (default: its index); name
        /// sharded sources, so a name stays the same on whichever `--shard` runs it.
        public var name: String?
        /// Open and read timeouts (their defaults are the media layer's).
        public var open = OpenOptions()
        /// Frames buffered for a live source before the oldest is dropped.
        public var liveBuffer: Int = 4
        /// Process at most this many frames (nil: all).
        public var maxFrames: Int?
        /// How a live source reconnects (by default forever, backing off up to 8 s).
        public var reconnect = ReconnectPolicy()
        /// Frames per second of an image sequence (folder, glob, `%05d` pattern): image i is at pts i, time base 1/fps.
        public var fps: Double = 25

        public init(url: String = "") { self.url = url }
    }

    public struct Model: Sendable, Equatable {
        public var path: String
        /// "auto", a device index, or a name substring.
        public var device: String = "auto"
        /// The emit threshold (see ``PipelineConfig/emitThreshold``).
        public var threshold: Double = 0.5
        public var topK: Int?
        /// Added to the model's 0-based class index to give `category_id` (COCO ids start at 1).
        public var categoryIdOffset: Int = 1
        /// Frames on the device at once (each has its own activations and command buffer).
        public var framesInFlight: Int = 2
        /// How the device stores the linear layers' weights.
        public var precision: ModelPrecision = .auto
        /// At most this many queued frames (of any sources) go through one forward pass; nil:
        /// one per source (``PipelineConfig/modelBatch``).
        public var batch: Int?

        public init(path: String = "") { self.path = path }
    }

    /// The most frames one forward pass takes: `model.batch`, else one per source (at most 8).
    public var modelBatch: Int { model.batch ?? min(max(sources.count, 1), 8) }

    public enum SinkKind: String, Sendable, CaseIterable {
        case jsonl, mots, ytvis, ts, video, websocket, redis, mqtt

        /// Whether the sink delivers to a broker (`url`, no `path`).
        public var isBroker: Bool { self == .redis || self == .mqtt }
    }

    /// How the `ts` sink carries the source's video.
    public enum TSVideo: String, Sendable, CaseIterable {
        /// Copy H.264, HEVC and MPEG-2 packets; re-encode anything else to H.264 (one notice).
        case auto
        /// Copy only: a source MPEG-TS cannot carry is a `config` error at startup.
        case copy
        /// Always re-encode to H.264.
        case encode
    }

    public struct Sink: Sendable, Equatable {
        public var kind: SinkKind
        /// Output path ("-" is stdout for jsonl); unused by websocket.
        public var path: String?
        /// The `ts` sink's video: copied or re-encoded.
        public var video: TSVideo = .auto
        /// Broker sinks: the broker's address (`redis://host:port`, `mqtt://host:port`).
        public var url: String?
        /// Broker sinks: the stream's name in the key or topic (default: the source's index).
        public var stream: String?
        /// Broker sinks: records kept while the broker is unreachable (oldest dropped past it, counted).
        public var spool: Int = 10_000
        /// redis: the stream's approximate length cap (`XADD … MAXLEN ~ N`).
        public var maxLength: Int = 100_000
        /// Broker sinks: seconds the end of a run waits for spooled records to be delivered.
        public var drainTimeout: Double = 10

        public init(kind: SinkKind = .jsonl, path: String? = nil) {
            self.kind = kind
            self.path = path
        }
    }

    /// The process's one HTTP server: `/metrics`, `/ws` (the websocket sink's records), `/healthz`.
    public struct Server: Sendable, Equatable {
        public var host: String = "127.0.0.1"
        /// 0 picks a free port.
        public var port: Int = 8765
        /// The bearer token `/streams` requires (required to bind beyond loopback).
        public var apiToken: String?
        /// Keep running when every source has ended (streams come and go through `/streams`).
        public var keepRunning = false

        /// `apiToken`, else the environment's `MASKSTREAM_API_TOKEN` (a Kubernetes Secret).
        public var effectiveAPIToken: String? {
            apiToken ?? ProcessInfo.processInfo.environment["MASKSTREAM_API_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        }

        public init() {}
    }

    /// The live viewer at `/` on the server: JPEG frames and records to the browser.
    public struct Viewer: Sendable, Equatable {
        /// Most frames a second per stream sent to the viewer (the rest are not encoded).
        public var fps: Double = 10
        /// JPEG quality, 1...100.
        public var quality: Int = 75

        public init() {}
    }

    /// Frames kept for labeling (`capture:`); nil: none.
    public var capture: Capture?

    /// Which frames `capture:` keeps: those whose predictions are uncertain, within a budget.
    public struct Capture: Sendable, Equatable {
        /// The COCO dataset's folder (`annotations.json`, `images/`).
        public var path: String = ""
        /// Frames kept per hour of each source's media time.
        public var budgetPerHour: Int = 120
        /// An instance scoring within this of `model.threshold` makes its frame uncertain.
        public var scoreMargin: Double = 0.1
        /// A tracked instance whose mean mask probability is below this makes its frame uncertain.
        public var minMaskScore: Double = 0.7
        /// A track starting or ending makes its frame worth a look.
        public var births = true
        public var deaths = true
        /// Input drift (`maskstream_input_drift_jsd`) at or above this makes a frame worth keeping.
        public var drift: Double = 0.3
        /// Seconds of media time between two frames kept from one source.
        public var minGap: Double = 1
        /// JPEG quality of the kept images.
        public var quality: Int = 92

        public init() {}
    }

    public var sources: [Source] = []
    public var model = Model()
    public var tracker = TrackerConfig()
    /// `false` for `tracker: off`: no track IDs; instances are emitted by score alone.
    public var tracking = true
    public var sinks: [Sink] = []
    /// Set by `server:`; a websocket sink runs it with its defaults when it is not set.
    public var server: Server?
    /// A second model compared with the primary on some frames (`shadow:`); nil: none.
    public var shadow: Shadow?

    /// A shadow model: run on every `every`-th frame of each source, its output never emitted
    /// but compared with the primary's (`ModelAgreement`), as metrics and a JSONL report.
    public struct Shadow: Sendable, Equatable {
        public var path: String = ""
        public var every: Int = 10
        /// Its Vulkan device (default: the primary's `model.device`).
        public var device: String?
        /// One JSON line per compared frame.
        public var report: String?

        public init() {}
    }
    /// Set by `viewer:` or `maskstream run --view`: the server also serves the live viewer at `/`.
    public var viewer: Viewer?
    /// Frames queued between stages for file sources (they block; nothing is dropped).
    public var queueDepth: Int = 4

    /// Where each key's value came from (`file:line`, or the command-line option), by key path
    /// (`sources[0].url`, `model.path`, `tracker.maxLostFrames`): errors of ``validate()`` cite it.
    var origins: [String: String] = [:]

    public init(sources: [Source], model: Model, tracker: TrackerConfig = TrackerConfig(), sinks: [Sink]) {
        self.sources = sources
        self.model = model
        self.tracker = tracker
        self.sinks = sinks
    }

    init() {}

    /// The server this pipeline runs, if any: `server:`, or the defaults when a websocket sink asks for one.
    public var effectiveServer: Server? {
        server ?? (sinks.contains { $0.kind == .websocket } || viewer != nil ? Server() : nil)
    }

    /// Reads and validates a pipeline file.
    public static func load(path: String) throws -> PipelineConfig {
        guard FileManager.default.fileExists(atPath: path) else {
            throw MaskstreamError(.notFound, "pipeline file '\(path)' does not exist")
        }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw MaskstreamError(.io, "cannot read pipeline file '\(path)': \(error.localizedDescription)")
        }
        return try parse(yaml: text, file: path)
    }

    /// Parses and validates pipeline YAML text; `file` names it in errors.
    public static func parse(yaml: String, file: String = "<pipeline>") throws -> PipelineConfig {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw MaskstreamError(.config, "\(file): the pipeline is empty: it needs 'sources', 'model' and 'sinks'")
            }
            root = node
        } catch let e as MaskstreamError {
            throw e
        } catch {
            throw MaskstreamError(.config, "\(file): not valid YAML: \(error)")
        }
        var config = PipelineConfig()
        try config.read(ConfigNode(node: root, path: "", file: file))
        try config.validate()
        return config
    }

    /// Reads every section of the top-level mapping.
    private mutating func read(_ root: ConfigNode) throws {
        let top = try root.mapping(allowed: Set(Self.topKeys.map(\.name) + Self.sectionNames))
        func required(_ key: String) throws -> ConfigNode {
            guard let n = top[key] else { throw MaskstreamError(.config, "\(root.file): missing required key '\(key)'") }
            return n
        }
        for key in Self.topKeys {
            if let node = top[key.name] { try key.assign(&self, node) }
        }
        for (i, node) in try required("sources").sequence().enumerated() {
            var source = Source()
            try ConfigKey.read(node, Self.sourceKeys, into: &source, what: "a source")
            note(node, prefix: "sources[\(i)].")
            sources.append(source)
        }
        let modelNode = try required("model")
        try ConfigKey.read(modelNode, Self.modelKeys, into: &model, what: "'model'")
        note(modelNode, prefix: "model.")
        if let t = top["tracker"], !t.isNull {
            if let on = t.switchValue {
                tracking = on
                origins["tracker"] = t.location
            } else {
                try readTracker(t)
            }
        }
        if let c = top["capture"] {
            var capture = Capture()
            try ConfigKey.read(c, Self.captureKeys, into: &capture, what: "'capture'")
            note(c, prefix: "capture.")
            self.capture = capture
        }
        if let s = top["shadow"] {
            var shadow = Shadow()
            try ConfigKey.read(s, Self.shadowKeys, into: &shadow, what: "'shadow'")
            note(s, prefix: "shadow.")
            self.shadow = shadow
        }
        if let s = top["server"] {
            var server = Server()
            try ConfigKey.read(s, Self.serverKeys, into: &server, what: "'server'")
            note(s, prefix: "server.")
            self.server = server
        }
        if let v = top["viewer"] {
            var viewer = Viewer()
            if !v.isNull { try ConfigKey.read(v, Self.viewerKeys, into: &viewer, what: "'viewer'") }
            note(v, prefix: "viewer.")
            self.viewer = viewer
        }
        for (i, node) in try required("sinks").sequence().enumerated() {
            var sink = Sink()
            try ConfigKey.read(node, Self.sinkKeys, into: &sink, what: "a sink")
            origins["sinks[\(i)]"] = node.location
            sinks.append(sink)
        }
    }

    /// Reads a `POST /streams` body (JSON, or YAML): the `sources[]` keys and optional `sinks`
    /// (each as in the YAML's `sinks`), checked by the same rules as the pipeline's sources.
    /// `nextIndex` names the stream when the body does not.
    ///
    /// - Throws: `MaskstreamError.config` naming the bad key.
    func streamRequest(_ text: String, nextIndex: Int) throws -> (Source, [Sink]) {
        let file = "POST /streams"
        let parsed: Node?
        do { parsed = try Yams.compose(yaml: text) } catch {
            throw MaskstreamError(.config, "\(file): the body is not valid JSON: \(error)")
        }
        guard let node = parsed, case .mapping(let mapping) = node else {
            throw MaskstreamError(.config, "\(file): the body must be a JSON object with at least \"url\"")
        }
        let pairs = Array(mapping)
        var source = Source()
        let sourcePairs = pairs.filter { $0.key.string != "sinks" }
        try ConfigKey.read(ConfigNode(node: .mapping(Node.Mapping(sourcePairs)), path: "", file: file),
                           Self.sourceKeys, into: &source, what: "a stream")
        if source.name == nil { source.name = String(nextIndex) }
        var sinks: [Sink] = []
        if let list = pairs.first(where: { $0.key.string == "sinks" })?.value {
            for node in try ConfigNode(node: list, path: "sinks", file: file).sequence() {
                var sink = Sink()
                try ConfigKey.read(node, Self.sinkKeys, into: &sink, what: "a sink")
                guard sink.kind != .websocket else {
                    throw node.error("a stream's own sinks write files; the pipeline's websocket sink already "
                                     + "carries every stream")
                }
                sinks.append(sink)
            }
        }
        // The pipeline's rules, on a pipeline of just this stream and its sinks.
        var check = self
        check.sources = [source]
        check.sinks = sinks
        check.server?.keepRunning = true
        check.origins = [:]
        try check.validate()
        return (source, sinks)
    }

    /// Tracker keys, in snake_case or as ``TrackerConfig`` spells them; ranges are checked by ``validate()``.
    private mutating func readTracker(_ node: ConfigNode) throws {
        let params = Dictionary(uniqueKeysWithValues: TrackerConfig.parameters.flatMap { p in
            [(p.key, p), (ConfigNode.snakeCase(p.key), p)]
        })
        for (key, child) in try node.mapping(allowed: Set(params.keys)) {
            guard let p = params[key] else { continue }
            try Self.setTracker(p, child, in: &tracker)
            origins["tracker.\(p.key)"] = child.location
        }
    }

    /// Sets one tracker parameter from its node (type checked here, range by ``validate()``).
    static func setTracker(_ p: TrackerConfig.Parameter, _ node: ConfigNode, in tracker: inout TrackerConfig) throws {
        let value: Double
        switch p.kind {
        case .number: value = try node.double()
        case .integer: value = Double(try node.int())
        case .flag: value = try node.bool() ? 1 : 0
        }
        guard p.set(&tracker, value) else { throw node.error("expected \(p.valuesText)") }
    }

    /// Records the location of every key set in a section.
    private mutating func note(_ node: ConfigNode, prefix: String) {
        guard case .mapping(let m) = node.node else { return }
        for (k, v) in m {
            if let key = k.string { origins[prefix + key] = node.origin ?? "\(node.file):\(k.mark?.line ?? v.mark?.line ?? 0)" }
        }
    }
}

extension ConfigNode {
    /// Whether the node is YAML null or empty (`tracker:` with nothing after it).
    var isNull: Bool {
        if case .scalar(let s) = node { return s.string.isEmpty || s.string == "~" || s.string == "null" }
        return false
    }

    /// `false` for a scalar `off` / `false`, `true` for `on` / `true`; nil for anything else.
    var switchValue: Bool? {
        guard case .scalar(let s) = node else { return nil }
        switch s.string.lowercased() {
        case "off", "false": return false
        case "on", "true": return true
        default: return nil
        }
    }
}
