/// One instance found in one frame, as the tracker takes it.
///
/// ```swift
/// let d = Detection(rle: rle, classId: 3, score: 0.92, embedding: queryToken)
/// ```
public struct Detection: Sendable, Hashable {
    /// The instance mask.
    public var rle: RLE
    /// The instance box (by default the mask's bounding box).
    public var box: BoundingBox
    /// The class (category) id.
    public var classId: Int
    /// Confidence in [0, 1]; non-finite scores count as 0.
    public var score: Float
    /// The query embedding from the model's final query token (may be empty).
    public var embedding: [Float]
    /// The class name (carried through tracking for the outputs; not used to associate).
    public var label: String
    /// The model's mean mask probability (1 when unknown); carried for the outputs.
    public var maskScore: Float = 1

    /// A detection; `box` defaults to the mask's bounding box.
    public init(rle: RLE, box: BoundingBox? = nil, classId: Int, score: Float, embedding: [Float] = [],
                label: String = "") {
        self.rle = rle
        self.box = box ?? rle.boundingBox
        self.classId = classId
        self.score = score
        self.embedding = embedding
        self.label = label
    }
}
