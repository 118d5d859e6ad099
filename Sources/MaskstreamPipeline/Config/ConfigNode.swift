import Foundation
import Yams

/// A YAML node with its key path, so every error names the key and the line.
struct ConfigNode {
    let node: Node
    let path: String
    let file: String
    /// Where the value came from when not from a file's line (a command-line option).
    var origin: String? = nil

    var line: Int { (node.mark?.line ?? 0) }
    /// `file:line`, or the command-line option that gave the value.
    var location: String { origin ?? "\(file):\(line)" }

    func error(_ message: String) -> MaskstreamError {
        MaskstreamError(.config, "\(location): '\(path)': \(message)")
    }

    /// The mapping's entries; throws when the node is not a mapping or holds keys not in `allowed`.
    func mapping(allowed: Set<String>) throws -> [String: ConfigNode] {
        guard case .mapping(let mapping) = node else {
            throw error("expected a mapping (key: value lines), got \(kind)")
        }
        var result: [String: ConfigNode] = [:]
        for (k, v) in mapping {
            guard let key = k.string else { throw error("keys must be strings") }
            let child = ConfigNode(node: v, path: path.isEmpty ? key : "\(path).\(key)", file: file, origin: origin)
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
        return seq.enumerated().map { ConfigNode(node: $1, path: "\(path)[\($0)]", file: file, origin: origin) }
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

    func double(in range: NumberRange? = nil) throws -> Double {
        guard case .scalar = node, let v = node.float else { throw error("expected a number, got '\(scalarText)'") }
        if let range, !range.contains(v) { throw error("must be in \(range), got \(v)") }
        return v
    }

    func bool() throws -> Bool {
        guard case .scalar = node, let v = node.bool else { throw error("expected true or false, got '\(scalarText)'") }
        return v
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
