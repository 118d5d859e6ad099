import Foundation
import MaskstreamTestSupport
import Testing

/// deploy/: the Prometheus alert rules and the Grafana dashboard.
@Suite struct DeployTests {
    static let root = TestMedia.repositoryRoot
    static let rules = root.appending(path: "deploy/prometheus/maskstream-alerts.yml")
    static let dashboard = root.appending(path: "deploy/grafana/maskstream.json")

    /// Every `maskstream_…` metric name the rules and the dashboard reference.
    static func referencedMetrics() throws -> Set<String> {
        var names = Set<String>()
        for url in [rules, dashboard] {
            let text = try String(contentsOf: url, encoding: .utf8)
            let regex = try NSRegularExpression(pattern: "maskstream_[a-z0-9_]+")
            for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                if let range = Range(match.range, in: text) { names.insert(String(text[range])) }
            }
        }
        return names
    }

    /// The referenced names a `/metrics` body does not export (histogram series count as their family).
    static func missing(from scraped: String) throws -> [String] {
        let families = Dictionary(scraped.split(separator: "\n").compactMap { line -> (String, String)? in
            let parts = line.split(separator: " ")
            guard parts.count == 4, parts[0] == "#", parts[1] == "TYPE" else { return nil }
            return (String(parts[2]), String(parts[3]))
        }, uniquingKeysWith: { a, _ in a })
        return try referencedMetrics().filter { name in
            if families[name] != nil { return false }
            for suffix in ["_bucket", "_count", "_sum"] where name.hasSuffix(suffix) {
                if families[String(name.dropLast(suffix.count))] == "histogram" { return false }
            }
            return true
        }.sorted()
    }

    @Test func promtoolAcceptsTheAlertRules() throws {
        let r = try TestMedia.run("promtool", ["check", "rules", Self.rules.path()])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("SUCCESS"))
    }

    @Test func dashboardHasTheThreeRowsAndEveryPanelQueries() throws {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.dashboard)) as? [String: Any]
        let panels = try #require(json?["panels"] as? [[String: Any]])
        let rows = panels.filter { $0["type"] as? String == "row" }.compactMap { $0["title"] as? String }
        #expect(rows == ["Overview", "On-call", "Debug"])
        for p in panels where p["type"] as? String != "row" {
            let targets = p["targets"] as? [[String: Any]] ?? []
            #expect(!targets.isEmpty && targets.allSatisfy { ($0["expr"] as? String)?.contains("maskstream_") == true },
                    "\(p["title"] ?? "?")")
        }
        #expect(try Self.referencedMetrics().count >= 15)
    }
}
