/// One detected object in a frame, as the post-processing finds it (a byte mask);
/// `EomtModel.collect` turns it into a `Segment`.
public struct InstancePrediction: Sendable, Equatable {
    /// Index into the model's `id2label`.
    public var classId: Int
    /// The class name from `id2label`.
    public var label: String
    /// Class probability × mean mask probability, in [0, 1].
    public var score: Float
    /// Binary mask at frame size, row-major `height · width`, values 0 or 1.
    public var mask: [UInt8]
    /// The query token after the final LayerNorm, `[hidden]`, for the tracker.
    public var embedding: [Float]
    /// The query that produced the instance.
    public var queryIndex: Int
    /// The best class's probability (`score` ÷ it: the mean mask probability, HF's mask score).
    public var classProbability: Float = 1
}
