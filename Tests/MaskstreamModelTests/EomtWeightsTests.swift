import Foundation
import Testing
@testable import MaskstreamModel

@Suite struct EomtWeightsTests {
    /// Weights checked against a config that disagrees name the tensor and the file.
    @Test(arguments: [
        ("num_queries", 7, "'query.weight' has shape [6, 32]"),
        ("image_size", 72, "'embeddings.position_embeddings.weight' has shape [64, 32]"),
        ("num_hidden_layers", 4, "tensor 'layers.3."),
        ("num_hidden_layers", 2, "num_hidden_layers 2"),
        ("num_register_tokens", 3, "'embeddings.register_tokens' has shape [1, 2, 32]"),
        ("mlp_ratio", 2, "'layers.0.mlp.fc1.weight' has shape [128, 32]"),
        ("num_upscale_blocks", 3, "'upscale_block.block.2.conv1.weight' is missing"),
        ("use_swiglu_ffn", 1, "'layers.0.mlp.gate_proj.weight' is missing"),
    ])
    func configMismatchThrows(_ key: String, _ value: Int, _ hint: String) throws {
        let fx = try GoldenFixture("tiny_gelu")
        var json =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: fx.modelFolder.appendingPathComponent("config.json"))) as! [String: Any]
        json[key] = key == "use_swiglu_ffn" ? (value != 0) as Any : value as Any
        let config = try EomtConfig(json: JSONSerialization.data(withJSONObject: json))
        let file = try SafeTensorsFile(contentsOf: fx.modelFolder.appendingPathComponent("model.safetensors"))
        #expect {
            _ = try EomtWeights(file: file, config: config)
        } throws: { error in
            guard let e = error as? MaskstreamError else { return false }
            return e.code == .malformedModel && e.message.contains("model.safetensors") && e.message.contains(hint)
        }
    }

    @Test func labelCountMismatchIsReported() throws {
        let fx = try GoldenFixture("tiny_gelu")
        var json =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: fx.modelFolder.appendingPathComponent("config.json"))) as! [String: Any]
        json["id2label"] = ["0": "cat", "1": "dog"]
        let config = try EomtConfig(json: JSONSerialization.data(withJSONObject: json))
        let file = try SafeTensorsFile(contentsOf: fx.modelFolder.appendingPathComponent("model.safetensors"))
        #expect { _ = try EomtWeights(file: file, config: config) } throws: {
            ($0 as? MaskstreamError)?.message.contains(
                "'class_predictor.weight' has shape [4, 32] but config.json needs [3, 32]") == true
        }
    }

    @Test func missingFolderAndFilesThrow() throws {
        #expect { _ = try EomtModel(folder: URL(fileURLWithPath: "/nonexistent/eomt"), device: nil) } throws: {
            ($0 as? MaskstreamError)?.code == .notFound
        }
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("eomt-missing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        #expect { _ = try EomtModel(folder: tmp, device: nil) } throws: {
            ($0 as? MaskstreamError)?.message.contains("config.json") == true
        }
        let fx = try GoldenFixture("tiny_gelu")
        try FileManager.default.copyItem(
            at: fx.modelFolder.appendingPathComponent("config.json"), to: tmp.appendingPathComponent("config.json"))
        #expect { _ = try EomtModel(folder: tmp, device: nil) } throws: {
            ($0 as? MaskstreamError)?.message.contains("model.safetensors") == true
        }
    }
}
