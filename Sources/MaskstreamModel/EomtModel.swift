import Foundation
import MaskstreamGPU

/// An EoMT instance segmentation model loaded from a Hugging Face
/// `EomtForUniversalSegmentation` folder (`config.json`, `model.safetensors`,
/// `preprocessor_config.json`), as-is, without conversion.
///
/// ```swift
/// let model = try EomtModel(folder: URL(filePath: "models/eomt"), device: try VulkanDevice())
/// let instances = try model.predict(rgb: frame, width: 640, height: 480, threshold: 0.8, topK: 20)
/// ```
public final class EomtModel: Sendable {
    /// The architecture and class names.
    public let config: EomtConfig
    /// How frames are turned into model input.
    public let processorConfig: EomtImageProcessorConfig
    /// The weights, as `Float`.
    public let weights: EomtWeights
    private let preprocessor: EomtPreprocessor
    /// `preprocessor.lookupTable()`, for the device preprocessing.
    private let inputLookupTable: [Float]
    private let postprocessor: InstancePostprocessor
    private let reference: EomtReferenceForward
    /// The Vulkan forward pass (nil: CPU reference) and the lock serializing its use.
    private let gpu: GPUForwardBox?

    /// Frame slots handed out by `submit` and returned by `collect`.
    private let slots: SlotPool

    /// Whether `forward` and `predict` run on the Vulkan device.
    public var usesGPU: Bool { gpu != nil }

    /// How many frames `submit` can have on the device at once.
    public var framesInFlight: Int { slots.count }

    /// Loads the model folder, uploads the weights to `device` and prepares `framesInFlight`
    /// frame slots there. `device: nil` runs the (slow) CPU reference instead.
    public convenience init(folder: URL, device: VulkanDevice?, framesInFlight: Int = 2) throws {
        try self.init(folder: folder, device: device, cpuOnly: device == nil, framesInFlight: framesInFlight)
    }

    /// Loads the model folder for the CPU reference forward pass (a test oracle; slow).
    public convenience init(folder: URL) throws {
        try self.init(folder: folder, device: nil, cpuOnly: true, framesInFlight: 1)
    }

    /// Loads and validates the model folder. A missing `preprocessor_config.json` means
    /// transformers' defaults with padding on.
    private init(folder: URL, device: VulkanDevice?, cpuOnly: Bool, framesInFlight: Int) throws {
        guard (1...8).contains(framesInFlight) else {
            throw MaskstreamError(.invalidInput, "frames in flight must be between 1 and 8, got \(framesInFlight)")
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else {
            throw MaskstreamError(.notFound, "model folder '\(folder.path)' does not exist: pass a folder written by EomtForUniversalSegmentation.save_pretrained")
        }
        let config = try EomtConfig(contentsOf: folder.appendingPathComponent("config.json"))
        let procURL = folder.appendingPathComponent("preprocessor_config.json")
        let processor = FileManager.default.fileExists(atPath: procURL.path)
            ? try EomtImageProcessorConfig(contentsOf: procURL, imageSize: config.imageSize)
            : EomtImageProcessorConfig.defaults(imageSize: config.imageSize)
        guard processor.paddedSize.height == config.imageSize, processor.paddedSize.width == config.imageSize else {
            throw MaskstreamError(.malformedModel, "preprocessor_config.json size \(processor.shortestEdge)/\(processor.longestEdge) does not match config.json image_size \(config.imageSize): set size.shortest_edge and size.longest_edge to \(config.imageSize)")
        }
        let file = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("model.safetensors"))
        let weights = try EomtWeights(file: file, config: config)
        self.config = config
        self.processorConfig = processor
        self.weights = weights
        self.preprocessor = EomtPreprocessor(config: processor, imageSize: config.imageSize)
        self.inputLookupTable = preprocessor.lookupTable()
        self.postprocessor = InstancePostprocessor(config: config, processor: processor)
        self.reference = EomtReferenceForward(config: config, weights: weights)
        if let device, !cpuOnly {
            self.gpu = GPUForwardBox(try EomtGPUForward(config: config, weights: weights, device: device,
                                                        framesInFlight: framesInFlight))
        } else {
            self.gpu = nil
        }
        self.slots = SlotPool(count: framesInFlight)
    }

    /// The model input for a frame: `[3, imageSize, imageSize]` and the resized frame size.
    public func pixelValues(rgb: [UInt8], width: Int, height: Int) throws -> (pixels: [Float], resized: (height: Int, width: Int)) {
        try preprocessor.pixelValues(rgb: rgb, width: width, height: height)
    }

    /// Raw logits and query embeddings for model input pixels (on the device when there is one).
    public func forward(pixels: [Float]) throws -> EomtRawOutput {
        if let gpu { return try gpu.withLock { try $0.forward(pixels: pixels) } }
        return try reference.forward(pixels: pixels)
    }

    /// The CPU reference forward pass, whatever the device (the oracle tests compare against).
    public func referenceForward(pixels: [Float]) throws -> EomtRawOutput {
        try reference.forward(pixels: pixels)
    }

    /// Post-processes raw outputs into instances at frame size.
    public func instances(_ out: EomtRawOutput, frameHeight: Int, frameWidth: Int, resized: (height: Int, width: Int),
                          threshold: Float, topK: Int?) throws -> [InstancePrediction] {
        try postprocessor.instances(out, frameHeight: frameHeight, frameWidth: frameWidth, resized: resized,
                                    threshold: threshold, topK: topK)
    }

    /// Starts the model on one RGB8 frame (row-major, `height · width · 3` bytes) and returns
    /// without waiting for the device: preprocessing (Pillow-exact resize, normalization,
    /// padding, patch extraction), the forward pass and mask post-processing all run in one
    /// command buffer. Blocks only while `framesInFlight` frames are already submitted and
    /// not yet collected. Without a device it computes the CPU reference at once.
    public func submit(rgb: [UInt8], width: Int, height: Int) throws -> FrameTicket {
        let resized = try preprocessor.validate(rgbCount: rgb.count, width: width, height: height)
        guard let gpu else {
            let (pixels, _) = try preprocessor.pixelValues(rgb: rgb, width: width, height: height)
            return FrameTicket(submitSeconds: 0, slot: -1, width: width, height: height,
                               cpuOutput: try reference.forward(pixels: pixels), resized: resized)
        }
        let slot = slots.acquire()
        let start = Date()
        do {
            try gpu.submitFrame(slot: slot, rgb: rgb, width: width, height: height, resized: resized, lut: inputLookupTable)
        } catch {
            slots.release(slot)
            throw error
        }
        return FrameTicket(submitSeconds: Date().timeIntervalSince(start), slot: slot, width: width, height: height,
                           cpuOutput: nil, resized: resized)
    }

    /// Waits for a submitted frame's device work and reads its results back; frees the
    /// ticket's slot. Turn the result into instances with `instances(_:threshold:topK:)`.
    public func wait(_ ticket: FrameTicket) throws -> FrameResult {
        if let out = ticket.cpuOutput {
            return FrameResult(width: ticket.width, height: ticket.height, device: nil, cpu: out, resized: ticket.resized)
        }
        guard let gpu, (0..<slots.count).contains(ticket.slot) else {
            throw MaskstreamError(.invalidInput, "frame ticket does not belong to this model")
        }
        defer { slots.release(ticket.slot) }
        return FrameResult(width: ticket.width, height: ticket.height, device: try gpu.collectFrame(slot: ticket.slot),
                           cpu: nil, resized: ticket.resized)
    }

    /// The instances of a finished frame with score ≥ `threshold`, in query order (only the
    /// `topK` best when given).
    public func instances(_ result: FrameResult, threshold: Float, topK: Int?) throws -> [InstancePrediction] {
        if let out = result.device { return try postprocessor.instances(out, threshold: threshold, topK: topK) }
        guard let out = result.cpu else { throw MaskstreamError(.internal, "frame result holds no output") }
        return try postprocessor.instances(out, frameHeight: result.height, frameWidth: result.width, resized: result.resized,
                                           threshold: threshold, topK: topK)
    }

    /// `wait` then `instances`.
    public func collect(_ ticket: FrameTicket, threshold: Float, topK: Int?) throws -> [InstancePrediction] {
        try instances(try wait(ticket), threshold: threshold, topK: topK)
    }

    /// Instances in one RGB8 frame (row-major, `height · width · 3` bytes), with score ≥
    /// `threshold`, in query order; only the `topK` best when given.
    public func predict(rgb: [UInt8], width: Int, height: Int, threshold: Float, topK: Int?) throws -> [InstancePrediction] {
        try collect(try submit(rgb: rgb, width: width, height: height), threshold: threshold, topK: topK)
    }
}

/// Owns the GPU forward pass. `forward(pixels:)` calls are serialized by the lock; frame
/// slots are used without it, each by the one caller `SlotPool` handed it to.
final class GPUForwardBox: @unchecked Sendable {
    private let lock = NSLock()
    private let forward: EomtGPUForward

    init(_ forward: EomtGPUForward) { self.forward = forward }

    func withLock<R>(_ body: (EomtGPUForward) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(forward)
    }

    func submitFrame(slot: Int, rgb: [UInt8], width: Int, height: Int, resized: (height: Int, width: Int), lut: [Float]) throws {
        try forward.submitFrame(slot: slot, rgb: rgb, width: width, height: height, resized: resized, lut: lut)
    }

    func collectFrame(slot: Int) throws -> GPUFrameOutput { try forward.collectFrame(slot: slot) }
}

/// Free frame-slot indices; `acquire` blocks while every slot is in flight.
final class SlotPool: @unchecked Sendable {
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

/// A finished frame's outputs (from `EomtModel.wait`).
public struct FrameResult: Sendable {
    public let width: Int
    public let height: Int
    let device: GPUFrameOutput?
    let cpu: EomtRawOutput?
    let resized: (height: Int, width: Int)
}

/// A frame submitted with `EomtModel.submit`; pass it to `EomtModel.wait` (or `collect`)
/// exactly once.
public struct FrameTicket: Sendable {
    /// Seconds `submit` spent on the frame itself (validation, upload, recording when the
    /// size changed, queueing), not counting the wait for a free slot.
    public let submitSeconds: Double
    /// The frame slot holding the frame's device work.
    let slot: Int
    /// The frame's size.
    public let width: Int
    public let height: Int
    /// The CPU reference path's raw output (no device) and the resized size.
    let cpuOutput: EomtRawOutput?
    let resized: (height: Int, width: Int)
}
