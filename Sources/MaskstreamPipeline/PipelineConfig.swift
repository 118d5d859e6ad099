import Foundation
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
/// Relative paths resolve against the current directory. Unknown keys, wrong types and
/// missing files are errors naming the key and its line.
public struct PipelineConfig: Sendable {
    public struct Source: Sendable, Equatable {
        public var url: String
        /// Seconds allowed to open the source.
        public var openTimeout: Double = 10
        /// Seconds without data before a live stream counts as stalled.
        public var readTimeout: Double = 5
        /// Frames buffered for a live source before the oldest is dropped.
        public var liveBuffer: Int = 4
        /// Process at most this many frames (nil: all).
        public var maxFrames: Int?
    }

    public struct Model: Sendable, Equatable {
        public var path: String
        /// "auto", a device index, or a name substring.
        public var device: String = "auto"
        public var threshold: Double = 0.5
        public var topK: Int?
        /// Added to the model's 0-based class index to give `category_id` (COCO ids start at 1).
        public var categoryIdOffset: Int = 1
        /// Frames on the device at once (each has its own activations and command buffer).
        public var framesInFlight: Int = 2
    }

    public enum SinkKind: String, Sendable, CaseIterable {
        case jsonl, mots, ytvis, ts, video, websocket
    }

    public struct Sink: Sendable, Equatable {
        public var kind: SinkKind
        /// Output path ("-" is stdout for jsonl); unused by websocket.
        public var path: String?
        public var host: String = "127.0.0.1"
        public var port: Int = 8765
    }

    public var sources: [Source]
    public var model: Model
    public var tracker: TrackerConfig
    public var sinks: [Sink]
    /// Port for Prometheus /metrics on 127.0.0.1; nil: off.
    public var metricsPort: Int?
    /// Frames queued between stages for file sources (they block; nothing is dropped).
    public var queueDepth: Int = 4

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

    /// Parses pipeline YAML text; `file` names it in errors.
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
        let top = try ConfigNode(node: root, path: "", file: file)
            .mapping(allowed: ["sources", "model", "tracker", "sinks", "metrics_port", "queue_depth"])
        func required(_ key: String) throws -> ConfigNode {
            guard let n = top[key] else { throw MaskstreamError(.config, "\(file): missing required key '\(key)'") }
            return n
        }

        var sources: [Source] = []
        for s in try required("sources").sequence() {
            let m = try s.mapping(allowed: ["url", "open_timeout", "read_timeout", "live_buffer", "max_frames"])
            guard let url = try m["url"]?.string() else { throw s.error("a source needs 'url'") }
            var source = Source(url: url)
            if let v = m["open_timeout"] { source.openTimeout = try v.double(in: 0.1...3600) }
            if let v = m["read_timeout"] { source.readTimeout = try v.double(in: 0.1...3600) }
            if let v = m["live_buffer"] { source.liveBuffer = try v.int(in: 1...1000) }
            if let v = m["max_frames"] { source.maxFrames = try v.int(in: 1...Int.max) }
            if !url.contains("://") && !FileManager.default.fileExists(atPath: url) {
                throw m["url"]!.error("input file '\(url)' does not exist")
            }
            sources.append(source)
        }
        if sources.isEmpty { throw MaskstreamError(.config, "\(file): 'sources' is empty: add at least one '- url: ...'") }

        let mm = try required("model").mapping(allowed: ["path", "device", "threshold", "top_k", "category_id_offset", "frames_in_flight"])
        guard let modelPath = try mm["path"]?.string() else { throw MaskstreamError(.config, "\(file): 'model.path' is required") }
        if !FileManager.default.fileExists(atPath: modelPath) {
            throw mm["path"]!.error("model folder '\(modelPath)' does not exist")
        }
        var model = Model(path: modelPath)
        if let v = mm["device"] { model.device = try v.string() }
        if let v = mm["threshold"] { model.threshold = try v.double(in: 0...1) }
        if let v = mm["top_k"] { model.topK = try v.int(in: 1...10_000) }
        if let v = mm["category_id_offset"] { model.categoryIdOffset = try v.int(in: 0...1_000_000) }
        if let v = mm["frames_in_flight"] { model.framesInFlight = try v.int(in: 1...8) }

        var tracker = TrackerConfig()
        if let t = top["tracker"] {
            if case .scalar(let s) = t.node, s.string.isEmpty || s.string == "~" || s.string == "null" {
                // `tracker:` with nothing: defaults.
            } else {
                tracker = try t.decode(TrackerConfig.self, defaults: TrackerConfig())
                do { try tracker.validate() } catch let e as MaskstreamError {
                    // Point at the offending key's line ("tracker.<key> is ...").
                    var line = t.line
                    if let r = e.message.range(of: "tracker.") {
                        let key = e.message[r.upperBound...].prefix { $0.isLetter || $0.isNumber }
                        if case .mapping(let m) = t.node,
                           let hit = m.first(where: { $0.key.string == String(key) || $0.key.string == ConfigNode.snakeCase(String(key)) }) {
                            line = hit.key.mark?.line ?? line
                        }
                    }
                    throw MaskstreamError(.config, "\(file):\(line): \(e.message)")
                }
            }
        }

        var sinks: [Sink] = []
        for s in try required("sinks").sequence() {
            let m = try s.mapping(allowed: ["type", "path", "host", "port"])
            guard let typeNode = m["type"] else { throw s.error("a sink needs 'type' (one of \(SinkKind.allCases.map(\.rawValue).joined(separator: ", ")))") }
            let name = try typeNode.string()
            guard let kind = SinkKind(rawValue: name) else {
                throw typeNode.error("unknown sink type '\(name)' (one of \(SinkKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            var sink = Sink(kind: kind, path: try m["path"]?.string())
            if let v = m["host"] { sink.host = try v.string() }
            if let v = m["port"] { sink.port = try v.int(in: 0...65535) }
            if kind != .websocket && sink.path == nil { throw s.error("sink '\(name)' needs 'path'") }
            sinks.append(sink)
        }

        var config = PipelineConfig(sources: sources, model: model, tracker: tracker, sinks: sinks)
        if let v = top["metrics_port"] { config.metricsPort = try v.int(in: 0...65535) }
        if let v = top["queue_depth"] { config.queueDepth = try v.int(in: 1...256) }
        return config
    }
}

extension PipelineConfig {
    /// Applies command-line overrides; `output` re-roots every sink file into a folder.
    public mutating func apply(input: String?, output: String?, model: String?, device: String?, maxFrames: Int?) throws {
        if let input {
            if !input.contains("://") && !FileManager.default.fileExists(atPath: input) {
                throw MaskstreamError(.notFound, "input '\(input)' does not exist: check the path")
            }
            sources[0].url = input
        }
        if let output {
            for i in sinks.indices {
                if let p = sinks[i].path, p != "-" {
                    sinks[i].path = URL(fileURLWithPath: output).appending(path: URL(fileURLWithPath: p).lastPathComponent).path
                }
            }
        }
        if let model {
            guard FileManager.default.fileExists(atPath: model) else {
                throw MaskstreamError(.notFound, "model folder '\(model)' does not exist")
            }
            self.model.path = model
        }
        if let device { self.model.device = device }
        if let maxFrames { for i in sources.indices { sources[i].maxFrames = maxFrames } }
    }
}
