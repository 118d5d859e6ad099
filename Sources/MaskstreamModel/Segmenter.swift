import MaskstreamMasks

/// One object a segmenter found in a frame: its mask as COCO RLE at frame size, its class
/// and score, and the query embedding a tracker associates it by.
public struct Segment: Sendable, Equatable {
    /// The mask at frame size.
    public var rle: RLE
    /// `rle.boundingBox`.
    public var bbox: BoundingBox
    /// Index into the model's `id2label`.
    public var classId: Int
    /// The class name from `id2label`.
    public var label: String
    /// Class probability × mean mask probability, in [0, 1].
    public var score: Float
    /// The query token after the final LayerNorm, `[hidden]`, for the tracker.
    public var embedding: [Float]
    /// The model query that produced the segment.
    public var queryIndex: Int

    /// A segment; `bbox` is taken from `rle`.
    public init(rle: RLE, classId: Int, label: String, score: Float, embedding: [Float], queryIndex: Int) {
        self.rle = rle
        self.bbox = rle.boundingBox
        self.classId = classId
        self.label = label
        self.score = score
        self.embedding = embedding
        self.queryIndex = queryIndex
    }
}

/// Seconds one frame spent in each stage of a segmenter.
public struct SegmentTimings: Sendable, Equatable {
    /// `submit`'s own work (validation, upload, recording, queueing), not the wait for a free
    /// lane.
    public var submit: Double
    /// Waiting for the device and reading its results back.
    public var device: Double
    /// Host post-processing: selection, scores, masks to RLE.
    public var host: Double

    public init(submit: Double = 0, device: Double = 0, host: Double = 0) {
        (self.submit, self.device, self.host) = (submit, device, host)
    }
}

/// The segments of one frame, as `Segmenter.collect` returns them.
public struct SegmentedFrame: Sendable {
    /// The frame size (the size of every segment's mask).
    public var width: Int
    public var height: Int
    /// The segments with score ≥ the threshold, in query order; only the `topK` best when
    /// the options set it.
    public var segments: [Segment]
    /// Where the frame's time went.
    public var timings: SegmentTimings

    public init(width: Int, height: Int, segments: [Segment], timings: SegmentTimings) {
        self.width = width
        self.height = height
        self.segments = segments
        self.timings = timings
    }
}

/// A frame handed to `Segmenter.submit`; pass it to `collect` exactly once.
public struct SegmentTicket: Sendable {
    /// The lane holding the frame's device work (-1: computed on the host at submit).
    let lane: Int
    /// The frame size and its resized (unpadded) model-input size.
    let width: Int, height: Int
    let resized: (height: Int, width: Int)
    /// The raw output of the CPU reference path (no device).
    let hostOutput: EomtRawOutput?
    /// `SegmentTimings.submit`.
    let submitSeconds: Double
}

/// What a segmenter keeps and how many frames it runs at once.
public struct SegmenterOptions: Sendable, Equatable {
    /// Segments scoring below this are dropped.
    public var threshold: Float
    /// Keep only the `topK` best segments of a frame (nil: all).
    public var topK: Int?
    /// How many frames may be submitted and not yet collected (``framesInFlightRange``).
    public var framesInFlight: Int
    /// How the device stores the linear layers' weights (activations and sums stay fp32).
    public var precision: ModelPrecision

    /// The valid `framesInFlight` values (the pipeline's `model.frames_in_flight` key uses it).
    public static let framesInFlightRange = 1...8

    public init(threshold: Float = 0.5, topK: Int? = nil, framesInFlight: Int = 2, precision: ModelPrecision = .auto) {
        self.threshold = threshold
        self.topK = topK
        self.framesInFlight = framesInFlight
        self.precision = precision
    }
}

/// How a model keeps its linear layers' weights on the device (`model.precision`).
public enum ModelPrecision: String, Sendable, CaseIterable, CustomStringConvertible {
    /// fp16 where that loses nothing: the checkpoint stores every tensor as F16 (halves keep them
    /// exactly) and the device reads fp16 weights; fp32 otherwise (F32 and BF16 checkpoints).
    case auto
    /// 32-bit floats: logits match transformers within 1e-3.
    case fp32
    /// 16-bit floats, widened to fp32 as kernels load them (fp32 sums): half the weight memory.
    /// Needs a device whose linear kernel reads fp16 (`KernelProfile.halfWeights`).
    case fp16

    public var description: String { rawValue }
}

/// The model boundary of the pipeline: frames in, segments (COCO RLE masks with labels,
/// scores and embeddings) out, with several frames in flight.
///
/// ```swift
/// let model: any Segmenter = try EomtModel(folder: url, device: device,
///                                          options: SegmenterOptions(threshold: 0.8, topK: 20))
/// let ticket = try model.submit(rgb: frame, width: 640, height: 480)   // returns at once
/// let result = try model.collect(ticket)                             // waits for the device
/// ```
///
/// One thread may submit while another collects; tickets are collected in submit order.
public protocol Segmenter: AnyObject, Sendable {
    /// Class names by class id (`id2label`).
    var labels: [Int: String] { get }
    /// How many frames may be submitted and not yet collected.
    var framesInFlight: Int { get }
    /// Starts the model on one RGB8 frame (row-major, `height · width · 3` bytes) and returns
    /// without waiting for it. Blocks only while `framesInFlight` frames are out.
    func submit(rgb: [UInt8], width: Int, height: Int) throws -> SegmentTicket
    /// Waits for a submitted frame and returns its segments; frees its lane.
    func collect(_ ticket: SegmentTicket) throws -> SegmentedFrame
}
