import Foundation

/// An EoMT instance segmentation model loaded from a Hugging Face
/// `EomtForUniversalSegmentation` folder (`config.json`, `model.safetensors`,
/// `preprocessor_config.json`), as-is, without conversion.
///
/// ```swift
/// let model = try EomtModel(folder: URL(filePath: "models/eomt"))
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
    private let postprocessor: InstancePostprocessor
    private let reference: EomtReferenceForward

    /// Loads and validates the model folder. A missing `preprocessor_config.json` means
    /// transformers' defaults with padding on.
    public init(folder: URL) throws {
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
        self.postprocessor = InstancePostprocessor(config: config, processor: processor)
        self.reference = EomtReferenceForward(config: config, weights: weights)
    }

    /// The model input for a frame: `[3, imageSize, imageSize]` and the resized frame size.
    public func pixelValues(rgb: [UInt8], width: Int, height: Int) throws -> (pixels: [Float], resized: (height: Int, width: Int)) {
        try preprocessor.pixelValues(rgb: rgb, width: width, height: height)
    }

    /// Raw logits and query embeddings for model input pixels.
    public func forward(pixels: [Float]) throws -> EomtRawOutput {
        try reference.forward(pixels: pixels)
    }

    /// Post-processes raw outputs into instances at frame size.
    public func instances(_ out: EomtRawOutput, frameHeight: Int, frameWidth: Int, resized: (height: Int, width: Int),
                          threshold: Float, topK: Int?) throws -> [InstancePrediction] {
        try postprocessor.instances(out, frameHeight: frameHeight, frameWidth: frameWidth, resized: resized,
                                    threshold: threshold, topK: topK)
    }

    /// Instances in one RGB8 frame (row-major, `height · width · 3` bytes), with score ≥
    /// `threshold`, in query order; only the `topK` best when given.
    public func predict(rgb: [UInt8], width: Int, height: Int, threshold: Float, topK: Int?) throws -> [InstancePrediction] {
        let (pixels, resized) = try pixelValues(rgb: rgb, width: width, height: height)
        let out = try forward(pixels: pixels)
        return try instances(out, frameHeight: height, frameWidth: width, resized: resized, threshold: threshold, topK: topK)
    }
}
