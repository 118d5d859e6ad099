import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamPipeline

/// `--input -`: the `maskstream` executable reads a stream piped to its standard input.
@Suite(.serialized) struct StandardInputSourceTests {
    @Test func theCLIReadsAStreamPipedToStandardInput() throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let frames = 6
        let clip = try TestMedia.makeClip(in: dir, name: "in.ts", codec: "libx264", frames: frames,
                                          width: 128, height: 96)
        let out = dir.appending(path: "r.jsonl")
        let yaml = dir.appending(path: "p.yaml")
        try """
        sources:
          - url: examples/sample.mp4
        model:
          path: \(TestMedia.repositoryRoot.appending(path: "models/default").path())
        sinks:
          - { type: jsonl, path: \(out.path()) }
        """.write(to: yaml, atomically: true, encoding: .utf8)

        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
        p.arguments = ["run", yaml.path(), "--input", "-", "--no-progress"]
        p.currentDirectoryURL = TestMedia.repositoryRoot
        let input = Pipe(), err = Pipe()
        p.standardInput = input
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let bytes = try Data(contentsOf: clip)
        signal(SIGPIPE, SIG_IGN)  // a child that fails early closes its end: the write then fails, not the test
        try? input.fileHandleForWriting.write(contentsOf: bytes)
        try? input.fileHandleForWriting.close()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(stderr)")
        let records = try FrameRecord.readJSONL(out)
        #expect(records.count == frames, "every piped frame: \(stderr)")
        #expect(records.map(\.pts) == (try TestMedia.probeFramePTS(clip)))
        #expect(records.allSatisfy { $0.file == nil && $0.width == 128 })
    }
}
