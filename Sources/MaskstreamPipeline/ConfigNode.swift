import Foundation
import Yams

/// A YAML node with its key path, so every error names the key and the line.
struct ConfigNode {
    let node: Node
    let path: String
    let file: String

    var line: Int { (node.mark?.line ?? 0) }

    func error(_ message: String) -> MaskstreamError {
        MaskstreamError(.config, "\(file):\(line): '\(path)': \(message)")
    }

    /// The mapping's entries; throws when the node is not a mapping or holds keys not in `allowed`.
    func mapping(allowed: Set<String>) throws -> [String: ConfigNode] {
        guard case .mapping(let mapping) = node else {
            throw error("expected a mapping (key: value lines), got \(kind)")
        }
        var result: [String: ConfigNode] = [:]
        for (k, v) in mapping {
            guard let key = k.string else { throw error("keys must be strings") }
            let child = ConfigNode(node: v, path: path.isEmpty ? key : "\(path).\(key)", file: file)
            guard allowed.contains(key) else {
                let hint = allowed.sorted().joined(separator: ", ")
                throw MaskstreamError(.config, "\(file):\(k.mark?.line ?? child.line): unknown key '\(child.path)' (allowed here: \(hint))")
            }
            result[key] = child
        }
        return result
    }

    func sequence() throws -> [ConfigNode] {
        guard case .sequence(let seq) = node else { throw error("expected a list (- item lines), got \(kind)") }
        return seq.enumerated().map { ConfigNode(node: $1, path: "\(path)[\($0)]", file: file) }
    }

    func string() throws -> String {
        guard case .scalar(let s) = node else { throw error("expected a string, got \(kind)") }
        return s.string
    }

    func int(in range: ClosedRange<Int>? = nil) throws -> Int {
        guard case .scalar = node, let v = node.int else { throw error("expected an integer, got '\(scalarText)'") }
        if let range, !range.contains(v) { throw error("must be in \(range.lowerBound)...\(range.upperBound), got \(v)") }
        return v
    }

    func double(in range: ClosedRange<Double>? = nil) throws -> Double {
        guard case .scalar = node, let v = node.float else { throw error("expected a number, got '\(scalarText)'") }
        if let range, !range.contains(v) { throw error("must be in \(range.lowerBound)...\(range.upperBound), got \(v)") }
        return v
    }

    func bool() throws -> Bool {
        guard case .scalar = node, let v = node.bool else { throw error("expected true or false, got '\(scalarText)'") }
        return v
    }

    /// Decodes a Codable value whose keys are all optional, rejecting keys `T` does not have.
    /// Keys may be written in snake_case (`max_lost_frames`) like the rest of the pipeline
    /// YAML, or exactly as `T` spells them (`maxLostFrames`).
    func decode<T: Codable>(_ type: T.Type, defaults: T) throws -> T {
        let known = try Self.keys(of: defaults)
        let snake = Dictionary(uniqueKeysWithValues: known.map { (Self.snakeCase($0), $0) })
        _ = try mapping(allowed: known.union(snake.keys))
        guard case .mapping(let mapping) = node else { throw error("expected a mapping") }
        let renamed = Node(mapping.map { (k, v) in
            let key = k.string ?? ""
            return (Node(snake[key] ?? key), v)
        })
        do {
            return try YAMLDecoder().decode(T.self, from: renamed)
        } catch {
            throw self.error("invalid value: \(error)")
        }
    }

    /// `maxLostFrames` → `max_lost_frames`, `minIoU` → `min_iou`.
    static func snakeCase(_ camel: String) -> String {
        var out = ""
        let chars = Array(camel.replacingOccurrences(of: "IoU", with: "Iou"))
        for (i, c) in chars.enumerated() {
            if c.isUppercase {
                let prevLower = i > 0 && chars[i - 1].isLowercase
                let nextLower = i + 1 < chars.count && chars[i + 1].isLowercase && i > 0 && chars[i - 1].isUppercase
                if i > 0 && (prevLower || nextLower) { out.append("_") }
                out.append(Character(c.lowercased()))
            } else {
                out.append(c)
            }
        }
        return out
    }

    private static func keys<T: Encodable>(of value: T) throws -> Set<String> {
        let data = try JSONEncoder().encode(value)
        let object = try JSONSerialization.jsonObject(with: data)
        return Set((object as? [String: Any])?.keys.map { $0 } ?? [])
    }

    private var kind: String {
        switch node {
        case .scalar(let s): "a scalar '\(s.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    private var scalarText: String {
        if case .scalar(let s) = node { return s.string }
        return kind
    }
}
