/// JSON Lines: one frame record per line, to a file or stdout ("-").
public final class JSONLinesSink: FrameSink {
    public let name = "jsonl"
    private let writer: LineWriter

    public init(path: String) throws { writer = try LineWriter(path: path) }

    public func write(_ frame: Emission) throws { try writer.write(frame.json) }
    public func finish() throws { try writer.close() }
}
