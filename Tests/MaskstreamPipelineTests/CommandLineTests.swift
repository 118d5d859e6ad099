import Foundation
import Testing
import MaskstreamTestSupport

/// The `maskstream` executable as a user runs it: exit codes, messages, signals.
@Suite(.serialized) struct CommandLineTests {
    static let root = TestMedia.repositoryRoot

    /// The CLI built next to the test bundle by `swift build --build-tests`.
    static var binary: String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while dir.path != "/" {
            let candidate = dir.appending(path: "maskstream").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return Self.root.appending(path: ".build/debug/maskstream").path
    }

    @Test func badInputExitsNonZeroWithATypedMessage() throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = try TestMedia.run(Self.binary, ["run", Self.root.appending(path: "pipelines/default.yaml").path(), "--input", "/no/clip.mp4"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("error: notFound: input '/no/clip.mp4' does not exist"), "\(missing.stderr)")

        let yaml = dir.appending(path: "bad.yaml")
        try "sources:\n  - url: x.mp4\n    colour: red\n".write(to: yaml, atomically: true, encoding: .utf8)
        let bad = try TestMedia.run(Self.binary, ["run", yaml.path()])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains(":3: unknown key 'sources[0].colour'"), "\(bad.stderr)")

        let notTS = try TestMedia.run(Self.binary, ["inspect", Self.root.appending(path: "examples/sample.mp4").path()])
        #expect(notTS.status != 0)
        #expect(notTS.stderr.contains("has no data stream"), "\(notTS.stderr)")
    }

    /// A truncated input finishes with exit status 3 ("done, input damaged"), not 0 or 1.
    @Test func damagedInputExitsThree() throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let whole = dir.appending(path: "whole.mp4"), cut = dir.appending(path: "cut.mp4")
        _ = try TestMedia.run("ffmpeg", ["-v", "error", "-y", "-i", Self.root.appending(path: "examples/sample.mp4").path(),
                                         "-t", "1", "-c", "copy", "-movflags", "+faststart", whole.path()])
        let bytes = try Data(contentsOf: whole)
        try bytes.prefix(bytes.count - 2000).write(to: cut)
        let pipeline = Self.root.appending(path: "pipelines/default.yaml").path()
        let damaged = try TestMedia.run(Self.binary, ["run", pipeline, "--input", cut.path(), "--output", dir.path(),
                                                      "--no-progress"])
        #expect(damaged.status == 3, "\(damaged.stderr)")
        #expect(damaged.stderr.contains("warning: input '\(cut.path())' is damaged"), "\(damaged.stderr)")
        let clean = try TestMedia.run(Self.binary, ["run", pipeline, "--input", whole.path(), "--output", dir.path(),
                                                    "--no-progress"])
        #expect(clean.status == 0, "\(clean.stderr)")
    }

    @Test func sigintDrainsAndLeavesValidOutputs() throws {
        let out = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let cwd = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(Self.root.path())
        defer { FileManager.default.changeCurrentDirectoryPath(cwd) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary)
        p.arguments = ["run", "pipelines/default.yaml", "--output", out.path(), "--no-progress"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        // Wait until some frames are through, then interrupt as Ctrl-C would.
        let jsonl = out.appending(path: "sample.jsonl")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let lines = (try? String(contentsOf: jsonl, encoding: .utf8))?.split(separator: "\n").count ?? 0
            if lines >= 3 { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationStatus == 0, "\(stderr)")
        #expect(stderr.contains("stopping: draining"))
        #expect(stderr.contains("stopped early"))
        let records = try String(contentsOf: jsonl, encoding: .utf8).split(separator: "\n")
        #expect(records.count >= 3 && records.count < 120)
        let ts = try TestMedia.run(Self.binary, ["inspect", out.appending(path: "sample.ts").path(), "--summary"])
        #expect(ts.status == 0)
        #expect(ts.stdout.split(separator: "\n").count == records.count, "one KLV record per written frame")
        let probe = try TestMedia.run("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames",
                                                   "-of", "csv=p=0", out.appending(path: "sample.annotated.mp4").path()])
        #expect(probe.status == 0)
        #expect(Int(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) == records.count)
        let ytvis = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appending(path: "sample.ytvis.json")))
        #expect(ytvis is [Any])
    }
}
