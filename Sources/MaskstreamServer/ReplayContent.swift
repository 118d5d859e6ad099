/// A recorded run the viewer replays with a scrubber (`maskstream view out/sample.ts`): every
/// frame record and the JPEG picture of each frame, by position in the recording.
///
/// Served at `GET /replay/records.json` (a JSON array of records, in order) and
/// `GET /replay/frame/<i>.jpg` (the picture of record *i*).
///
/// ```swift
/// server.viewer.setReplay(ReplayContent(recordsJSON: "[" + lines.joined(separator: ",") + "]", frames: jpegs))
/// ```
public struct ReplayContent: Sendable {
    /// A JSON array of the records.
    public var recordsJSON: String
    /// JPEG bytes of each record's frame, same order.
    public var frames: [[UInt8]]

    public init(recordsJSON: String, frames: [[UInt8]]) {
        self.recordsJSON = recordsJSON
        self.frames = frames
    }
}
