import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamMedia

/// Image sequences (folder, glob, `%05d` pattern) decoded with real FFmpeg over images made
/// by the ffmpeg CLI; each image is a solid grey level so a frame's pixels show which file it is.
@Suite struct ImageSequenceReaderTests {
    /// Writes `images` (name → grey level) into `dir`.
    func make(_ images: [(String, Int)], in dir: URL, width: Int = 64, height: Int = 48) throws {
        for (name, gray) in images {
            try TestMedia.makeImage(dir.appending(path: name), gray: gray, width: width, height: height)
        }
    }

    func readAll(_ url: String, fps: Double = 25, warnings: Locked<[String]>? = nil) throws -> [VideoFrame] {
        let reader = try MediaInput.open(url, imageFrameRate: fps,
                                         log: { line in warnings?.withLock { $0.append(line) } })
        var frames: [VideoFrame] = []
        while let f = try reader.nextFrame() { frames.append(f) }
        return frames
    }

    /// The grey level of a frame (its first pixel's red).
    func gray(_ f: VideoFrame) -> Int { Int(f.rgb[0]) }

    /// Whether grey levels match within `tolerance` (FFmpeg's colour source goes through YUV).
    func close(_ a: [Int], _ b: [Int], tolerance: Int = 2) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
    }

    /// A path in `dir` whose name FFmpeg reads as written (`%` and `[` not percent-encoded).
    func path(_ dir: URL, _ name: String) -> String {
        (dir.path(percentEncoded: false) as NSString).appendingPathComponent(name)
    }

    @Test func folderOfJPEGsInNaturalOrderWithGaps() throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try make([("img10.jpg", 200), ("img2.jpg", 120), ("img1.jpg", 40)], in: dir)
        let reader = try ImageSequenceReader(url: dir.path(), frameRate: 25)
        #expect(reader.info.width == 64 && reader.info.height == 48)
        #expect(reader.info.codec == "mjpeg")
        #expect(reader.info.declaredFrameCount == 3)
        #expect(reader.info.timeBase == Rational(1, 25))
        var frames: [VideoFrame] = []
        while let f = try reader.nextFrame() { frames.append(f) }
        #expect(frames.map(\.file) == ["img1.jpg", "img2.jpg", "img10.jpg"])
        #expect(frames.map(\.index) == [0, 1, 2])
        #expect(frames.map(\.timestamp.pts) == [0, 1, 2])
        let grays = frames.map(gray)
        #expect(zip(grays, [40, 120, 200]).allSatisfy { abs($0 - $1) <= 8 }, "pixels follow the files: \(grays)")
        #expect(frames.allSatisfy { $0.rgb.count == 64 * 48 * 3 && $0.packets.isEmpty })
        #expect(reader.corruptPackets == 0)
    }

    @Test func printfPatternStartsWhereFFmpegDoesAndStopsAtTheFirstGap() throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Numbers 3, 4, 5, then a gap, then 7: ffmpeg finds 3 (within 0...4) and stops before 6.
        try make([("00003.png", 30), ("00004.png", 40), ("00005.png", 50), ("00007.png", 70)], in: dir)
        let frames = try readAll(path(dir, "%05d.png"))
        #expect(frames.map(\.file) == ["00003.png", "00004.png", "00005.png"])
        #expect(close(frames.map(gray), [30, 40, 50]), "\(frames.map(gray))")
        #expect(frames.map(\.timestamp.pts) == [0, 1, 2])
    }

    @Test func printfPatternMatchingNothingIsNotFound() throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // The first image is number 7: outside ffmpeg's 0...4 start range.
        try make([("00007.png", 70)], in: dir)
        let pattern = path(dir, "%05d.png")
        let error = #expect(throws: MaskstreamError.self) { try MediaReader.checkInput(pattern) }
        #expect(error?.code == .notFound)
        #expect(error?.message.contains("matches no file") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("00000.png") == true, "names the files it looked for")
        let opened = #expect(throws: MaskstreamError.self) { try MediaInput.open(pattern) }
        #expect(opened?.code == .notFound)
    }

    @Test func globInNaturalOrder() throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try make([("f10.png", 100), ("f9.png", 90), ("f1.png", 10), ("g1.png", 5)], in: dir)
        let frames = try readAll(path(dir, "f*.png"))
        #expect(frames.map(\.file) == ["f1.png", "f9.png", "f10.png"])
        #expect(close(frames.map(gray), [10, 90, 100]), "\(frames.map(gray))")
    }

    @Test func globAcrossFoldersNamesTheSubfolder() throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for sub in ["seq2", "seq10"] {
            try FileManager.default.createDirectory(at: dir.appending(path: sub), withIntermediateDirectories: true)
        }
        try make([("seq10/1.png", 101), ("seq2/1.png", 21)], in: dir)
        let frames = try readAll(path(dir, "seq*/*.png"))
        #expect(frames.map(\.file) == ["seq2/1.png", "seq10/1.png"])
        #expect(close(frames.map(gray), [21, 101]), "\(frames.map(gray))")
    }

    @Test func globMatchingNothingIsNotFound() throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let error = #expect(throws: MaskstreamError.self) { try MediaReader.checkInput(path(dir, "*.png")) }
        #expect(error?.code == .notFound)
        #expect(error?.message.contains("matches no file") == true)
    }

    @Test(arguments: [25.0, 10, 29.97])
    func framesAreTimedAtTheFrameRate(_ fps: Double) throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try make((1...4).map { ("\($0).png", $0 * 10) }, in: dir)
        let frames = try readAll(dir.path(), fps: fps)
        #expect(frames.map(\.timestamp.pts) == [0, 1, 2, 3])
        for (i, f) in frames.enumerated() {
            #expect(abs(f.timestamp.seconds - Double(i) / fps) < 1e-9, "frame \(i) at \(f.timestamp.seconds) s")
        }
        let reader = try ImageSequenceReader(url: dir.path(), frameRate: fps)
        #expect(abs(reader.info.frameRate.value - fps) < 1e-9)
        #expect(abs((reader.info.duration ?? 0) - 4 / fps) < 1e-9)
    }

    @Test func emptyFolderIsATypedError() throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let error = #expect(throws: MaskstreamError.self) { try MediaReader.checkInput(dir.path()) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("is empty") == true, "\(error?.message ?? "")")
    }

    @Test func folderWithoutImagesIsATypedError() throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("hello".utf8).write(to: dir.appending(path: "notes.txt"))
        let error = #expect(throws: MaskstreamError.self) { try ImageSequence(listing: dir.path()) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("holds no images") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("notes.txt") == true)
        #expect(error?.message.contains(".jpg") == true, "says which extensions count")
    }

    @Test func nonImageFilesAreSkippedAndLoggedOnce() throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try make([("1.png", 10), ("2.png", 20)], in: dir)
        try Data("x".utf8).write(to: dir.appending(path: "groundtruth.txt"))
        try Data("{}".utf8).write(to: dir.appending(path: "meta.json"))
        try Data("x".utf8).write(to: dir.appending(path: ".DS_Store"))
        try FileManager.default.createDirectory(at: dir.appending(path: "masks"), withIntermediateDirectories: true)
        let warnings = Locked<[String]>([])
        let frames = try readAll(dir.path(), warnings: warnings)
        #expect(frames.map(\.file) == ["1.png", "2.png"])
        let lines = warnings.withLock { $0 }
        #expect(lines.count == 1, "one line for the skipped files: \(lines)")
        #expect(lines.first?.contains("skipped 2 files") == true)
        #expect(lines.first?.contains("groundtruth.txt") == true && lines.first?.contains("meta.json") == true)
    }

    @Test func corruptImagesInTheMiddleAreSkippedAndCounted() throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try make([("00001.jpg", 10), ("00002.jpg", 20), ("00004.jpg", 40), ("00006.jpg", 60)], in: dir)
        try Data(String(repeating: "not a jpeg ", count: 50).utf8).write(to: dir.appending(path: "00003.jpg"))
        try Data().write(to: dir.appending(path: "00005.jpg"))
        let warnings = Locked<[String]>([])
        let reader = try ImageSequenceReader(url: dir.path(), warn: { line in warnings.withLock { $0.append(line) } })
        var frames: [VideoFrame] = []
        while let f = try reader.nextFrame() { frames.append(f) }
        #expect(frames.map(\.file) == ["00001.jpg", "00002.jpg", "00004.jpg", "00006.jpg"], "every decodable image")
        #expect(frames.map(\.index) == [0, 1, 2, 3])
        #expect(frames.map(\.timestamp.pts) == [0, 1, 3, 5], "a skipped image leaves its time empty")
        #expect(reader.corruptPackets == 2)
        #expect(reader.corruptFiles == ["00003.jpg", "00005.jpg"])
        let lines = warnings.withLock { $0 }
        #expect(lines.count == 2 && lines[0].contains("'00003.jpg'") && lines[1].contains("'00005.jpg'"), "\(lines)")
    }

    @Test func corruptFirstImageIsSkippedToo() throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("garbage".utf8).write(to: dir.appending(path: "1.png"))
        try make([("2.png", 20)], in: dir)
        let reader = try ImageSequenceReader(url: dir.path())
        let frame = try #require(try reader.nextFrame())
        #expect(frame.file == "2.png" && frame.timestamp.pts == 1 && frame.index == 0)
        #expect(try reader.nextFrame() == nil)
        #expect(reader.corruptPackets == 1)
    }

    @Test func noDecodableImageIsATypedError() throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("garbage".utf8).write(to: dir.appending(path: "1.jpg"))
        try Data("garbage".utf8).write(to: dir.appending(path: "2.jpg"))
        let error = #expect(throws: MaskstreamError.self) { try ImageSequenceReader(url: dir.path()) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("no decodable image") == true)
        #expect(error?.message.contains("'1.jpg'") == true, "names the first failing file")
    }

    @Test func anImageOfAnotherSizeIsAnErrorNamingIt() throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try make([("1.png", 10), ("2.png", 20)], in: dir)
        try make([("3.png", 30)], in: dir, width: 32, height: 32)
        let reader = try ImageSequenceReader(url: dir.path())
        #expect(try reader.nextFrame()?.file == "1.png")
        #expect(try reader.nextFrame()?.file == "2.png")
        let error = #expect(throws: MaskstreamError.self) { try reader.nextFrame() }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("3.png") == true && error?.message.contains("32x32") == true
            && error?.message.contains("64x48") == true, "\(error?.message ?? "")")
    }

    @Test func otherImageFormatsDecode() throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try make([("a1.bmp", 11), ("a2.tiff", 22), ("a3.ppm", 33), ("a4.PNG", 44)], in: dir)
        let frames = try readAll(dir.path())
        #expect(frames.map(\.file) == ["a1.bmp", "a2.tiff", "a3.ppm", "a4.PNG"])
        #expect(close(frames.map(gray), [11, 22, 33, 44]), "\(frames.map(gray))")
    }

    @Test func cancelEndsTheSequence() throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try make([("1.png", 10), ("2.png", 20), ("3.png", 30)], in: dir)
        let reader = try ImageSequenceReader(url: dir.path())
        #expect(try reader.nextFrame() != nil)
        reader.cancel()
        #expect(try reader.nextFrame() == nil)
    }
}
