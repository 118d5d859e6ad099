/// Every EoMT parameter as `Float`, shape-checked against the config, in PyTorch layouts
/// (Linear weight `[out, in]`, Conv2d `[out, in, kh, kw]`, ConvTranspose2d `[in, out, kh, kw]`).
///
/// The transformer layers (nearly all of a model's bytes) are read from the memory-mapped
/// safetensors file when asked for (`layer(_:)`), one at a time, so loading a model and
/// uploading it to a device never holds a host copy of all its weights; every other tensor is
/// read at once. Every tensor's shape and dtype is checked when the weights are made.
public struct EomtWeights: Sendable {
    /// A fully connected layer: `y = x·Wᵀ + b`.
    public struct Linear: Sendable {
        public var weight: [Float]
        public var bias: [Float]
        public var inFeatures: Int
        public var outFeatures: Int
    }

    /// LayerNorm affine parameters.
    public struct Norm: Sendable {
        public var weight: [Float]
        public var bias: [Float]
    }

    /// The feed-forward block of a layer.
    public enum FeedForward: Sendable {
        case gelu(fc1: Linear, fc2: Linear)
        case swiglu(gate: Linear, up: Linear, down: Linear)
    }

    /// One pre-norm transformer layer.
    public struct Layer: Sendable {
        public var norm1: Norm
        public var q: Linear, k: Linear, v: Linear, out: Linear
        public var layerScale1: [Float]
        public var norm2: Norm
        public var mlp: FeedForward
        public var layerScale2: [Float]
    }

    /// One upscale block: ConvTranspose2d 2×2 stride 2, GELU, depthwise 3×3 (no bias), LayerNorm2d.
    public struct Upscale: Sendable {
        /// `[in, out, 2, 2]`.
        public var convTWeight: [Float]
        public var convTBias: [Float]
        /// `[C, 1, 3, 3]`.
        public var depthwiseWeight: [Float]
        public var norm: Norm
    }

    /// Patch embedding conv as `[hidden, 3·p·p]` (channel, row, column order).
    public var patchWeight: [Float]
    public var patchBias: [Float]
    public var clsToken: [Float]
    /// `[numRegisterTokens, hidden]`.
    public var registerTokens: [Float]
    /// `[numPatches, hidden]`.
    public var positionEmbeddings: [Float]
    /// `[numQueries, hidden]`.
    public var queries: [Float]
    /// Number of transformer layers (`num_hidden_layers`).
    public let numLayers: Int
    public var finalNorm: Norm
    public var upscale: [Upscale]
    public var maskHead: [Linear]
    public var classPredictor: Linear
    /// Where `layer(_:)` reads from.
    private let file: any SafeTensorsSource

    /// The dtypes the checkpoint stores its tensors in (`model.precision: auto` reads it).
    public var storedTypes: Set<SafeTensorsFile.DType> { Set(file.entries.values.map(\.dtype)) }
    private let config: EomtConfig

    /// Transformer layer `index` (0 ..< `numLayers`), read from the weights file now.
    ///
    /// - Complexity: O(parameters of one layer).
    public func layer(_ index: Int) throws -> Layer {
        guard (0..<numLayers).contains(index) else {
            throw MaskstreamError(.invalidInput, "layer \(index) is outside 0..<\(numLayers)")
        }
        return try Self.layer(index, config: config) { try file.floats($0, shape: $1) }
    }

    /// Every layer, read now (tests and small models).
    public func allLayers() throws -> [Layer] { try (0..<numLayers).map(layer) }

    /// Layer `i` built from `read(key, shape)`; with a reader that only checks entries it
    /// validates the layer's tensors without reading them.
    private static func layer(_ i: Int, config c: EomtConfig, read: (String, [Int]) throws -> [Float]) throws -> Layer {
        let (h, m, pre) = (c.hiddenSize, c.mlpHiddenSize, "layers.\(i)")
        func linear(_ name: String, _ outF: Int, _ inF: Int) throws -> Linear {
            Linear(weight: try read("\(name).weight", [outF, inF]), bias: try read("\(name).bias", [outF]),
                   inFeatures: inF, outFeatures: outF)
        }
        func norm(_ name: String) throws -> Norm {
            Norm(weight: try read("\(name).weight", [h]), bias: try read("\(name).bias", [h]))
        }
        let mlp: FeedForward = c.useSwiGLU
            ? .swiglu(gate: try linear("\(pre).mlp.gate_proj", m, h), up: try linear("\(pre).mlp.up_proj", m, h),
                      down: try linear("\(pre).mlp.down_proj", h, m))
            : .gelu(fc1: try linear("\(pre).mlp.fc1", m, h), fc2: try linear("\(pre).mlp.fc2", h, m))
        return Layer(
            norm1: try norm("\(pre).norm1"),
            q: try linear("\(pre).attention.q_proj", h, h), k: try linear("\(pre).attention.k_proj", h, h),
            v: try linear("\(pre).attention.v_proj", h, h), out: try linear("\(pre).attention.out_proj", h, h),
            layerScale1: try read("\(pre).layer_scale1.lambda1", [h]),
            norm2: try norm("\(pre).norm2"), mlp: mlp,
            layerScale2: try read("\(pre).layer_scale2.lambda1", [h]))
    }

    /// Reads every tensor of `config` from `file` (one file or a sharded checkpoint) but the
    /// layers' (`layer(_:)`), and checks every shape and dtype, the layers' included.
    public init(file: any SafeTensorsSource, config c: EomtConfig) throws {
        let h = c.hiddenSize
        func linear(_ name: String, _ outF: Int, _ inF: Int) throws -> Linear {
            Linear(weight: try file.floats("\(name).weight", shape: [outF, inF]),
                   bias: try file.floats("\(name).bias", shape: [outF]), inFeatures: inF, outFeatures: outF)
        }
        func norm(_ name: String) throws -> Norm {
            Norm(
                weight: try file.floats("\(name).weight", shape: [h]), bias: try file.floats("\(name).bias", shape: [h])
            )
        }
        if file.entries["attn_mask_probs"] != nil {
            let probs = try file.floats("attn_mask_probs", shape: [c.numBlocks])
            if probs.contains(where: { $0 > 0 }) {
                throw MaskstreamError(
                    .unsupported,
                    "\(file.name): attn_mask_probs is \(probs): this checkpoint still masks attention at inference "
                        + "(a model mid-training); maskstream runs finished EoMT models whose attn_mask_probs are all 0"
                )
            }
        }
        let p = c.patchSize
        patchWeight = try file.floats("embeddings.patch_embeddings.projection.weight", shape: [h, 3, p, p])
        patchBias = try file.floats("embeddings.patch_embeddings.projection.bias", shape: [h])
        clsToken = try file.floats("embeddings.cls_token", shape: [1, 1, h])
        registerTokens = c.numRegisterTokens == 0 && file.entries["embeddings.register_tokens"] == nil ? []
            : try file.floats("embeddings.register_tokens", shape: [1, c.numRegisterTokens, h])
        positionEmbeddings = try file.floats("embeddings.position_embeddings.weight", shape: [c.numPatches, h],
                                             reason: "image_size \(c.imageSize) / patch_size \(c.patchSize)")
        queries = try file.floats("query.weight", shape: [c.numQueries, h], reason: "num_queries \(c.numQueries)")
        for i in 0..<c.numHiddenLayers {
            _ = try Self.layer(i, config: c) { key, shape in
                try file.entry(key, shape: shape)
                return []
            }
        }
        if file.entries["layers.\(c.numHiddenLayers).norm1.weight"] != nil {
            throw MaskstreamError(
                .malformedModel,
                "\(file.name): has tensor 'layers.\(c.numHiddenLayers).norm1.weight' but config.json says "
                    + "num_hidden_layers \(c.numHiddenLayers); the weights do not belong to this config.json"
            )
        }
        self.file = file
        self.config = c
        self.numLayers = c.numHiddenLayers
        finalNorm = try norm("layernorm")
        upscale = try (0..<c.numUpscaleBlocks).map { i in
            let pre = "upscale_block.block.\(i)"
            return Upscale(convTWeight: try file.floats("\(pre).conv1.weight", shape: [h, h, 2, 2]),
                           convTBias: try file.floats("\(pre).conv1.bias", shape: [h]),
                           depthwiseWeight: try file.floats("\(pre).conv2.weight", shape: [h, 1, 3, 3]),
                           norm: try norm("\(pre).layernorm2d"))
        }
        maskHead = try (1...3).map { try linear("mask_head.fc\($0)", h, h) }
        classPredictor = try linear("class_predictor", c.labels.count + 1, h)
    }
}
