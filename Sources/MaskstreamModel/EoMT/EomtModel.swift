import Foundation
import MaskstreamGPU
import MaskstreamMasks

/// An EoMT instance segmentation model loaded from a Hugging Face
/// `EomtForUniversalSegmentation` folder (`config.json`, `model.safetensors` or a sharded
/// `model.safetensors.index.json` with its shards, `preprocessor_config.json`), as-is, without
/// conversion.
///
/// ```swift
/// let model = try EomtModel(folder: URL(filePath: "models/eomt"), device: try VulkanDevice(),
///                           options: SegmenterOptions(threshold: 0.8, topK: 20))
/// let frame = try model.collect(try model.submit(rgb: rgb, width: 640, height: 480))
/// ```
///
/// On a device, preprocessing (Pillow-exact resize, normalization, padding, patch
/// extraction), the forward pass (`EomtGraph`) and mask post-processing run in one command
/// buffer per frame; without one (`device: nil`) `submit` runs the CPU reference
/// (`EomtReferenceForward`, slow) at once.
public final class EomtModel: Segmenter {
    /// The architecture and class names.
    public let config: EomtConfig
    /// How frames are turned into model input.
    public let processorConfig: EomtImageProcessorConfig
    /// The weights, as `Float` (layers read from the mapped file on demand).
    public let weights: EomtWeights
    /// What segments `collect` keeps and how many frames run at once.
    public let options: SegmenterOptions
    /// Frames → model input on the host (the device computes the same values).
    public let preprocessor: EomtPreprocessor
    /// Raw outputs → instances on the host.
    public let postprocessor: InstancePostprocessor
    /// The CPU forward pass, the oracle the device is tested against.
    public let reference: EomtReferenceForward
    /// `preprocessor.lookupTable()`, for the device preprocessing.
    private let inputLookupTable: [Float]
    /// The Vulkan graph (nil: CPU reference).
    private let graph: GraphBox?
    /// Lanes handed out by `submit` and returned by `collect`.
    private let lanes: LanePool

    /// Whether frames run on the Vulkan device.
    public var usesGPU: Bool { graph != nil }

    /// How the device stores the linear weights (`options.precision` with `.auto` resolved;
    /// `.fp32` for the CPU reference).
    public var precision: ModelPrecision { graph?.precision ?? .fp32 }

    /// Device time of each kernel of the last frame collected from `lane` (preprocessing,
    /// forward, post-processing), when the device profiled kernels before this model was made
    /// (`VulkanDevice.profilesKernels`); empty otherwise. Benchmarks only.
    public func kernelTimes(lane: Int = 0) throws -> [(kernel: String, seconds: Double)] {
        try graph?.kernelTimes(lane: lane) ?? []
    }

    /// The raw outputs of one forward pass on channel-first pixels `[3, imageSize, imageSize]`
    /// (`preprocessor.pixelValues`): on the device in a lane of its own, or the CPU reference
    /// without one. Benchmarks and parity checks; not safe to call from two threads at once.
    public func forward(pixels: [Float]) throws -> EomtRawOutput {
        try graph?.forward(pixels: pixels) ?? reference.forward(pixels: pixels)
    }

    /// Device time of each kernel of the last `forward(pixels:)` when the device profiled
    /// kernels (`VulkanDevice.profilesKernels`); empty otherwise.
    public func forwardKernelTimes() throws -> [(kernel: String, seconds: Double)] {
        try graph?.forwardKernelTimes() ?? []
    }

    /// Class names by class id (`id2label`).
    public var labels: [Int: String] { config.id2label }

    /// How many frames `submit` can have on the device at once.
    public var framesInFlight: Int { lanes.count }

    /// The one check that a model folder is there before it is read (the pipeline's config
    /// runs it too, to point at the key).
    ///
    /// - Throws: `MaskstreamError.notFound` when `path` is not a folder.
    public static func checkFolder(_ path: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
            throw MaskstreamError(.notFound, "model folder '\(path)' does not exist: pass a folder written by "
                                  + "EomtForUniversalSegmentation.save_pretrained")
        }
    }

    /// Loads and validates the model folder, uploads the weights to `device` and prepares
    /// `options.framesInFlight` lanes there; `device: nil` runs the (slow) CPU reference
    /// instead. A missing `preprocessor_config.json` means transformers' defaults with
    /// padding on.
    public init(folder: URL, device: VulkanDevice?, options: SegmenterOptions = SegmenterOptions()) throws {
        let framesInFlight = device == nil ? 1 : options.framesInFlight
        let range = SegmenterOptions.framesInFlightRange
        guard range.contains(options.framesInFlight) else {
            throw MaskstreamError(.invalidInput, "frames in flight must be in \(range.lowerBound)...\(range.upperBound), "
                                  + "got \(options.framesInFlight)")
        }
        guard SegmenterOptions.batchRange.contains(options.batch) else {
            let r = SegmenterOptions.batchRange
            throw MaskstreamError(.invalidInput, "batch must be in \(r.lowerBound)...\(r.upperBound), got \(options.batch)")
        }
        try InstancePostprocessor.checkArguments(threshold: options.threshold, topK: options.topK)
        try Self.checkFolder(folder.path)
        let config = try EomtConfig(contentsOf: folder.appendingPathComponent("config.json"))
        let procURL = folder.appendingPathComponent("preprocessor_config.json")
        let processor = FileManager.default.fileExists(atPath: procURL.path)
            ? try EomtImageProcessorConfig(contentsOf: procURL, imageSize: config.imageSize)
            : EomtImageProcessorConfig.defaults(imageSize: config.imageSize)
        guard processor.paddedSize.height == config.imageSize, processor.paddedSize.width == config.imageSize else {
            throw MaskstreamError(
                .malformedModel,
                "preprocessor_config.json size \(processor.shortestEdge)/\(processor.longestEdge) does not match "
                    + "config.json image_size \(config.imageSize): set size.shortest_edge and size.longest_edge to "
                    + "\(config.imageSize)"
            )
        }
        let weights = try EomtWeights(file: try SafeTensorsShards.open(folder: folder), config: config)
        self.config = config
        self.processorConfig = processor
        self.weights = weights
        self.options = options
        self.preprocessor = EomtPreprocessor(config: processor, imageSize: config.imageSize)
        self.inputLookupTable = preprocessor.lookupTable()
        self.postprocessor = InstancePostprocessor(config: config, processor: processor)
        self.reference = EomtReferenceForward(config: config, weights: weights)
        self.graph = try device.map {
            GraphBox(try EomtGraph(config: config, weights: weights, device: $0, lanes: framesInFlight,
                                   batch: options.batch,
                                   scoreThreshold: options.threshold, precision: options.precision))
        }
        self.lanes = LanePool(count: framesInFlight)
    }

    /// The most frames one `submit` takes (`options.batch`; 1 for the CPU reference).
    public var maxBatch: Int { graph == nil ? 1 : options.batch }

    /// Starts the model on 1…`maxBatch` RGB8 frames (any sizes) and returns without waiting for
    /// the device: they go through preprocessing, one forward pass with a batch dimension and
    /// mask post-processing in one command buffer. Blocks only while `framesInFlight` batches
    /// are already submitted and not yet collected. Without a device it computes the CPU
    /// reference at once.
    public func submit(_ frames: [SegmenterFrame]) throws -> SegmentTicket {
        guard (1...maxBatch).contains(frames.count) else {
            throw MaskstreamError(.invalidInput, "submit takes 1...\(maxBatch) frames (model batch \(maxBatch)), "
                                  + "got \(frames.count)")
        }
        let sized = try frames.map { f in
            SegmentTicket.Frame(width: f.width, height: f.height, resized: try preprocessor.validate(
                rgbCount: f.rgb.count, width: f.width, height: f.height))
        }
        guard let graph else {
            let start = Date()
            let outputs = try frames.map { f in
                try reference.forward(pixels: try preprocessor.pixelValues(rgb: f.rgb, width: f.width,
                                                                             height: f.height).0)
            }
            return SegmentTicket(lane: -1, frames: sized, hostOutputs: outputs,
                                 submitSeconds: Date().timeIntervalSince(start))
        }
        let lane = lanes.acquire()
        let start = Date()
        do {
            try graph.submit(lane: lane, frames: zip(frames, sized).map {
                EomtGraph.FrameInput(rgb: $0.rgb, width: $0.width, height: $0.height, resized: $1.resized)
            }, lut: inputLookupTable)
        } catch {
            lanes.release(lane)
            throw error
        }
        return SegmentTicket(lane: lane, frames: sized, hostOutputs: [],
                             submitSeconds: Date().timeIntervalSince(start))
    }

    /// Waits for a submitted batch's device work, reads it back, frees its lane and returns,
    /// per frame in submit order, the segments with score ≥ `options.threshold`, in query order
    /// (only the `options.topK` best when set), masks as COCO RLE at frame size. Each frame's
    /// timings carry its share of the batch's submit and device time.
    public func collectBatch(_ ticket: SegmentTicket) throws -> [SegmentedFrame] {
        let (threshold, topK) = (options.threshold, options.topK)
        let share = 1 / Double(max(ticket.count, 1))
        var deviceSeconds = 0.0
        let predictions: [[InstancePrediction]]
        var hostStart = Date()
        if !ticket.hostOutputs.isEmpty || ticket.lane < 0 {
            guard ticket.hostOutputs.count == ticket.count else {
                throw MaskstreamError(.invalidInput, "segment ticket does not belong to this model")
            }
            predictions = try zip(ticket.hostOutputs, ticket.frames).map { out, f in
                try postprocessor.instances(out, frameHeight: f.height, frameWidth: f.width, resized: f.resized,
                                            threshold: threshold, topK: topK)
            }
        } else {
            guard let graph, (0..<lanes.count).contains(ticket.lane) else {
                throw MaskstreamError(.invalidInput, "segment ticket does not belong to this model")
            }
            let deviceStart = Date()
            let outputs: [EomtDeviceOutput]
            do {
                defer { lanes.release(ticket.lane) }
                outputs = try graph.collect(lane: ticket.lane)
            }
            guard outputs.count == ticket.count else {
                throw MaskstreamError(.internal, "lane \(ticket.lane) returned \(outputs.count) frames for a "
                                      + "ticket of \(ticket.count)")
            }
            hostStart = Date()
            deviceSeconds = hostStart.timeIntervalSince(deviceStart)
            predictions = try outputs.map { try postprocessor.instances($0, threshold: threshold, topK: topK) }
        }
        let selection = Date().timeIntervalSince(hostStart) * share
        return zip(predictions, ticket.frames).map { instances, f in
            let encodeStart = Date()
            let segments = instances.map { p in
                var s = Segment(rle: RLE(mask: p.mask, height: f.height, width: f.width), classId: p.classId,
                                label: p.label, score: p.score, embedding: p.embedding, queryIndex: p.queryIndex)
                s.maskScore = p.classProbability > 0 ? min(1, p.score / p.classProbability) : 0
                return s
            }
            let host = selection + Date().timeIntervalSince(encodeStart)
            return SegmentedFrame(width: f.width, height: f.height, segments: segments,
                                  timings: SegmentTimings(submit: ticket.submitSeconds * share,
                                                          device: deviceSeconds * share, host: host))
        }
    }
}

/// Owns the graph for `EomtModel`: each lane is used without a lock by the one caller
/// `LanePool` handed it to (the device locks queue submission).
final class GraphBox: @unchecked Sendable {
    private let graph: EomtGraph

    init(_ graph: EomtGraph) { self.graph = graph }

    var precision: ModelPrecision { graph.precision }

    func submit(lane: Int, frames: [EomtGraph.FrameInput], lut: [Float]) throws {
        try graph.submit(lane: lane, frames: frames, lut: lut)
    }

    func collect(lane: Int) throws -> [EomtDeviceOutput] { try graph.collect(lane: lane) }

    func forward(pixels: [Float]) throws -> EomtRawOutput { try graph.forward(pixels: pixels) }

    func forwardKernelTimes() throws -> [(kernel: String, seconds: Double)] { try graph.forwardKernelTimes() }

    func kernelTimes(lane: Int) throws -> [(kernel: String, seconds: Double)] { try graph.kernelTimes(lane: lane) }
}

/// Free lane indices; `acquire` blocks while every lane is in flight.
final class LanePool: @unchecked Sendable {
    let count: Int
    private let condition = NSCondition()
    private var free: [Int]

    init(count: Int) {
        self.count = count
        self.free = Array((0..<count).reversed())
    }

    func acquire() -> Int {
        condition.lock()
        defer { condition.unlock() }
        while free.isEmpty { condition.wait() }
        return free.removeLast()
    }

    func release(_ index: Int) {
        condition.lock()
        free.append(index)
        condition.signal()
        condition.unlock()
    }
}
