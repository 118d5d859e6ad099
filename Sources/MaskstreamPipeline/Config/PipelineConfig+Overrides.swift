import Foundation
import Yams

extension PipelineConfig {
    /// Applies command-line overrides, then checks the result (``validate()``). The named
    /// options are shorthands for keys of the table; `settings` are `KEY=VALUE` pairs for any
    /// key (`model.threshold=0.3`, `sources[0].url=clip.mp4`, `sources[].max_frames=10`,
    /// `tracker.max_lost_frames=60`), typed and range-checked as in the YAML.
    /// `output` re-roots every sink file into a folder.
    public mutating func apply(input: String? = nil, output: String? = nil, model: String? = nil,
                               device: String? = nil, maxFrames: Int? = nil, settings: [String] = []) throws {
        var pairs: [(String, String)] = []
        if let input { pairs.append(("sources[0].url", input)) }
        if let model { pairs.append(("model.path", model)) }
        if let device { pairs.append(("model.device", device)) }
        if let maxFrames { pairs.append(("sources[].max_frames", String(maxFrames))) }
        for s in settings {
            guard let eq = s.firstIndex(of: "="), eq != s.startIndex else {
                throw MaskstreamError(.config, "--set '\(s)': write KEY=VALUE, e.g. model.threshold=0.3")
            }
            pairs.append((String(s[..<eq]), String(s[s.index(after: eq)...])))
        }
        for (key, value) in pairs { try set(key, to: value) }
        if let output {
            for i in sinks.indices {
                if let p = sinks[i].path, p != "-" {
                    sinks[i].path = URL(fileURLWithPath: output).appending(path: URL(fileURLWithPath: p).lastPathComponent).path
                }
            }
        }
        try validate()
    }

    /// Sets one key of the table from its text (a YAML scalar: `0.3`, `true`, a path).
    mutating func set(_ key: String, to text: String) throws {
        let value = ConfigNode(node: Node(text), path: key, file: "--set", origin: "--set \(key)")
        if key == "tracker" {
            guard let on = value.switchValue else { throw value.error("expected off or on") }
            tracking = on
            origins["tracker"] = nil
            return
        }
        let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 || Self.topKeys.contains(where: { $0.name == key }) else { throw unknownKey(key) }
        if parts.count == 1, let k = Self.topKeys.first(where: { $0.name == key }) { return try k.assign(&self, value) }
        let (section, name) = (parts[0], parts[1])
        switch section {
        case "model": try Self.assign(name, value, Self.modelKeys, &model, key)
        case "server":
            var s = server ?? Server()
            try Self.assign(name, value, Self.serverKeys, &s, key)
            server = s
        case "capture":
            var c = capture ?? Capture()
            try Self.assign(name, value, Self.captureKeys, &c, key)
            capture = c
        case "shadow":
            var s = shadow ?? Shadow()
            try Self.assign(name, value, Self.shadowKeys, &s, key)
            shadow = s
        case "viewer":
            var v = viewer ?? Viewer()
            try Self.assign(name, value, Self.viewerKeys, &v, key)
            viewer = v
        case "tracker":
            guard let p = TrackerConfig.parameters.first(where: { $0.key == name || ConfigNode.snakeCase($0.key) == name })
            else { throw unknownKey(key) }
            try Self.setTracker(p, value, in: &tracker)
            origins["tracker.\(p.key)"] = nil
        default:
            guard let (list, index) = Self.listIndex(section) else { throw unknownKey(key) }
            switch list {
            case "sources":
                for i in try indices(index, count: sources.count, key) {
                    try Self.assign(name, value, Self.sourceKeys, &sources[i], key)
                    origins["sources[\(i)].\(name)"] = nil
                }
            case "sinks":
                for i in try indices(index, count: sinks.count, key) {
                    try Self.assign(name, value, Self.sinkKeys, &sinks[i], key)
                }
            default: throw unknownKey(key)
            }
            return
        }
        origins[key] = nil
    }

    private static func assign<S>(_ name: String, _ value: ConfigNode, _ keys: [ConfigKey<S>], _ section: inout S,
                                  _ key: String) throws {
        guard let k = keys.first(where: { $0.name == name }) else { throw unknownKey(key) }
        try k.assign(&section, value)
    }

    /// `sources[2]` → ("sources", 2); `sources[]` → ("sources", nil): every element.
    private static func listIndex(_ section: String) -> (String, Int?)? {
        guard let open = section.firstIndex(of: "["), section.hasSuffix("]") else { return nil }
        let name = String(section[..<open])
        let inner = section[section.index(after: open)..<section.index(before: section.endIndex)]
        if inner.isEmpty { return (name, nil) }
        guard let i = Int(inner) else { return nil }
        return (name, i)
    }

    private func indices(_ index: Int?, count: Int, _ key: String) throws -> [Int] {
        guard let index else { return Array(0..<count) }
        guard (0..<count).contains(index) else {
            throw MaskstreamError(.config, "--set \(key): the pipeline has \(count) entries there (0...\(count - 1))")
        }
        return [index]
    }

    private func unknownKey(_ key: String) -> MaskstreamError { Self.unknownKey(key) }

    private static func unknownKey(_ key: String) -> MaskstreamError {
        MaskstreamError(.config, "--set \(key): unknown key; `maskstream keys` lists every key")
    }
}
