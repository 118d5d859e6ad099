import Foundation

/// Download progress of one file: `start` once, `update` with the bytes on disk (resumed
/// bytes included), `finish` once.
public protocol HubProgress: Sendable {
    func start(file: String, total: Int64, resumedAt: Int64)
    func update(bytes: Int64)
    func finish()
}

/// A download bar on standard error: `config.json  1.2 MB / 3.0 MB  40%  5.1 MB/s`, redrawn at
/// most ten times a second on a terminal; elsewhere one line when a file starts and one
/// when it ends (logs stay readable).
public final class HubProgressBar: HubProgress, @unchecked Sendable {
    private struct State {
        var file = ""
        var total: Int64 = 0
        var resumedAt: Int64 = 0
        var bytes: Int64 = 0
        var started = Date()
        var drawn = Date.distantPast
    }

    private let state = Locked(State())
    private let terminal: Bool
    private let write: @Sendable (String) -> Void

    /// A bar on standard error; `terminal` defaults to whether standard error is a TTY.
    public init(terminal: Bool = isatty(STDERR_FILENO) == 1,
                write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.terminal = terminal
        self.write = write
    }

    public func start(file: String, total: Int64, resumedAt: Int64) {
        state.withLock { $0 = State(file: file, total: total, resumedAt: resumedAt, bytes: resumedAt) }
        if !terminal {
            let resumed = resumedAt > 0 ? ", resuming at \(Self.bytes(resumedAt))" : ""
            write("download: \(file) (\(Self.bytes(total))\(resumed))\n")
        }
    }

    public func update(bytes: Int64) {
        let line: String? = state.withLock { s in
            s.bytes = bytes
            let now = Date()
            guard terminal, now.timeIntervalSince(s.drawn) >= 0.1 else { return nil }
            s.drawn = now
            return Self.line(s, now: now)
        }
        if let line { write("\r\(line)\u{1B}[K") }
    }

    public func finish() {
        let line = state.withLock { Self.line($0, now: Date()) }
        write(terminal ? "\r\(line)\u{1B}[K\n" : "download: \(line)\n")
    }

    private static func line(_ s: State, now: Date) -> String {
        let seconds = max(now.timeIntervalSince(s.started), 1e-3)
        let rate = Double(s.bytes - s.resumedAt) / seconds
        let percent = s.total > 0 ? Int(100 * Double(s.bytes) / Double(s.total)) : 0
        return "\(s.file)  \(bytes(s.bytes)) / \(bytes(s.total))  \(percent)%  \(bytes(Int64(rate)))/s"
    }

    /// `1.5 MB` (decimal units, as the hub's web pages show sizes).
    static func bytes(_ n: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(n), unit = 0
        while value >= 1000, unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(n) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}
