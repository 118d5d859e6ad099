import Foundation

/// The architecture of an EoMT model, read from a Hugging Face `config.json`
/// (`EomtConfig` in transformers), plus the class names from `id2label`.
///
/// ```swift
/// let config = try EomtConfig(contentsOf: folder.appending(path: "config.json"))
/// print(config.imageSize, config.labels.count)
/// ```
public struct EomtConfig: Sendable, Equatable {
    public var hiddenSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var mlpRatio: Double
    /// Input side length in pixels (square, as the transformers model requires).
    public var imageSize: Int
    public var patchSize: Int
    public var numChannels: Int
    /// How many of the last layers carry the queries.
    public var numBlocks: Int
    public var numQueries: Int
    public var numRegisterTokens: Int
    public var numUpscaleBlocks: Int
    public var useSwiGLU: Bool
    public var layerNormEps: Float
    public var hiddenAct: String
    /// Class names by class id (`id2label`); `labels.count` is the number of classes (no "no object").
    public var labels: [String]

    /// `id2label` as a dictionary.
    public var id2label: [Int: String] {
        Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($0.offset, $0.element) })
    }
    /// Patches per side.
    public var gridSize: Int { imageSize / patchSize }
    /// Patch tokens.
    public var numPatches: Int { gridSize * gridSize }
    /// CLS plus register tokens.
    public var numPrefixTokens: Int { 1 + numRegisterTokens }
    public var headDim: Int { hiddenSize / numAttentionHeads }
    /// The MLP hidden width (`int(hidden * mlp_ratio)`; SwiGLU keeps 2/3 rounded up to 8).
    public var mlpHiddenSize: Int {
        let h = Int(Double(hiddenSize) * mlpRatio)
        return useSwiGLU ? (Int(Double(h) * 2.0 / 3.0) + 7) / 8 * 8 : h
    }
    /// Side of the mask logits grid (`gridSize · 2^numUpscaleBlocks`).
    public var maskSize: Int { gridSize << numUpscaleBlocks }
    /// Index of the first layer that sees the queries.
    public var firstQueryLayer: Int { numHiddenLayers - numBlocks }

    /// Reads and validates `config.json`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw MaskstreamError(
                .notFound, "cannot read '\(url.path)': a model folder needs the config.json that save_pretrained writes"
            )
        }
        try self.init(json: data, name: url.lastPathComponent)
    }

    /// Parses a `config.json` body; `name` is used in error messages.
    public init(json data: Data, name: String = "config.json") throws {
        func bad(_ why: String) -> MaskstreamError {
            MaskstreamError(
                .malformedModel, "\(name): \(why); use the config.json of an EomtForUniversalSegmentation checkpoint")
        }
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw bad("not a JSON object")
        }
        if let type = obj["model_type"] as? String, type != "eomt" { throw bad("model_type is '\(type)', not 'eomt'") }
        func int(_ key: String, _ def: Int) throws -> Int {
            guard let v = obj[key] else { return def }
            if let n = v as? NSNumber, String(cString: n.objCType) != "c", n.doubleValue.rounded() == n.doubleValue,
                abs(n.doubleValue) < 1e9
            {
                return n.intValue
            }
            if let a = v as? [Any], a.count == 2, let x = a[0] as? NSNumber, let y = a[1] as? NSNumber,
                x.intValue == y.intValue, x.doubleValue.rounded() == x.doubleValue
            {
                return x.intValue
            }
            throw bad("'\(key)' must be an integer (or a square [n, n] pair), got \(v)")
        }
        func double(_ key: String, _ def: Double) throws -> Double {
            guard let v = obj[key] else { return def }
            guard let n = v as? NSNumber, String(cString: n.objCType) != "c", n.doubleValue.isFinite else {
                throw bad("'\(key)' must be a number, got \(v)")
            }
            return n.doubleValue
        }
        func bool(_ key: String, _ def: Bool) throws -> Bool {
            guard let v = obj[key] else { return def }
            guard let b = v as? Bool else { throw bad("'\(key)' must be true or false, got \(v)") }
            return b
        }
        hiddenSize = try int("hidden_size", 1024)
        numHiddenLayers = try int("num_hidden_layers", 24)
        numAttentionHeads = try int("num_attention_heads", 16)
        mlpRatio = try double("mlp_ratio", 4)
        imageSize = try int("image_size", 640)
        patchSize = try int("patch_size", 16)
        numChannels = try int("num_channels", 3)
        numBlocks = try int("num_blocks", 4)
        numQueries = try int("num_queries", 200)
        numRegisterTokens = try int("num_register_tokens", 4)
        numUpscaleBlocks = try int("num_upscale_blocks", 2)
        useSwiGLU = try bool("use_swiglu_ffn", false)
        layerNormEps = Float(try double("layer_norm_eps", 1e-6))
        hiddenAct = (obj["hidden_act"] as? String) ?? "gelu"

        if let map = obj["id2label"] {
            guard let dict = map as? [String: Any] else { throw bad("id2label must map class ids to names") }
            var byId: [Int: String] = [:]
            for (k, v) in dict {
                guard let id = Int(k), id >= 0, id < dict.count, let label = v as? String else {
                    throw bad("id2label entry '\(k)': '\(v)' must map ids 0..<\(dict.count) to names")
                }
                byId[id] = label
            }
            labels = (0..<byId.count).map { byId[$0] ?? "" }
        } else {
            let n = try int("num_labels", 2)
            guard n >= 1, n < 100_000 else { throw bad("num_labels must be positive") }
            labels = (0..<n).map { "LABEL_\($0)" }
        }

        guard hiddenSize > 0, numAttentionHeads > 0, hiddenSize % numAttentionHeads == 0 else {
            throw bad(
                "hidden_size \(hiddenSize) must be a positive multiple of num_attention_heads \(numAttentionHeads)")
        }
        guard numHiddenLayers > 0, numBlocks >= 1, numBlocks <= numHiddenLayers else {
            throw bad("num_blocks \(numBlocks) must be between 1 and num_hidden_layers \(numHiddenLayers)")
        }
        guard patchSize > 0, imageSize >= patchSize, imageSize % patchSize == 0 else {
            throw bad("image_size \(imageSize) must be a positive multiple of patch_size \(patchSize)")
        }
        guard numChannels == 3 else {
            throw MaskstreamError(
                .unsupported, "\(name): num_channels is \(numChannels); maskstream feeds RGB frames (3 channels)")
        }
        guard numQueries > 0, numRegisterTokens >= 0, numUpscaleBlocks >= 0, numUpscaleBlocks <= 6, mlpRatio > 0 else {
            throw bad("num_queries, num_register_tokens, num_upscale_blocks and mlp_ratio must be positive")
        }
        guard !labels.isEmpty else { throw bad("id2label is empty") }
        guard hiddenAct == "gelu" else {
            throw MaskstreamError(
                .unsupported, "\(name): hidden_act '\(hiddenAct)' is not supported; EoMT checkpoints use 'gelu'")
        }
        // Keep sizes sane so a hostile config cannot ask for terabytes.
        guard hiddenSize <= 8192, numHiddenLayers <= 256, imageSize <= 4096, numQueries <= 10_000 else {
            throw bad(
                "sizes are implausibly large (hidden_size \(hiddenSize), layers \(numHiddenLayers), image_size "
                    + "\(imageSize), queries \(numQueries))"
            )
        }
    }
}
