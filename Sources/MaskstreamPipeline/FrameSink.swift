import Foundation

/// What a sink knows about a source before its first frame.
public struct SourceContext: Sendable {
    public var id: Int
    public var info: StreamInfo
    public var codecParameters: CodecParameters
    public var labels: [Int: String]
}

/// A destination for frame records. The pipeline calls `begin` once per source, `write`
/// for every frame in order, and `finish` exactly once (also on SIGINT/SIGTERM), so
/// every output is complete and readable.
public protocol FrameSink: AnyObject {
    var name: String { get }
    func begin(source: SourceContext) throws
    func write(_ record: FrameRecord, frame: VideoFrame) throws
    func finish() throws
}

extension FrameSink {
    public func begin(source: SourceContext) throws {}
}

/// The output path for one source: the path itself with one source, `name-<id>.ext` with several.
func perSourcePath(_ path: String, source: Int, sourceCount: Int) -> String {
    guard sourceCount > 1 else { return path }
    let url = URL(fileURLWithPath: path)
    let ext = url.pathExtension
    let base = url.deletingPathExtension().path
    return ext.isEmpty ? "\(base)-\(source)" : "\(base)-\(source).\(ext)"
}

/// Creates the folder that will hold `path`.
func prepareOutput(_ path: String) throws {
    let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
    do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
        throw MaskstreamError(.io, "cannot create output folder '\(dir.path)': \(error.localizedDescription)")
    }
}

/// A text file written line by line (or standard output for "-").
final class LineWriter {
    let path: String
    private let handle: FileHandle
    private let ownsHandle: Bool

    init(path: String) throws {
        self.path = path
        if path == "-" {
            handle = FileHandle.standardOutput
            ownsHandle = false
        } else {
            try prepareOutput(path)
            guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
                throw MaskstreamError(.io, "cannot write '\(path)': check the folder exists and is writable")
            }
            handle = h
            ownsHandle = true
        }
    }

    func write(_ line: String) throws {
        do { try handle.write(contentsOf: Data((line + "\n").utf8)) } catch {
            throw MaskstreamError(.io, "writing '\(path)' failed: \(error.localizedDescription)")
        }
    }

    func close() throws {
        if ownsHandle { try? handle.synchronize(); try handle.close() }
    }
}

/// JSON Lines: one frame record per line, to a file or stdout ("-").
public final class JSONLinesSink: FrameSink {
    public let name = "jsonl"
    private let writer: LineWriter

    public init(path: String) throws { writer = try LineWriter(path: path) }

    public func write(_ record: FrameRecord, frame: VideoFrame) throws { try writer.write(try record.jsonLine()) }
    public func finish() throws { try writer.close() }
}

/// MPEG-TS with the source video copied unchanged and one KLV record per frame at its PTS.
public final class TransportStreamSink: FrameSink {
    public let name = "ts"
    private let path: String
    private let sourceCount: Int
    private var writers: [Int: MetadataTSWriter] = [:]

    public init(path: String, sourceCount: Int) throws {
        self.path = path
        self.sourceCount = sourceCount
        try prepareOutput(path)
    }

    public func begin(source: SourceContext) throws {
        writers[source.id] = try MetadataTSWriter(
            path: perSourcePath(path, source: source.id, sourceCount: sourceCount),
            video: source.codecParameters, timeBase: source.info.timeBase)
    }

    public func write(_ record: FrameRecord, frame: VideoFrame) throws {
        guard let writer = writers[record.source] else { return }
        for packet in frame.packets { try writer.writeVideo(packet) }
        try writer.writeMetadata(pts: record.pts, value: Array(try record.jsonLine().utf8))
    }

    public func finish() throws {
        for w in writers.values { try w.finish() }
    }
}

/// The source video re-encoded (H.264) with masks coloured by track ID, boxes and IDs drawn.
public final class AnnotatedVideoSink: FrameSink {
    public let name = "video"
    private let path: String
    private let sourceCount: Int
    private var encoders: [Int: VideoEncoder] = [:]
    private var contexts: [Int: SourceContext] = [:]

    public init(path: String, sourceCount: Int) throws {
        self.path = path
        self.sourceCount = sourceCount
        try prepareOutput(path)
    }

    public func begin(source: SourceContext) throws { contexts[source.id] = source }

    public func write(_ record: FrameRecord, frame: VideoFrame) throws {
        if encoders[record.source] == nil, let ctx = contexts[record.source] {
            // Sized from the first decoded frame (a stream's header can differ).
            encoders[record.source] = try VideoEncoder(
                path: perSourcePath(path, source: record.source, sourceCount: sourceCount),
                width: frame.width, height: frame.height, timeBase: ctx.info.timeBase, frameRate: ctx.info.frameRate)
        }
        guard let encoder = encoders[record.source] else { return }
        var rgb = frame.rgb
        Annotator.draw(record, on: &rgb, width: frame.width, height: frame.height)
        try encoder.write(rgb: rgb, srcWidth: frame.width, pts: record.pts)
    }

    public func finish() throws {
        for e in encoders.values { try e.finish() }
    }
}
