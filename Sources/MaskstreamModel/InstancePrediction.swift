/// One detected object in a frame.
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
    /// The query slot that produced the instance.
    public var queryIndex: Int

    public init(classId: Int, label: String, score: Float, mask: [UInt8], embedding: [Float], queryIndex: Int) {
        self.classId = classId
        self.label = label
        self.score = score
        self.mask = mask
        self.embedding = embedding
        self.queryIndex = queryIndex
    }
}
