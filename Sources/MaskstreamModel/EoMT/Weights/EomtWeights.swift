/// Every EoMT parameter as `Float`, shape-checked against the config, in PyTorch layouts
/// (Linear weight `[out, in]`, Conv2d `[out, in, kh, kw]`, ConvTranspose2d `[in, out, kh, kw]`).
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
    public var layers: [Layer]
    public var finalNorm: Norm
    public var upscale: [Upscale]
    public var maskHead: [Linear]
    public var classPredictor: Linear

    /// Reads every tensor of `config` from `file`, checking shapes.
    public init(file: SafeTensorsFile, config c: EomtConfig) throws {
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
        var layers: [Layer] = []
        let m = c.mlpHiddenSize
        for i in 0..<c.numHiddenLayers {
            let pre = "layers.\(i)"
            let mlp: FeedForward = c.useSwiGLU
                ? .swiglu(gate: try linear("\(pre).mlp.gate_proj", m, h), up: try linear("\(pre).mlp.up_proj", m, h),
                          down: try linear("\(pre).mlp.down_proj", h, m))
                : .gelu(fc1: try linear("\(pre).mlp.fc1", m, h), fc2: try linear("\(pre).mlp.fc2", h, m))
            layers.append(Layer(
                norm1: try norm("\(pre).norm1"),
                q: try linear("\(pre).attention.q_proj", h, h), k: try linear("\(pre).attention.k_proj", h, h),
                v: try linear("\(pre).attention.v_proj", h, h), out: try linear("\(pre).attention.out_proj", h, h),
                layerScale1: try file.floats("\(pre).layer_scale1.lambda1", shape: [h]),
                norm2: try norm("\(pre).norm2"), mlp: mlp,
                layerScale2: try file.floats("\(pre).layer_scale2.lambda1", shape: [h])))
        }
        if file.entries["layers.\(c.numHiddenLayers).norm1.weight"] != nil {
            throw MaskstreamError(
                .malformedModel,
                "\(file.name): has tensor 'layers.\(c.numHiddenLayers).norm1.weight' but config.json says "
                    + "num_hidden_layers \(c.numHiddenLayers); the weights do not belong to this config.json"
            )
        }
        self.layers = layers
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
