import Foundation

/// A broker address as the `redis` and `mqtt` sinks and `maskstream worker` take it:
/// `redis://[:password@]host[:port][/db]` or `mqtt://[user[:password]@]host[:port]`.
///
/// ```swift
/// let url = try BrokerURL("redis://127.0.0.1:6379/0", scheme: .redis)
/// url.host   // "127.0.0.1"
/// url.port   // 6379
/// ```
/// A malformed address is a `config` error saying what the address should look like.
public struct BrokerURL: Sendable, Hashable, CustomStringConvertible {
    /// The protocol an address speaks.
    public enum Scheme: String, Sendable, CaseIterable {
        case redis, mqtt

        /// The port used when the address names none.
        public var defaultPort: Int { self == .redis ? 6379 : 1883 }
        /// What a well-formed address looks like, for error messages.
        var example: String {
            self == .redis ? "redis://[:password@]host[:port][/db]" : "mqtt://[user[:password]@]host[:port]"
        }
    }

    public var scheme: Scheme
    public var host: String
    public var port: Int
    public var user: String?
    public var password: String?
    /// Redis only: the database `SELECT`ed after connecting (0 when the path names none).
    public var database: Int

    /// Parses `text`, which must use `scheme`.
    public init(_ text: String, scheme: Scheme) throws {
        func bad(_ why: String) -> MaskstreamError {
            MaskstreamError(.config, "broker address '\(text)' \(why): write \(scheme.example)")
        }
        guard let components = URLComponents(string: text), let given = components.scheme?.lowercased() else {
            throw bad("is not a URL")
        }
        guard given == scheme.rawValue else { throw bad("uses '\(given)://'") }
        guard let host = components.host, !host.isEmpty else { throw bad("names no host") }
        if let port = components.port, !(1...65535).contains(port) { throw bad("has port \(port) out of 1...65535") }
        if components.query != nil || components.fragment != nil { throw bad("has a query or fragment") }
        self.scheme = scheme
        self.host = host
        self.port = components.port ?? scheme.defaultPort
        self.user = components.user.flatMap { $0.isEmpty ? nil : $0 }
        self.password = components.password.flatMap { $0.isEmpty ? nil : $0 }
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        switch (scheme, path) {
        case (_, ""): database = 0
        case (.redis, _):
            guard let db = Int(path), db >= 0 else { throw bad("has path '/\(path)', not a database number") }
            database = db
        case (.mqtt, _): throw bad("has a path '/\(path)'")
        }
    }

    /// The address without its password (for logs).
    public var description: String {
        let auth = user.map { "\($0)@" } ?? (password != nil ? ":***@" : "")
        let db = scheme == .redis && database != 0 ? "/\(database)" : ""
        return "\(scheme.rawValue)://\(auth)\(host):\(port)\(db)"
    }
}
