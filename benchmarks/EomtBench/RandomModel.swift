import Foundation
import MaskstreamModel

/// A seeded random EoMT in Hugging Face layout (config.json, preprocessor_config.json,
/// model.safetensors in F32) and a synthetic frame, written without Python or PyTorch, for
/// machines that have only a Vulkan driver (benchmarks/gpu_check.sh).
///
///     eomt-bench make-random <folder> <tiny|small|large> [seed] [image-size]
enum RandomModel {
    /// Architecture keys per layout; the rest of config.json is common.
    nonisolated(unsafe) static let layouts: [String: [String: Any]] = [
        "tiny": ["hidden_size": 96, "num_hidden_layers": 4, "num_attention_heads": 3, "num_blocks": 2, "num_queries": 50],
        "small": ["hidden_size": 384, "num_hidden_layers": 12, "num_attention_heads": 6, "num_blocks": 4, "num_queries": 200],
        "large": ["hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16, "num_blocks": 4,
                  "num_queries": 200],
    ]

    /// SplitMix64: the same weights for the same seed on every machine.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        /// Uniform in [-a, a).
        mutating func uniform(_ a: Float) -> Float { (Float(next() >> 40) / Float(1 << 24) * 2 - 1) * a }
    }

    static func write(folder: URL, layout: String, seed: UInt64, imageSize: Int, halves: Bool = false) throws {
        guard var keys = layouts[layout] else {
            throw MaskstreamError(.invalidInput, "unknown layout '\(layout)': use \(layouts.keys.sorted())")
        }
        let labels = (0..<80).map { "class_\($0)" }
        keys.merge([
            "model_type": "eomt", "architectures": ["EomtForUniversalSegmentation"], "image_size": imageSize,
            "patch_size": 16, "num_register_tokens": 4, "num_upscale_blocks": 2, "layerscale_value": 1.0,
            "layer_norm_eps": 1e-6, "mlp_ratio": 4, "hidden_act": "gelu", "use_swiglu_ffn": false, "num_channels": 3,
            "id2label": Dictionary(uniqueKeysWithValues: labels.enumerated().map { ("\($0.offset)", $0.element) }),
            "label2id": Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($0.element, $0.offset) }),
        ]) { a, _ in a }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let configData = try JSONSerialization.data(withJSONObject: keys, options: [.prettyPrinted, .sortedKeys])
        try configData.write(to: folder.appendingPathComponent("config.json"))
        let processor: [String: Any] = [
            "do_normalize": true, "do_pad": true, "do_rescale": true, "do_resize": true,
            "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225], "resample": 2,
            "rescale_factor": 1.0 / 255, "size": ["longest_edge": imageSize, "shortest_edge": imageSize],
            "image_processor_type": "EomtImageProcessor",
        ]
        try JSONSerialization.data(withJSONObject: processor, options: [.prettyPrinted, .sortedKeys])
            .write(to: folder.appendingPathComponent("preprocessor_config.json"))
        let c = try EomtConfig(json: configData)
        try writeWeights(tensors(c), seed: seed, to: folder.appendingPathComponent("model.safetensors"), halves: halves)
    }

    enum Init { case fanIn, one, zero, small }

    /// Every tensor `EomtWeights` reads, with its shape and how it is initialized.
    static func tensors(_ c: EomtConfig) -> [(String, [Int], Init)] {
        let h = c.hiddenSize, m = c.mlpHiddenSize, p = c.patchSize
        var list: [(String, [Int], Init)] = [
            ("embeddings.patch_embeddings.projection.weight", [h, 3, p, p], .fanIn),
            ("embeddings.patch_embeddings.projection.bias", [h], .small),
            ("embeddings.cls_token", [1, 1, h], .small),
            ("embeddings.register_tokens", [1, c.numRegisterTokens, h], .small),
            ("embeddings.position_embeddings.weight", [c.numPatches, h], .small),
            ("query.weight", [c.numQueries, h], .small),
        ]
        func linear(_ name: String, _ outF: Int, _ inF: Int) {
            list += [("\(name).weight", [outF, inF], .fanIn), ("\(name).bias", [outF], .small)]
        }
        func norm(_ name: String) { list += [("\(name).weight", [h], .one), ("\(name).bias", [h], .zero)] }
        for i in 0..<c.numHiddenLayers {
            let pre = "layers.\(i)"
            norm("\(pre).norm1")
            for part in ["q", "k", "v", "out"] { linear("\(pre).attention.\(part)_proj", h, h) }
            list.append(("\(pre).layer_scale1.lambda1", [h], .one))
            norm("\(pre).norm2")
            linear("\(pre).mlp.fc1", m, h)
            linear("\(pre).mlp.fc2", h, m)
            list.append(("\(pre).layer_scale2.lambda1", [h], .one))
        }
        norm("layernorm")
        for i in 0..<c.numUpscaleBlocks {
            let pre = "upscale_block.block.\(i)"
            list += [("\(pre).conv1.weight", [h, h, 2, 2], .fanIn), ("\(pre).conv1.bias", [h], .small),
                     ("\(pre).conv2.weight", [h, 1, 3, 3], .fanIn)]
            list += [("\(pre).layernorm2d.weight", [h], .one), ("\(pre).layernorm2d.bias", [h], .zero)]
        }
        for i in 1...3 { linear("mask_head.fc\(i)", h, h) }
        linear("class_predictor", c.labels.count + 1, h)
        return list
    }

    /// A safetensors file: 8-byte header length, JSON header, little-endian F32 (or, with `halves`,
    /// F16) data.
    static func writeWeights(_ tensors: [(String, [Int], Init)], seed: UInt64, to url: URL, halves: Bool = false) throws {
        var rng = Generator(state: seed)
        var header: [String: Any] = [:]
        var offset = 0
        for (name, shape, _) in tensors {
            let bytes = shape.reduce(1, *) * (halves ? 2 : 4)
            header[name] = ["dtype": halves ? "F16" : "F32", "shape": shape, "data_offsets": [offset, offset + bytes]]
            offset += bytes
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data()
        out.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        for (_, shape, kind) in tensors {
            let count = shape.reduce(1, *)
            let fanIn = Float(shape.dropFirst().reduce(1, *))
            var values = [Float](repeating: 0, count: count)
            for i in 0..<count {
                switch kind {
                case .fanIn: values[i] = rng.uniform(1 / fanIn.squareRoot())
                case .one: values[i] = 1 + rng.uniform(0.1)
                case .zero: values[i] = rng.uniform(0.02)
                case .small: values[i] = rng.uniform(0.5)
                }
            }
            if halves {
                values.map { Float16($0) }.withUnsafeBytes { out.append(contentsOf: $0) }
            } else {
                values.withUnsafeBytes { out.append(contentsOf: $0) }
            }
        }
        try out.write(to: url)
    }

    /// A smooth RGB8 frame with a few bright discs (deterministic).
    static func frame(width: Int, height: Int) -> [UInt8] {
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                let disc = ((x - width / 3) * (x - width / 3) + (y - height / 2) * (y - height / 2)) < (height / 5) * (height / 5)
                rgb[i] = UInt8(40 + 120 * x / max(width - 1, 1))
                rgb[i + 1] = disc ? 230 : UInt8(60 + 100 * y / max(height - 1, 1))
                rgb[i + 2] = UInt8(90 + (x ^ y) % 64)
            }
        }
        return rgb
    }
}
