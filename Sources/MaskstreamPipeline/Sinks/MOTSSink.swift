/// MOTS txt: one line per instance, `frame track_id class_id height width rle_counts`,
/// as KITTI MOTS / MOTSChallenge and TrackEval read it (written by `MOTSWriter`).
/// Frame numbers are 0-based frame indices; lines are flushed frame by frame.
public final class MOTSSink: FrameSink {
    public let name = "mots"
    private let output: OutputPath
    private var writers: [Int: LineWriter] = [:]

    public init(path: String, sourceCount: Int) throws {
        output = try OutputPath(path, sourceCount: sourceCount)
    }

    public func begin(source: SourceContext) throws {
        writers[source.id] = try LineWriter(path: output.forSource(source.id))
    }

    public func write(_ frame: Emission) throws {
        guard let w = writers[frame.record.source], !frame.tracks.isEmpty else { return }
        var mots = MOTSWriter(frameNumberBase: 0)
        mots.append(frameIndex: frame.record.frame, instances: frame.tracks)
        try w.write(String(mots.text.dropLast()))
    }

    public func finish() throws { for w in writers.values { try w.close() } }
}
