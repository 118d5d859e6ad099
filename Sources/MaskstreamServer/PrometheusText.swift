/// Builds a Prometheus text exposition (format 0.0.4) from counters, gauges and histograms.
///
/// Samples are grouped by metric family in first-seen order, and each family gets its
/// `# HELP` and `# TYPE` lines once, so the same metric may be added with several label
/// sets (one per stage, per source, …). Label values are escaped; invalid characters in
/// metric and label names become `_`.
///
/// ```swift
/// var text = PrometheusText()
/// text.counter("maskstream_frames_total", 120, labels: ["source": "cam0"], help: "Frames processed")
/// text.gauge("maskstream_queue_depth", 3, labels: ["stage": "infer"], help: "Frames waiting")
/// text.histogram("maskstream_stage_latency_seconds", hist.snapshot(), labels: ["stage": "infer"], help: "Stage latency")
/// let body = text.render()
/// ```
public struct PrometheusText: Sendable {
    /// The `# TYPE` of a metric family.
    public enum MetricType: String, Sendable {
        case counter, gauge, histogram, untyped
    }

    /// The content type a `/metrics` endpoint serves this format with.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private struct Family: Sendable {
        let name: String
        let type: MetricType
        let help: String
        var lines: [String] = []
    }

    private var families: [Family] = []
    private var familyIndex: [String: Int] = [:]

    public init() {}

    /// Adds a counter sample (a value that only goes up; by convention named `…_total`).
    public mutating func counter(_ name: String, _ value: Double, labels: [String: String] = [:], help: String) {
        let name = Self.sanitizedName(name)
        append(to: name, type: .counter, help: help, line: Self.sample(name, labels: Self.sortedLabels(labels), value: value))
    }

    /// Adds a gauge sample (a value that goes up and down: queue depth, fps).
    public mutating func gauge(_ name: String, _ value: Double, labels: [String: String] = [:], help: String) {
        let name = Self.sanitizedName(name)
        append(to: name, type: .gauge, help: help, line: Self.sample(name, labels: Self.sortedLabels(labels), value: value))
    }

    /// Adds one histogram: a cumulative `name_bucket{le="…"}` line per bound plus `le="+Inf"`,
    /// then `name_sum` and `name_count`.
    ///
    /// - Complexity: O(*b*) for *b* buckets.
    public mutating func histogram(
        _ name: String, _ snapshot: LatencyHistogram.Snapshot, labels: [String: String] = [:], help: String
    ) {
        let name = Self.sanitizedName(name)
        let base = Self.sortedLabels(labels)
        var lines: [String] = []
        lines.reserveCapacity(snapshot.upperBounds.count + 3)
        for (bound, count) in zip(snapshot.upperBounds, snapshot.cumulativeCounts) {
            lines.append(Self.sample(name + "_bucket", labels: base + [("le", Self.format(bound))], value: Double(count)))
        }
        lines.append(Self.sample(name + "_bucket", labels: base + [("le", "+Inf")], value: Double(snapshot.count)))
        lines.append(Self.sample(name + "_sum", labels: base, value: snapshot.sum))
        lines.append(Self.sample(name + "_count", labels: base, value: Double(snapshot.count)))
        for line in lines { append(to: name, type: .histogram, help: help, line: line) }
    }

    /// The exposition text: every family's HELP, TYPE and samples, newline-terminated.
    public func render() -> String {
        var out = ""
        for family in families {
            out += "# HELP \(family.name) \(Self.escapeHelp(family.help))\n"
            out += "# TYPE \(family.name) \(family.type.rawValue)\n"
            for line in family.lines { out += line + "\n" }
        }
        return out
    }

    /// Formats a sample value as Prometheus does: integers without a fraction, `+Inf`, `-Inf`, `NaN`.
    public static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == .infinity { return "+Inf" }
        if value == -.infinity { return "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    // MARK: - Private

    /// The first sample of a family fixes its type and help text.
    private mutating func append(to name: String, type: MetricType, help: String, line: String) {
        if let index = familyIndex[name] {
            families[index].lines.append(line)
        } else {
            familyIndex[name] = families.count
            families.append(Family(name: name, type: type, help: help, lines: [line]))
        }
    }

    private static func sample(_ name: String, labels: [(String, String)], value: Double) -> String {
        guard !labels.isEmpty else { return "\(name) \(format(value))" }
        let rendered = labels.map { "\(sanitizedName($0.0, allowColon: false))=\"\(escapeLabelValue($0.1))\"" }
        return "\(name){\(rendered.joined(separator: ","))} \(format(value))"
    }

    private static func sortedLabels(_ labels: [String: String]) -> [(String, String)] {
        labels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Metric names match `[a-zA-Z_:][a-zA-Z0-9_:]*`, label names `[a-zA-Z_][a-zA-Z0-9_]*`.
    static func sanitizedName(_ name: String, allowColon: Bool = true) -> String {
        var out = ""
        for (i, scalar) in name.unicodeScalars.enumerated() {
            let isLetter = (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || scalar == "_"
            let isDigit = scalar >= "0" && scalar <= "9"
            let ok = isLetter || (allowColon && scalar == ":") || (i > 0 && isDigit)
            out.unicodeScalars.append(ok ? scalar : "_")
        }
        return out.isEmpty ? "_" : out
    }

    static func escapeLabelValue(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func escapeHelp(_ help: String) -> String {
        var out = ""
        for scalar in help.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
