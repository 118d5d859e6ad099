import Foundation
import MaskstreamHub
import MaskstreamServer

extension PipelineConfig {
    /// The one place each rule between values (and about the files they name) is checked,
    /// after parsing and again after command-line overrides.
    ///
    /// - Throws: `MaskstreamError` naming the key and where its value came from.
    public func validate() throws {
        if sources.isEmpty, server?.keepRunning != true {
            throw MaskstreamError(.config, "'sources' is empty: add at least one '- url: ...' (or set "
                                  + "server.keep_running: true and add streams through POST /streams)")
        }
        var names = Set<String>()
        for (i, source) in sources.enumerated() {
            let name = source.name ?? String(i)
            do { try Self.checkStreamName(name) } catch let e as MaskstreamError {
                throw located(e, key: "sources[\(i)].name")
            }
            guard names.insert(name).inserted else {
                throw located(MaskstreamError(.config, "two sources are named '\(name)': names must be unique"),
                              key: "sources[\(i)].name")
            }
        }
        if let shadow {
            guard !shadow.path.isEmpty else {
                throw located(MaskstreamError(.config, "'shadow' needs 'path'"), key: "shadow.path")
            }
            do {
                if case .folder = try ModelLocation(parsing: shadow.path) { try EomtModel.checkFolder(shadow.path) }
            } catch let e as MaskstreamError {
                throw located(e, key: "shadow.path")
            }
        }
        if let server, server.effectiveAPIToken == nil, !APIAccess.isLoopback(server.host) {
            throw located(MaskstreamError(.config, "server.host \(server.host) reaches beyond this machine, and the "
                + "stream API (/streams) would be open to it: set server.api_token (or MASKSTREAM_API_TOKEN), or bind "
                + "127.0.0.1"),
                key: "server.host")
        }
        if let token = server?.effectiveAPIToken, token.count < 16 {
            throw located(MaskstreamError(.config, "server.api_token is \(token.count) characters: use at least 16 "
                + "(e.g. openssl rand -hex 16)"), key: "server.api_token")
        }
        for (i, source) in sources.enumerated() {
            do { try MediaReader.checkInput(source.url) } catch let e as MaskstreamError {
                throw located(e, key: "sources[\(i)].url")
            }
        }
        // A hub repo id is only parsed here; it is fetched when the pipeline starts.
        do {
            if case .folder = try ModelLocation(parsing: model.path) { try EomtModel.checkFolder(model.path) }
        } catch let e as MaskstreamError {
            throw located(e, key: "model.path")
        }
        try checkBrokerSinks()
        for (i, sink) in sinks.enumerated() where sink.kind != .websocket && !sink.kind.isBroker && sink.path == nil {
            throw located(MaskstreamError(.config, "sink '\(sink.kind.rawValue)' needs 'path'"), key: "sinks[\(i)]")
        }
        for (i, sink) in sinks.enumerated() where sink.kind != .ts && sink.video != .auto {
            throw located(MaskstreamError(.config, "'video' applies to ts sinks only, not '\(sink.kind.rawValue)'"),
                          key: "sinks[\(i)].video")
        }
        // A sink that can only copy the source's compressed video needs sources that have some.
        for (i, sink) in sinks.enumerated() where sink.needs == .packets {
            guard let j = sources.firstIndex(where: { !InputKind($0.url).hasVideoPackets }) else { break }
            let fps = String(format: "%g", sources[j].fps)
            let error = MaskstreamError(.config, "sinks[\(i)]: a '\(sink.kind.rawValue)' sink with video: copy copies "
                + "the source's compressed video, and sources[\(j)].url '\(sources[j].url)' is an image sequence, "
                + "which has none: set video: auto (re-encode to H.264), or encode the images to a video first "
                + "(ffmpeg -framerate \(fps) -i 'frames/%05d.jpg' -c:v libx264 clip.mp4)")
            throw located(error, key: "sinks[\(i)]")
        }
        do { try tracker.validate() } catch let e as MaskstreamError {
            // The key the message is about, else another key it names that the file sets.
            let keys = TrackerConfig.parameters.map { "tracker.\($0.key)" }
            let key = keys.first { e.message.hasPrefix("\($0) ") && origins[$0] != nil }
                ?? keys.first { origins[$0] != nil && e.message.contains(String($0.dropFirst(8))) }
            throw located(e, key: key)
        }
        try checkThresholds()
    }

    /// Stream names appear in URLs (`/streams/{name}`), topics and file names.
    ///
    /// - Throws: `MaskstreamError.config` for an empty name or one with other characters than
    ///   letters, digits, `-`, `_` and `.`.
    static func checkStreamName(_ name: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        guard !name.isEmpty, name.count <= 64, name.allSatisfy({ allowed.contains($0) }), name != ".", name != ".." else {
            throw MaskstreamError(.config, "stream name '\(name)' must be 1-64 letters, digits, '-', '_' or '.'")
        }
    }

    /// `error` prefixed with where `key`'s value came from (`file:line: 'key': …`).
    func located(_ error: MaskstreamError, key: String?) -> MaskstreamError {
        guard let key, let origin = origins[key] else { return error }
        let name = error.message.hasPrefix(key) ? "" : "'\(key)': "
        return MaskstreamError(error.code, "\(origin): \(name)\(error.message)")
    }
}
