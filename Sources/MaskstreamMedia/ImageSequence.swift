import CFFmpeg
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The images of an image-sequence source, in frame order: a folder (DAVIS/MOT style), a
/// glob (`frames/*.png`) or FFmpeg's printf pattern (`frames/%05d.jpg`).
///
/// - A folder or glob keeps the files with an image extension (``imageExtensions``) and
///   sorts them in ``NaturalOrder`` (`img2.jpg` before `img10.jpg`); gaps in the numbering
///   are fine. Other files are listed in ``skipped``; hidden files and folders are ignored.
/// - A pattern is read as the ffmpeg command line reads it: the first number is the first
///   of 0...4 whose file exists, and the sequence ends before the first missing number.
///
/// ```swift
/// let images = try ImageSequence(listing: "frames/")
/// images.entries.map(\.name)   // ["img1.jpg", "img2.jpg", "img10.jpg"]
/// ```
public struct ImageSequence: Sendable, Equatable {
    /// One image: its path, and the name records carry (its path below the sequence's folder).
    public struct Entry: Sendable, Equatable {
        public var path: String
        public var name: String
    }

    /// The URL as given.
    public let url: String
    public let entries: [Entry]
    /// Names of the files left out because their extension is not an image's.
    public let skipped: [String]

    /// Extensions (lower case) counted as images in a folder or glob.
    public static let imageExtensions: Set<String> = [
        "jpg", "jpeg", "jpe", "png", "bmp", "tif", "tiff", "webp", "ppm", "pgm", "pbm", "pnm", "tga",
        "jp2", "j2k", "dpx",
    ]

    /// The numbers ffmpeg's image2 demuxer tries for a pattern's first image (`-start_number 0`,
    /// `-start_number_range 5`).
    static let patternStartNumbers = 0..<5

    /// Lists the images `url` names.
    ///
    /// - Throws: `MaskstreamError` `.notFound` (a pattern or glob that matches nothing),
    ///   `.invalidInput` (an empty folder, or one without images), `.io` (an unreadable folder).
    public init(listing url: String) throws {
        self.url = url
        switch InputKind(url) {
        case .imageFolder(let path): (entries, skipped) = try Self.folder(path)
        case .imageGlob(let pattern): (entries, skipped) = try Self.globbed(pattern)
        case .imagePattern(let pattern): (entries, skipped) = (try Self.printfPattern(pattern), [])
        default: throw MaskstreamError(.invalidInput, "'\(url)' is not a folder, glob or %d pattern of images")
        }
    }

    /// The folder's images (natural order) and the names of its other files.
    private static func folder(_ path: String) throws -> ([Entry], [String]) {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
            throw MaskstreamError(.io, "cannot list folder '\(path)': \(error.localizedDescription); "
                + "check its permissions")
        }
        let files = names.filter { name in
            var isDir: ObjCBool = false
            let full = (path as NSString).appendingPathComponent(name)
            return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: full, isDirectory: &isDir)
                && !isDir.boolValue
        }
        if files.isEmpty {
            throw MaskstreamError(.invalidInput, "folder '\(path)' is empty: put the frames in it as images "
                + "(JPEG, PNG, …), or give a video file")
        }
        let (images, others) = partition(files)
        if images.isEmpty {
            throw MaskstreamError(.invalidInput, "folder '\(path)' holds no images (\(files.count) other files, e.g. "
                + "'\(others.sorted(by: NaturalOrder.areInIncreasingOrder)[0])'): images need one of the extensions "
                + Self.extensionList)
        }
        let entries = images.sorted(by: NaturalOrder.areInIncreasingOrder).map {
            Entry(path: (path as NSString).appendingPathComponent($0), name: $0)
        }
        return (entries, others.sorted(by: NaturalOrder.areInIncreasingOrder))
    }

    /// The glob's images (natural order of their paths) and the names of the other files it matched.
    private static func globbed(_ pattern: String) throws -> ([Entry], [String]) {
        var g = glob_t()
        defer { globfree(&g) }
        let status = glob(pattern, 0, nil, &g)
        var paths: [String] = []
        if status == 0 {
            for i in 0..<Int(g.gl_pathc) {
                if let p = g.gl_pathv[i] { paths.append(String(cString: p)) }
            }
        } else if status != GLOB_NOMATCH {
            throw MaskstreamError(.io, "cannot expand glob '\(pattern)' (glob error \(status)): "
                + "check the folders' permissions")
        }
        let files = paths.filter { p in
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: p, isDirectory: &isDir) && !isDir.boolValue
        }
        if files.isEmpty {
            throw MaskstreamError(.notFound, "glob '\(pattern)' matches no file: check the folder and the pattern "
                + "(quote it in a shell so the shell does not expand it)")
        }
        let base = fixedPrefix(of: pattern, wildcards: "*?[")
        let (images, others) = partition(files)
        if images.isEmpty {
            throw MaskstreamError(.invalidInput, "glob '\(pattern)' matches \(files.count) files but no image: images "
                + "need one of the extensions \(Self.extensionList)")
        }
        let entries = images.sorted(by: NaturalOrder.areInIncreasingOrder).map {
            Entry(path: $0, name: relative($0, to: base))
        }
        return (entries, others.map { relative($0, to: base) }.sorted(by: NaturalOrder.areInIncreasingOrder))
    }

    /// The pattern's images as FFmpeg's image2 demuxer finds them.
    private static func printfPattern(_ pattern: String) throws -> [Entry] {
        func path(_ number: Int) -> String? {
            var buffer = [CChar](repeating: 0, count: 4096)
            guard av_get_frame_filename(&buffer, Int32(buffer.count), pattern, Int32(number)) >= 0 else { return nil }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        func exists(_ p: String) -> Bool {
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: p, isDirectory: &isDir) && !isDir.boolValue
        }
        guard let first = patternStartNumbers.first(where: { path($0).map(exists) ?? false }) else {
            let tried = patternStartNumbers.compactMap { path($0) }
            throw MaskstreamError(.notFound, "pattern '\(pattern)' matches no file: the first image must be number "
                + "\(patternStartNumbers.lowerBound)...\(patternStartNumbers.upperBound - 1) "
                + "('\(tried.first ?? pattern)' … '\(tried.last ?? pattern)'); "
                + "for other numbering give the folder or a glob instead")
        }
        let base = fixedPrefix(of: pattern, wildcards: "%")
        var entries: [Entry] = []
        var number = first
        while let p = path(number), exists(p) {
            entries.append(Entry(path: p, name: relative(p, to: base)))
            number += 1
        }
        return entries
    }

    /// `names` split into those with an image extension and the others.
    private static func partition(_ names: [String]) -> (images: [String], others: [String]) {
        var images: [String] = [], others: [String] = []
        for n in names {
            let isImage = imageExtensions.contains((n as NSString).pathExtension.lowercased())
            if isImage { images.append(n) } else { others.append(n) }
        }
        return (images, others)
    }

    private static var extensionList: String {
        imageExtensions.sorted().map { ".\($0)" }.joined(separator: ", ")
    }

    /// The folder part of `pattern` before the first path component that holds a wildcard
    /// (`data/*/img*.png` → `data/`), so names keep what tells the images apart.
    private static func fixedPrefix(of pattern: String, wildcards: String) -> String {
        guard let wild = pattern.firstIndex(where: { wildcards.contains($0) }) else { return "" }
        guard let slash = pattern[..<wild].lastIndex(of: "/") else { return "" }
        return String(pattern[...slash])
    }

    private static func relative(_ path: String, to base: String) -> String {
        base.isEmpty || !path.hasPrefix(base) ? path : String(path.dropFirst(base.count))
    }
}
