import Foundation

/// Helpers shared by the test targets: temporary folders, processes, generated clips,
/// and a real RTSP server on loopback.
public enum TestMedia {
    /// A fresh temporary directory.
    public static func temporaryDirectory(_ name: String = "maskstream-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appending(path: "\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs a program to completion; returns (status, stdout, stderr).
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], timeout: Double = 120) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
        process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outData = LockedData(), errData = LockedData()
        let group = DispatchGroup()
        group.enter(); DispatchQueue.global().async { outData.set(out.fileHandleForReading.readDataToEndOfFile()); group.leave() }
        group.enter(); DispatchQueue.global().async { errData.set(err.fileHandleForReading.readDataToEndOfFile()); group.leave() }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            throw TestFailure("\(executable) \(arguments.joined(separator: " ")) timed out after \(timeout) s")
        }
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData.get(), as: UTF8.self), String(decoding: errData.get(), as: UTF8.self))
    }

    /// Encodes a test-pattern clip with the ffmpeg CLI.
    public static func makeClip(in dir: URL, name: String, codec: String, frames: Int = 60, width: Int = 96, height: Int = 64,
                                fps: Int = 25, pixelFormat: String = "yuv420p", pattern: String = "testsrc2", extra: [String] = []) throws -> URL {
        let url = dir.appending(path: name)
        let args = ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
                    "-i", "\(pattern)=size=\(width)x\(height):rate=\(fps)",
                    "-frames:v", String(frames), "-c:v", codec, "-pix_fmt", pixelFormat] + extra + [url.path()]
        let r = try run("ffmpeg", args)
        guard r.status == 0 else { throw TestFailure("ffmpeg failed for \(name): \(r.stderr)") }
        return url
    }

    /// Writes one still image of a solid grey level (`gray` in 0...255) with the ffmpeg CLI;
    /// the format follows the extension (`.jpg`, `.png`, …).
    @discardableResult
    public static func makeImage(_ url: URL, gray: Int, width: Int = 64, height: Int = 48) throws -> URL {
        let hex = String(format: "0x%02X%02X%02X", gray, gray, gray)
        let args = ["-hide_banner", "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", "color=c=\(hex):size=\(width)x\(height)",
                    "-frames:v", "1", "-update", "1", url.path()]
        let r = try run("ffmpeg", args)
        guard r.status == 0 else { throw TestFailure("ffmpeg failed for \(url.lastPathComponent): \(r.stderr)") }
        return url
    }

    /// The presentation timestamps ffprobe reports for every video frame (best effort).
    public static func probeFramePTS(_ url: URL) throws -> [Int64] {
        let r = try run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "frame=best_effort_timestamp",
                                     "-of", "csv=p=0", url.path()])
        guard r.status == 0 else { throw TestFailure("ffprobe failed: \(r.stderr)") }
        return r.stdout.split(whereSeparator: \.isNewline).compactMap { Int64($0.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: ",")))) }
    }

    /// The repository root (for scripts/ and examples/).
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// A free TCP port on 127.0.0.1.
    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

extension TestMedia {
    /// Starts `scripts/<script>` with Debian's python3 and waits until it prints a line that
    /// starts with `READY`; returns the process and that line. Kills it and throws otherwise.
    public static func startServerScript(_ script: String, _ arguments: [String],
                                         timeout: Double = 15) throws -> (process: Process, ready: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = [repositoryRoot.appending(path: "scripts/\(script)").path()] + arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let handle = out.fileHandleForReading
        let deadline = Date().addingTimeInterval(timeout)
        var text = ""
        while Date() < deadline {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("READY") }) {
                return (p, String(line))
            }
        }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        throw TestFailure("\(script) did not start: \(text)")
    }
}

/// A real RTSP server (GStreamer) on 127.0.0.1, started and stopped by a test.
public final class RTSPTestServer: @unchecked Sendable {
    public let port: Int
    private var process: Process?

    public init(port: Int = TestMedia.freePort()) { self.port = port }

    public var url: String { "rtsp://127.0.0.1:\(port)/test" }

    /// Whether the server process is still alive, and its exit status if not (for failure messages).
    public var state: String {
        guard let p = process else { return "not started" }
        return p.isRunning ? "running (pid \(p.processIdentifier))" : "exited with status \(p.terminationStatus)"
    }

    /// Starts the server and waits until it listens.
    public func start(fps: Int = 25) throws {
        process = try TestMedia.startServerScript("rtsp_test_server.py", [String(port), "--fps", String(fps)]).process
    }

    /// Kills the server (SIGKILL: an abrupt death, as a crashing camera).
    public func stop() {
        if let p = process, p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        process = nil
    }

    deinit { stop() }
}

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ d: Data) { lock.withLock { data = d } }
    func get() -> Data { lock.withLock { data } }
}
