import MaskstreamBrokers

extension PipelineConfig {
    /// The rules of `redis` and `mqtt` sinks: a well-formed `url` of the sink's scheme, no
    /// `path`; and no `url` on other sinks. Part of ``validate()``.
    func checkBrokerSinks() throws {
        // Source names are checked (valid, unique) with every other stream rule in `validate()`.
        for (i, sink) in sinks.enumerated() {
            guard let scheme = sink.brokerScheme else {
                if sink.url != nil {
                    throw located(MaskstreamError(.config, "'url' applies to redis and mqtt sinks only, not "
                        + "'\(sink.kind.rawValue)'"), key: "sinks[\(i)]")
                }
                continue
            }
            guard let url = sink.url else {
                throw located(MaskstreamError(.config, "sink '\(sink.kind.rawValue)' needs 'url' "
                    + "(e.g. url: \(scheme.rawValue)://127.0.0.1:\(scheme.defaultPort))"), key: "sinks[\(i)]")
            }
            if sink.path != nil {
                throw located(MaskstreamError(.config, "sink '\(sink.kind.rawValue)' writes to 'url', not 'path'"),
                              key: "sinks[\(i)]")
            }
            do { _ = try BrokerURL(url, scheme: scheme) } catch let e as MaskstreamError {
                throw located(MaskstreamError(e.code, "sinks[\(i)].url: \(e.message)"), key: "sinks[\(i)]")
            }
            if let stream = sink.stream, !Self.isValidStreamName(stream) {
                throw located(MaskstreamError(.config, "sinks[\(i)].stream '\(stream)': use letters, digits, "
                    + "'-', '_' and '.' (it becomes part of a Redis key and MQTT topics)"), key: "sinks[\(i)]")
            }
        }
    }

    /// Stream names are key and topic segments: no MQTT wildcards or level separators.
    static func isValidStreamName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)))
                || "-_.".unicodeScalars.contains($0)
        }
    }
}

extension PipelineConfig.Sink {
    /// The broker protocol of a `redis` or `mqtt` sink (nil for the others).
    var brokerScheme: BrokerURL.Scheme? {
        switch kind {
        case .redis: .redis
        case .mqtt: .mqtt
        default: nil
        }
    }

    /// The name of source `source`'s stream in this broker sink's keys and topics: the sink's
    /// `stream` (with several sources, `<stream>-<source>`), where `<source>` is the source's
    /// `name` or else its index.
    public func streamName(source: Int, sourceName: String? = nil, sourceCount: Int) -> String {
        let own = sourceName ?? String(source)
        guard let stream else { return own }
        return sourceCount > 1 ? "\(stream)-\(own)" : stream
    }
}
