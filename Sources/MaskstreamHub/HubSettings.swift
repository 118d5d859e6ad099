import Foundation

/// Where and how the hub is reached, read from an environment the way huggingface_hub reads
/// it: `HF_ENDPOINT` (default https://huggingface.co), `HF_HUB_CACHE` (default
/// `$HF_HOME/hub`, `HF_HOME` defaulting to `$XDG_CACHE_HOME/huggingface` or
/// `~/.cache/huggingface`), `HF_TOKEN` (else the file `HF_TOKEN_PATH`, default
/// `$HF_HOME/token`, that `hf auth login` writes) and `HF_HUB_OFFLINE`.
///
/// ```swift
/// let settings = HubSettings(environment: ProcessInfo.processInfo.environment)
/// ```
///
/// Pass the environment explicitly (tests run in parallel with their own caches).
public struct HubSettings: Sendable, Equatable {
    /// The hub's base URL, without a trailing `/`.
    public var endpoint: String
    /// The hub cache (holding `models--org--name` folders).
    public var cacheFolder: URL
    /// Sent as `Authorization: Bearer …` to the endpoint (never to a redirect's other host).
    public var token: String?
    /// Resolve from the cache only.
    public var offline: Bool

    public static let defaultEndpoint = "https://huggingface.co"

    public init(endpoint: String = HubSettings.defaultEndpoint, cacheFolder: URL, token: String? = nil,
                offline: Bool = false) {
        self.endpoint = endpoint
        self.cacheFolder = cacheFolder
        self.token = token
        self.offline = offline
    }

    public init(environment env: [String: String]) {
        func value(_ key: String) -> String? {
            guard let v = env[key]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
            return v
        }
        let home = value("HOME") ?? NSHomeDirectory()
        func expand(_ path: String) -> URL {
            URL(fileURLWithPath: path.hasPrefix("~/") ? home + path.dropFirst() : path, isDirectory: true)
        }
        let hfHome = value("HF_HOME").map(expand)
            ?? expand(value("XDG_CACHE_HOME") ?? home + "/.cache")
                .appendingPathComponent("huggingface", isDirectory: true)
        let cache = value("HF_HUB_CACHE").map(expand) ?? hfHome.appendingPathComponent("hub", isDirectory: true)
        var endpoint = value("HF_ENDPOINT") ?? Self.defaultEndpoint
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        var token = value("HF_TOKEN")
        if token == nil {
            let path = value("HF_TOKEN_PATH").map(expand) ?? hfHome.appendingPathComponent("token")
            token = (try? String(contentsOf: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            if token?.isEmpty == true { token = nil }
        }
        let offline = value("HF_HUB_OFFLINE").map { ["1", "ON", "YES", "TRUE"].contains($0.uppercased()) } ?? false
        self.init(endpoint: endpoint, cacheFolder: cache, token: token, offline: offline)
    }
}
