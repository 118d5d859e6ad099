import Foundation

/// What a sink knows about a source before its first frame.
public struct SourceContext: Sendable {
    public var id: Int
    public var info: StreamInfo
    public var codecParameters: CodecParameters
    public var labels: [Int: String]
    /// The pipeline's log, for a sink's one-time notices about this source.
    public var log: @Sendable (String) -> Void = { _ in }
}

/// What a sink reads besides the record: the Segment stage forwards only what some sink needs.
public struct SinkNeeds: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// The source's compressed packets of the frame (copied into the output container).
    public static let packets = SinkNeeds(rawValue: 1)
    /// The decoded RGB frame (drawn on).
    public static let pixels = SinkNeeds(rawValue: 2)
}

/// The media of one frame that travels past the Segment stage: only what the sinks need.
public struct FrameMedia: Sendable {
    public var packets: [EncodedPacket]
    public var rgb: [UInt8]?
}

/// One frame as the Emit stage hands it to every sink: the record (encoded once), the
/// tracked instances it was made from, and the media the sinks asked for.
public struct Emission: Sendable {
    public var record: FrameRecord
    /// `record.jsonLine()`, encoded once for every sink that writes JSON.
    public var json: String
    /// The tracker's output for the frame (`detection.classId` is the record's `category_id`).
    public var tracks: [TrackedInstance]
    public var media: FrameMedia
    /// When the frame was decoded (`VideoFrame.decodedAt`; 0 when unknown).
    public var decodedAt: UInt64 = 0
}

/// A destination for frame records. The pipeline calls `begin` once per source, `write`
/// for every frame in order, and `finish` exactly once (also on SIGINT/SIGTERM), so
/// every output is complete and readable.
public protocol FrameSink: AnyObject {
    var name: String { get }
    /// What the sink reads besides the record.
    var needs: SinkNeeds { get }
    func begin(source: SourceContext) throws
    func write(_ frame: Emission) throws
    /// A source ended (after its last frame).
    func end(source: Int) throws
    func finish() throws
}

extension FrameSink {
    public var needs: SinkNeeds { [] }
    public func begin(source: SourceContext) throws {}
    public func end(source: Int) throws {}
}

/// A sink's output path, with one file per source when the pipeline has several
/// (`name-<id>.ext`); the folder is created up front.
struct OutputPath {
    let path: String
    let sourceCount: Int

    init(_ path: String, sourceCount: Int) throws {
        self.path = path
        self.sourceCount = sourceCount
        try Self.prepare(path)
    }

    /// The output path for one source.
    func forSource(_ source: Int) -> String {
        guard sourceCount > 1 else { return path }
        let url = URL(fileURLWithPath: path)
        let ext = url.pathExtension
        let base = url.deletingPathExtension().path
        return ext.isEmpty ? "\(base)-\(source)" : "\(base)-\(source).\(ext)"
    }

    /// Creates the folder that will hold `path`.
    static func prepare(_ path: String) throws {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            throw MaskstreamError(.io, "cannot create output folder '\(dir.path)': \(error.localizedDescription)")
        }
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
            try OutputPath.prepare(path)
            guard FileManager.default.createFile(atPath: path, contents: nil),
                  let h = FileHandle(forWritingAtPath: path) else {
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
