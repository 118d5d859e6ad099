import Foundation

/// A real `redis-server` on 127.0.0.1 (Debian's package), with its data in a temporary folder
/// and an append-only file synced on every write, so a SIGKILLed server restarts with every
/// entry it acknowledged. Started, killed and restarted by a test.
public final class RedisTestServer: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    private var process: Process?

    public init(port: Int = TestMedia.freePort()) throws {
        self.port = port
        directory = try TestMedia.temporaryDirectory("maskstream-redis")
    }

    public var url: String { "redis://127.0.0.1:\(port)" }

    /// Starts the server (or restarts it on the same port and data) and waits until it answers PING.
    public func start() throws {
        let p = TestMedia.processWithDefaultSignals("/usr/bin/redis-server")
        p.arguments! += ["--port", String(port), "--bind", "127.0.0.1", "--dir", directory.path(),
                       "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no",
                       "--protected-mode", "no", "--logfile", directory.appending(path: "redis.log").path()]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if (try? cli(["PING"]))?.trimmingCharacters(in: .whitespacesAndNewlines) == "PONG" { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        stop()
        throw TestFailure("redis-server did not answer on port \(port)")
    }

    /// Kills the server with `signal` (SIGKILL: an abrupt death) and waits for it to exit.
    public func stop(signal: Int32 = SIGKILL) {
        if let p = process, p.isRunning {
            kill(p.processIdentifier, signal)
            p.waitUntilExit()
        }
        process = nil
    }

    /// Runs `redis-cli --raw` against the server; returns its standard output.
    public func cli(_ arguments: [String]) throws -> String {
        let r = try TestMedia.run("redis-cli", ["-h", "127.0.0.1", "-p", String(port), "--raw"] + arguments,
                                  timeout: 20)
        guard r.status == 0 else { throw TestFailure("redis-cli \(arguments) failed: \(r.stderr)") }
        return r.stdout
    }

    /// The `record` field of every entry of a stream, oldest first, read with redis-cli.
    public func streamRecords(_ key: String) throws -> [String] {
        // --raw XRANGE prints each entry as three lines: id, field, value (records hold no newline).
        let lines = try cli(["XRANGE", key, "-", "+"]).split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init)
        var records: [String] = []
        var i = 0
        while i + 2 < lines.count {
            if lines[i + 1] == "record" { records.append(lines[i + 2]) }
            i += 3
        }
        return records
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A real `mosquitto` broker on 127.0.0.1 (Debian's package) with persistence in a temporary
/// folder: a SIGTERMed broker saves its subscriptions and queued QoS 1 messages and restarts
/// with them.
public final class MosquittoTestServer: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    private var process: Process?

    public init(port: Int = TestMedia.freePort()) throws {
        self.port = port
        directory = try TestMedia.temporaryDirectory("maskstream-mosquitto")
        // Started as root, mosquitto drops to its own user, which must be able to save its state here.
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: directory.path())
        let conf = """
            listener \(port) 127.0.0.1
            allow_anonymous true
            persistence true
            persistence_location \(directory.path())/
            max_queued_messages 100000

            """
        try conf.write(to: directory.appending(path: "mosquitto.conf"), atomically: true, encoding: .utf8)
    }

    public var url: String { "mqtt://127.0.0.1:\(port)" }

    /// Starts the broker (or restarts it with its saved state) and waits until it accepts connections.
    public func start() throws {
        let p = TestMedia.processWithDefaultSignals("/usr/sbin/mosquitto")
        p.arguments! += ["-c", directory.appending(path: "mosquitto.conf").path()]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if TestMedia.acceptsConnections(port: port) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        stop()
        throw TestFailure("mosquitto did not listen on port \(port)")
    }

    /// Stops the broker with `signal` (SIGTERM: saves its state; SIGKILL: an abrupt death).
    public func stop(signal: Int32 = SIGTERM) {
        if let p = process, p.isRunning {
            kill(p.processIdentifier, signal)
            p.waitUntilExit()
        }
        process = nil
    }

    /// The one retained message of `topic` (mosquitto_sub), or nil when there is none.
    public func retained(_ topic: String) throws -> String? {
        let r = try TestMedia.run("mosquitto_sub", ["-h", "127.0.0.1", "-p", String(port), "-t", topic,
                                                     "-C", "1", "-W", "3", "--retained-only"], timeout: 20)
        let text = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    deinit {
        stop(signal: SIGKILL)
        try? FileManager.default.removeItem(at: directory)
    }
}

/// An independent MQTT consumer: `mosquitto_sub` with a persistent session (clean session off,
/// QoS 1), so messages published while it reconnects after a broker restart are queued for it.
/// Its output (one `topic payload` line per message) goes to a file.
public final class MQTTTestSubscriber: @unchecked Sendable {
    private let process = Process()
    private let output: URL
    public let topic: String

    /// Starts the subscriber and waits until it receives a probe message on `topic` (so it is
    /// subscribed before the test publishes).
    public init(broker: MosquittoTestServer, topic: String) throws {
        self.topic = topic
        output = broker.directory.appending(path: "sub-\(UUID().uuidString.prefix(6)).txt")
        FileManager.default.createFile(atPath: output.path(), contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/mosquitto_sub")
        process.arguments = ["-h", "127.0.0.1", "-p", String(broker.port), "-t", topic, "-q", "1", "-v",
                             "-c", "-i", "maskstream-test-\(UUID().uuidString.prefix(8))"]
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            _ = try TestMedia.run("mosquitto_pub", ["-h", "127.0.0.1", "-p", String(broker.port), "-t", topic,
                                                     "-q", "1", "-m", "probe"], timeout: 10)
            Thread.sleep(forTimeInterval: 0.2)
            if lines().contains("\(topic) probe") { return }
        }
        stop()
        throw TestFailure("mosquitto_sub did not receive on \(topic)")
    }

    /// The payloads received so far (probes left out), in arrival order.
    public func payloads() -> [String] {
        lines().compactMap { line in
            guard line.hasPrefix(topic + " ") else { return nil }
            let payload = String(line.dropFirst(topic.count + 1))
            return payload == "probe" ? nil : payload
        }
    }

    private func lines() -> [String] {
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}

extension TestMedia {
    /// A process that runs `executable` with every signal unblocked and at its default action:
    /// a child inherits the blocked mask of the (dispatch worker) thread that spawns it, and a
    /// server that never sees SIGTERM cannot be stopped cleanly. Append the arguments.
    public static func processWithDefaultSignals(_ executable: String) -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        let reset = "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); "
            + "[signal.signal(s, signal.SIG_DFL) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)]; "
            + "os.execv(sys.argv[1], sys.argv[1:])"
        p.arguments = ["-c", reset, executable]
        return p
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    public static func acceptsConnections(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let len = socklen_t(MemoryLayout<sockaddr_in>.size)
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, len) }
        } == 0
    }
}
