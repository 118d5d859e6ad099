import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamMedia

/// What a source URL names, standard input and cameras.
@Suite struct InputKindTests {
    @Test func classifiesURLs() throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appending(path: "clip%d*.mp4").path()
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let cases: [(String, InputKind)] = [
            ("rtsp://127.0.0.1/cam", .network),
            ("-", .pipe("-")),
            ("pipe:0", .pipe("pipe:0")),
            ("/dev/video0", .device("/dev/video0")),
            (dir.path(), .imageFolder(dir.path())),
            ("frames/%05d.jpg", .imagePattern("frames/%05d.jpg")),
            ("frames/*.png", .imageGlob("frames/*.png")),
            ("frames/img[0-9].png", .imageGlob("frames/img[0-9].png")),
            ("clip.mp4", .file("clip.mp4")),
            ("file:///x/clip.mp4", .file("/x/clip.mp4")),
            ("100%.mp4", .file("100%.mp4")),
            (file, .file(file)),  // an existing file is a file, whatever its name holds
        ]
        for (url, kind) in cases { #expect(InputKind(url) == kind, "\(url)") }
        #expect(InputKind("-").ffmpegURL("-") == "pipe:0")
        #expect(!InputKind("-").isImageSequence && InputKind("frames/*.png").isImageSequence)
        #expect(!InputKind("frames/%05d.jpg").hasVideoPackets && InputKind("clip.mp4").hasVideoPackets)
    }

    @Test func checkInputAcceptsStandardInput() throws {
        try MediaReader.checkInput("-")
        try MediaReader.checkInput("pipe:0")
    }

    @Test func missingCameraIsNotFound() throws {
        let error = #expect(throws: MaskstreamError.self) { try MediaReader.checkInput("/dev/video97") }
        #expect(error?.code == .notFound)
        #expect(error?.message.contains("camera '/dev/video97' does not exist") == true, "\(error?.message ?? "")")
        let opened = #expect(throws: MaskstreamError.self) { try MediaInput.open("/dev/video97") }
        #expect(opened?.code == .notFound)
    }

    @Test func aRegularFileIsNotACamera() throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appending(path: "video0").path()
        try Data("x".utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: MaskstreamError.self) { try InputKind.checkDevice(path) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("not a V4L2 camera") == true)
    }

    @Test func ffmpegHasTheV4L2Input() throws {
        #expect(try InputKind.device("/dev/video0").inputFormat() != nil, "libavdevice is linked and registered")
        #expect(try InputKind.file("clip.mp4").inputFormat() == nil)
    }

    @Test func mediaReaderRefusesAnImageSequence() throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestMedia.makeImage(dir.appending(path: "1.png"), gray: 10)
        let error = #expect(throws: MaskstreamError.self) { try MediaReader(url: dir.path()) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("MediaInput.open") == true)
    }
}

/// `-` reads a stream from standard input (FFmpeg's `pipe:0`): this suite puts a real pipe on
/// file descriptor 0 of the test process for the duration of the test.
@Suite(.serialized) struct StandardInputTests {
    @Test func readsAStreamFromStandardInput() throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let clip = try TestMedia.makeClip(in: dir, name: "in.ts", codec: "libx264", frames: 20)
        let bytes = try Data(contentsOf: clip)
        let pipe = Pipe()
        let saved = dup(0)
        #expect(dup2(pipe.fileHandleForReading.fileDescriptor, 0) == 0)
        defer { dup2(saved, 0); close(saved) }
        let writer = Thread {
            try? pipe.fileHandleForWriting.write(contentsOf: bytes)
            try? pipe.fileHandleForWriting.close()
        }
        writer.start()
        let reader = try MediaInput.open("-")
        #expect(reader.info.url == "-")
        #expect(reader.info.codec == "h264")
        var frames: [VideoFrame] = []
        while let f = try reader.nextFrame() { frames.append(f) }
        #expect(frames.count == 20, "every frame of the piped stream")
        #expect(frames.map(\.timestamp.pts) == (try TestMedia.probeFramePTS(clip)))
        #expect(frames.allSatisfy { $0.file == nil })
    }
}
