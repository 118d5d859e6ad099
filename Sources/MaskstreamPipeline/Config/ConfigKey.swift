import Foundation

/// The kind of value a pipeline key takes, as docs and errors name it.
public enum ConfigValueType: Sendable, Hashable {
    case string
    /// One of a fixed set of words.
    case choice([String])
    case integer(ClosedRange<Int>)
    case number(NumberRange)
    case boolean

    /// `a number in [0, 1]`, `an integer in 1...8`, …
    public var description: String {
        switch self {
        case .string: "string"
        case .choice(let words): words.joined(separator: " \\| ")
        case .integer(let r): r.upperBound == .max ? "integer ≥ \(r.lowerBound)" : "integer \(r.lowerBound)...\(r.upperBound)"
        case .number(let r): "number \(r.description)"
        case .boolean: "true \\| false"
        }
    }
}

/// One key a pipeline YAML may set in one section (`Section`: a source, the model, a sink,
/// the top level): its name, type, default and doc, and how its value is written into the
/// section. The tables in `PipelineConfig+Keys.swift` are the one place keys are declared:
/// the parser, the command-line overrides and README's key list all come from them.
struct ConfigKey<Section>: Sendable {
    let name: String
    let type: ConfigValueType
    /// Whether the section must set it.
    let required: Bool
    let doc: String
    /// The key's value in `Section`'s defaults, as written in YAML ("" when it has none).
    let defaultText: @Sendable (Section) -> String
    /// Reads the key's YAML node into the section, checking the type and range.
    let assign: @Sendable (inout Section, ConfigNode) throws -> Void

    static func string(_ name: String, _ path: any WritableKeyPath<Section, String> & Sendable,
                       required: Bool = false, _ doc: String) -> ConfigKey {
        ConfigKey(name: name, type: .string, required: required, doc: doc,
                  defaultText: { $0[keyPath: path] }, assign: { $0[keyPath: path] = try $1.string() })
    }

    static func string(_ name: String, _ path: any WritableKeyPath<Section, String?> & Sendable, _ doc: String) -> ConfigKey {
        ConfigKey(name: name, type: .string, required: false, doc: doc,
                  defaultText: { $0[keyPath: path] ?? "" }, assign: { $0[keyPath: path] = try $1.string() })
    }

    static func choice<V: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ path: any WritableKeyPath<Section, V> & Sendable, required: Bool = false, noun: String? = nil,
        _ doc: String
    ) -> ConfigKey where V.RawValue == String {
        let words = V.allCases.map(\.rawValue)
        return ConfigKey(
            name: name, type: .choice(words), required: required, doc: doc,
            defaultText: { required ? "" : $0[keyPath: path].rawValue },
            assign: { section, node in
                let word = try node.string()
                guard let v = V(rawValue: word) else {
                    throw node.error("unknown \(noun ?? name) '\(word)' (one of \(words.joined(separator: ", ")))")
                }
                section[keyPath: path] = v
            })
    }

    static func integer(_ name: String, _ path: any WritableKeyPath<Section, Int> & Sendable, _ range: ClosedRange<Int>,
                        _ doc: String) -> ConfigKey {
        ConfigKey(name: name, type: .integer(range), required: false, doc: doc,
                  defaultText: { String($0[keyPath: path]) }, assign: { $0[keyPath: path] = try $1.int(in: range) })
    }

    static func integer(_ name: String, _ path: any WritableKeyPath<Section, Int?> & Sendable, _ range: ClosedRange<Int>,
                        _ doc: String) -> ConfigKey {
        ConfigKey(name: name, type: .integer(range), required: false, doc: doc,
                  defaultText: { $0[keyPath: path].map(String.init) ?? "" },
                  assign: { $0[keyPath: path] = try $1.int(in: range) })
    }

    static func boolean(_ name: String, _ path: any WritableKeyPath<Section, Bool> & Sendable,
                        _ doc: String) -> ConfigKey {
        ConfigKey(name: name, type: .boolean, required: false, doc: doc,
                  defaultText: { String($0[keyPath: path]) }, assign: { $0[keyPath: path] = try $1.bool() })
    }

    static func number(_ name: String, _ path: any WritableKeyPath<Section, Double> & Sendable, _ range: NumberRange,
                       _ doc: String) -> ConfigKey {
        ConfigKey(name: name, type: .number(range), required: false, doc: doc,
                  defaultText: { "\($0[keyPath: path])" }, assign: { $0[keyPath: path] = try $1.double(in: range) })
    }

    /// Reads a YAML mapping into `section` with `keys`: unknown keys, missing required keys,
    /// wrong types and out-of-range values are errors naming the key and its line.
    static func read(_ node: ConfigNode, _ keys: [ConfigKey], into section: inout Section,
                     what: String) throws {
        let entries = try node.mapping(allowed: Set(keys.map(\.name)))
        for key in keys {
            if let child = entries[key.name] {
                try key.assign(&section, child)
            } else if key.required {
                throw node.error("\(what) needs '\(key.name)'")
            }
        }
    }
}

/// One row of the key table as README lists it.
public struct ConfigKeyDoc: Sendable, Hashable {
    /// The key's path in the YAML: `model.threshold`, `sources[].url`, `tracker.max_lost_frames`.
    public var key: String
    public var type: String
    /// The default, as written in YAML ("" when there is none or the key is required).
    public var defaultValue: String
    public var required: Bool
    public var doc: String

    init<S>(prefix: String, _ key: ConfigKey<S>, defaults: S) {
        self.key = prefix + key.name
        self.type = key.type.description
        self.required = key.required
        self.defaultValue = key.required ? "" : key.defaultText(defaults)
        self.doc = key.doc
    }

    init(key: String, type: String, defaultValue: String, doc: String) {
        self.key = key
        self.type = type
        self.required = false
        self.defaultValue = defaultValue
        self.doc = doc
    }
}
