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
    /// The mean mask probability over the mask (HF's mask score; `score` = class probability ×
    /// it).
    public var maskScore: Float = 1

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

/// One RGB8 frame for `Segmenter.submit`: row-major, `height · width · 3` bytes.
public struct SegmenterFrame: Sendable {
    public var rgb: [UInt8]
    public var width: Int
    public var height: Int

    public init(rgb: [UInt8], width: Int, height: Int) {
        (self.rgb, self.width, self.height) = (rgb, width, height)
    }
}

/// The frames handed to one `Segmenter.submit`; pass it to `collect` exactly once.
public struct SegmentTicket: Sendable {
    /// One submitted frame: its size and its resized (unpadded) model-input size.
    struct Frame: Sendable {
        let width: Int, height: Int
        let resized: (height: Int, width: Int)
    }
    /// The lane holding the batch's device work (-1: computed on the host at submit).
    let lane: Int
    /// The frames, in submit order.
    let frames: [Frame]
    /// The raw outputs of the CPU reference path (no device), one per frame.
    let hostOutputs: [EomtRawOutput]
    /// `SegmentTimings.submit` of the whole batch.
    let submitSeconds: Double

    /// How many frames the ticket holds.
    public var count: Int { frames.count }
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

    /// At most this many frames go through the forward pass together, as one batch
    /// (``batchRange``).
    public var batch: Int

    /// The valid `framesInFlight` values (the pipeline's `model.frames_in_flight` key uses it).
    public static let framesInFlightRange = 1...8
    /// The valid `batch` values (the pipeline's `model.batch` key uses it).
    public static let batchRange = 1...16

    public init(threshold: Float = 0.5, topK: Int? = nil, framesInFlight: Int = 2, precision: ModelPrecision = .auto,
                batch: Int = 1) {
        self.threshold = threshold
        self.topK = topK
        self.framesInFlight = framesInFlight
        self.precision = precision
        self.batch = batch
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
/// scores and embeddings) out, with several batches of frames in flight.
///
/// ```swift
/// let model: any Segmenter = try EomtModel(folder: url, device: device,
///                                          options: SegmenterOptions(threshold: 0.8, topK: 20))
/// let ticket = try model.submit(rgb: frame, width: 640, height: 480)   // returns at once
/// let result = try model.collect(ticket)                             // waits for the device
/// // Several frames (of one source or many) through one forward pass:
/// let batch = try model.collectBatch(try model.submit([a, b, c]))     // [SegmentedFrame], in order
/// ```
///
/// One thread may submit while another collects; tickets are collected in submit order.
public protocol Segmenter: AnyObject, Sendable {
    /// Class names by class id (`id2label`).
    var labels: [Int: String] { get }
    /// How many batches may be submitted and not yet collected.
    var framesInFlight: Int { get }
    /// The most frames one `submit` takes.
    var maxBatch: Int { get }
    /// Starts the model on 1…`maxBatch` frames (any sizes) and returns without waiting for
    /// it. Blocks only while `framesInFlight` batches are out.
    func submit(_ frames: [SegmenterFrame]) throws -> SegmentTicket
    /// Waits for a submitted batch and returns each frame's segments, in submit order; frees
    /// its lane.
    func collectBatch(_ ticket: SegmentTicket) throws -> [SegmentedFrame]
}

extension Segmenter {
    /// Starts the model on one RGB8 frame (row-major, `height · width · 3` bytes).
    public func submit(rgb: [UInt8], width: Int, height: Int) throws -> SegmentTicket {
        try submit([SegmenterFrame(rgb: rgb, width: width, height: height)])
    }

    /// Waits for a one-frame ticket and returns its segments.
    public func collect(_ ticket: SegmentTicket) throws -> SegmentedFrame {
        let frames = try collectBatch(ticket)
        guard frames.count == 1, let frame = frames.first else {
            throw MaskstreamError(.invalidInput, "collect takes a one-frame ticket (this one holds \(frames.count)): "
                                  + "use collectBatch")
        }
        return frame
    }
}
