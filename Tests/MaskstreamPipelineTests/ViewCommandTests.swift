import Foundation
import MaskstreamTestSupport
import Testing

/// `maskstream run --view` and `maskstream view` as a user runs them.
@Suite(.serialized) struct ViewCommandTests {
    static let root = TestMedia.repositoryRoot

    /// Starts `maskstream ARGS` in the repository root; stdout and stderr go to files in `dir`.
    func start(_ arguments: [String], in dir: URL) throws -> (Process, stdout: URL, stderr: URL) {
        let (out, err) = (dir.appending(path: "stdout.txt"), dir.appending(path: "stderr.txt"))
        FileManager.default.createFile(atPath: out.path(), contents: nil)
        FileManager.default.createFile(atPath: err.path(), contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        p.arguments = arguments
        p.currentDirectoryURL = Self.root
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return (p, out, err)
    }

    func text(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

    @Test func runWithViewPrintsTheURLAndViewReplaysTheTS() throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (run, _, runErr) = try start(["run", "pipelines/default.yaml", "--output", dir.path(), "--max-frames", "5",
                                          "--no-progress", "--view", "127.0.0.1:0"], in: dir)
        run.waitUntilExit()
        let runLog = text(runErr)
        #expect(run.terminationStatus == 0, "\(runLog)")
        #expect(runLog.contains("viewer: http://127.0.0.1:"), "--view prints the viewer's URL: \(runLog)")

        let ts = dir.appending(path: "sample.ts").path()
        let replayDir = dir.appending(path: "replay")
        try FileManager.default.createDirectory(at: replayDir, withIntermediateDirectories: true)
        let (view, viewOut, viewErr) = try start(["view", ts, "--address", "127.0.0.1:0"], in: replayDir)
        defer { if view.isRunning { view.terminate() } }
        let deadline = Date().addingTimeInterval(120)
        var url: String?
        while url == nil, Date() < deadline, view.isRunning {
            url = text(viewOut).split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init)
            Thread.sleep(forTimeInterval: 0.1)
        }
        let base = try #require(url, "maskstream view prints its URL: \(text(viewOut)) \(text(viewErr))")
        #expect(text(viewOut).contains("(5 frames of"))
        let records = try TestMedia.run("curl", ["-sf", base + "replay/records.json"])
        let parsed = try JSONSerialization.jsonObject(with: Data(records.stdout.utf8)) as? [[String: Any]]
        #expect(parsed?.map { $0["frame"] as? Int } == [0, 1, 2, 3, 4], "the KLV track's records, in order")
        let jpeg = dir.appending(path: "f.jpg").path()
        #expect(try TestMedia.run("curl", ["-sf", "-o", jpeg, base + "replay/frame/4.jpg"]).status == 0)
        let size = try TestMedia.run("ffprobe", ["-v", "error", "-show_entries", "stream=width,height",
                                                 "-of", "csv=p=0", jpeg])
        #expect(size.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "640,360", "frames at the video's size")
        #expect(try TestMedia.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", base + "replay/frame/5.jpg"])
            .stdout == "404")
        #expect(try TestMedia.run("curl", ["-sf", base]).stdout.contains("scrubber"))
        kill(view.processIdentifier, SIGINT)
        view.waitUntilExit()
        #expect(view.terminationStatus == 0, "\(text(viewErr))")
    }

    @Test func badViewInputsAreClearErrors() throws {
        let sample = Self.root.appending(path: "examples/sample.mp4").path()
        let notTS = try TestMedia.run(CommandLineTests.binary, ["view", sample])
        #expect(notTS.status != 0)
        #expect(notTS.stderr.contains("error:"), "\(notTS.stderr)")
        let address = try TestMedia.run(CommandLineTests.binary, ["run", "x.yaml", "--view", "127.0.0.1:99999"])
        #expect(address.status != 0)
        #expect(address.stderr.contains("is not HOST:PORT"), "\(address.stderr)")
        let stray = try TestMedia.run(CommandLineTests.binary, ["run", "x.yaml", "127.0.0.1:9000"])
        #expect(stray.status != 0)
    }
}
