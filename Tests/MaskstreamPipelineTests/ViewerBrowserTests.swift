import Foundation
import MaskstreamTestSupport
import Testing
@testable import MaskstreamPipeline

/// The live viewer in a real browser: Debian's chromium driven by selenium
/// (tools/viewer_browser_check.py, in tools/.venv, both installed by scripts/setup.sh), against a
/// real pipeline (FFmpeg, Vulkan, tracker) reading two FIFOs the script feeds with the sample.
@Suite(.serialized) struct ViewerBrowserTests {
    static let root = TestMedia.repositoryRoot

    @Test func masksDrawnInTheBrowserCarryTrackColoursAndEndedStreamsLeave() async throws {
        let python = Self.root.appending(path: "tools/.venv/bin/python").path()
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw TestFailure("tools/.venv is missing: run scripts/setup.sh (it installs selenium from "
                              + "tools/requirements-browser.txt, chromium and chromium-driver)")
        }
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifos = (0..<2).map { dir.appending(path: "stream\($0).ts").path() }
        for fifo in fifos { #expect(mkfifo(fifo, 0o600) == 0, "mkfifo \(fifo)") }
        let yaml = """
        sources:
        \(fifos.map { "  - url: \($0)" }.joined(separator: "\n"))
        model:
          path: \(Self.root.appending(path: "models/default").path())
        sinks: []
        server: { port: 0 }
        viewer: { fps: 30, quality: 80 }
        """
        let runner = PipelineRunner(config: try PipelineConfig.parse(yaml: yaml))
        let run = Task { try await runner.run() }
        while runner.serverPort == nil {
            try await Task.sleep(for: .milliseconds(100))
            if run.isCancelled { break }
        }
        let port = try #require(runner.serverPort)
        let outDir = Self.root.appending(path: "out")
        try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
        let screenshot = outDir.appending(path: "viewer-browser.png").path()
        let report = outDir.appending(path: "viewer-browser.json").path()
        let script = Self.root.appending(path: "tools/viewer_browser_check.py").path()
        let arguments = [script, "--url", "http://127.0.0.1:\(port)/", "--fifo", fifos[0], "--fifo", fifos[1],
                         "--video", Self.root.appending(path: "examples/sample.mp4").path(),
                         "--screenshot", screenshot, "--report", report]
        let result = await Self.runOffThread { try TestMedia.run(python, arguments, timeout: 900) }
        // Whatever happened, end both streams: a FIFO no writer opened still has its reader waiting.
        runner.stop()
        for fifo in fifos {
            let fd = open(fifo, O_WRONLY | O_NONBLOCK)
            if fd >= 0 { close(fd) }
        }
        let summary = try await run.value
        let output = try result.get()
        #expect(output.status == 0, "viewer check failed:\n\(output.stdout)\n\(output.stderr)")
        #expect(output.stdout.contains("OK"))
        #expect(FileManager.default.fileExists(atPath: screenshot))
        #expect(summary.framesWritten > 0)
    }

    /// `maskstream view` of a recorded TS: the same page replays it with a scrubber.
    @Test func replayOfARecordedTSScrubsThroughItsRecords() async throws {
        let python = Self.root.appending(path: "tools/.venv/bin/python").path()
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw TestFailure("tools/.venv is missing: run scripts/setup.sh")
        }
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ts = dir.appending(path: "rec.ts").path()
        let yaml = """
        sources:
          - { url: \(Self.root.appending(path: "examples/sample.mp4").path()), max_frames: 6 }
        model:
          path: \(Self.root.appending(path: "models/default").path())
        sinks:
          - { type: ts, path: \(ts) }
        """
        _ = try await PipelineRunner(config: try PipelineConfig.parse(yaml: yaml)).run()
        let view = Process()
        view.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        view.arguments = ["view", ts, "--address", "127.0.0.1:0"]
        let stdout = Pipe()
        view.standardOutput = stdout
        view.standardError = FileHandle.nullDevice
        try view.run()
        defer { if view.isRunning { view.terminate() } }
        let line = await Self.runOffThread { () -> String in
            String(decoding: stdout.fileHandleForReading.availableData, as: UTF8.self)
        }
        let url = try #require(try line.get().split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init))
        let out = Self.root.appending(path: "out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let arguments = [Self.root.appending(path: "tools/viewer_browser_check.py").path(), "--url", url,
                         "--replay", "6", "--screenshot", out.appending(path: "viewer-replay.png").path(),
                         "--report", out.appending(path: "viewer-replay.json").path()]
        let result = try await Self.runOffThread { try TestMedia.run(python, arguments, timeout: 600) }.get()
        #expect(result.status == 0, "replay check failed:\n\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("OK"))
        kill(view.processIdentifier, SIGINT)
        view.waitUntilExit()
    }

    /// Runs blocking work (a child process) on its own thread, not on a cooperative one.
    static func runOffThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async -> Result<T, any Error> {
        await withCheckedContinuation { done in
            Thread { done.resume(returning: Result { try body() }) }.start()
        }
    }
}
