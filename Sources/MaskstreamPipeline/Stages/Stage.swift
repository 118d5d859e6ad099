/// What flows from one stage to the next: a source's start, its frames, its end. A source's
/// `begin` travels the same queues as its frames, so every stage sees it first.
enum Event<Payload: Sendable>: Sendable {
    case begin(SourceContext)
    case frame(Payload)
    case end(source: Int)
}

/// One step of the frame path (Segment, Track, Emit): one input type, one output type, run
/// on its own thread between two bounded queues by `PipelineRunner`.
protocol Stage: SendableMetatype {
    associatedtype Input: Sendable
    associatedtype Output: Sendable
    /// The thread's name (`maskstream.<name>`).
    var name: String { get }
    /// A source starts (before its first frame).
    mutating func begin(_ source: SourceContext) throws
    /// One frame.
    mutating func process(_ input: Input) throws -> Output
    /// A source ended (after its last frame).
    mutating func end(source: Int) throws
    /// The input ended (also after an error or a stop): release what the stage holds.
    mutating func finish() throws
}

extension Stage {
    mutating func begin(_ source: SourceContext) throws {}
    mutating func end(source: Int) throws {}
    mutating func finish() throws {}

    /// Runs the stage over `input` until it ends, pushing to `output` (nil: the last stage).
    /// An error goes to `fail`; either way both queues close so the neighbours finish.
    mutating func run(_ input: BoundedQueue<Event<Input>>, _ output: BoundedQueue<Event<Output>>?,
                      fail: (any Error) -> Void) {
        do {
            while let event = try input.pop() {
                let next: Event<Output>
                switch event {
                case .begin(let source): try begin(source); next = .begin(source)
                case .frame(let item): next = .frame(try process(item))
                case .end(let id): try end(source: id); next = .end(source: id)
                }
                if let output, !output.push(next) { break }
            }
        } catch {
            fail(error)
        }
        do { try finish() } catch { fail(error) }
        input.close()
        output?.close()
    }
}

/// A frame's identity and size as it travels the stages (its pixels stay behind after Segment).
struct FrameInfo: Sendable {
    var source: Int, index: Int, width: Int, height: Int
    var timestamp: Timestamp
    /// The first frame after a live source reconnected.
    var discontinuity: Bool
    /// `VideoFrame.decodedAt`.
    var decodedAt: UInt64
    /// The image's name (image sequences).
    var file: String?

    init(_ f: VideoFrame) {
        (source, index, timestamp, width, height, file) = (f.sourceId, f.index, f.timestamp, f.width, f.height, f.file)
        discontinuity = f.discontinuity
        decodedAt = f.decodedAt
    }
}
