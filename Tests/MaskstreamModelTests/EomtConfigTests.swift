import Foundation
import Testing
@testable import MaskstreamModel

@Suite struct EomtConfigTests {
    @Test func readsFixtureConfigs() throws {
        let tiny = try EomtConfig(contentsOf: try GoldenFixture("tiny_gelu").modelFolder.appendingPathComponent("config.json"))
        #expect(tiny.hiddenSize == 32 && tiny.numHiddenLayers == 3 && tiny.numBlocks == 2 && tiny.numQueries == 6)
        #expect(tiny.labels == ["cat", "dog", "car"])
        #expect(tiny.id2label[2] == "car")
        #expect(tiny.gridSize == 8 && tiny.maskSize == 32 && tiny.numPrefixTokens == 3 && tiny.mlpHiddenSize == 128)
        let swiglu = try EomtConfig(contentsOf: try GoldenFixture("tiny_swiglu_bf16").modelFolder.appendingPathComponent("config.json"))
        #expect(swiglu.useSwiGLU && swiglu.mlpHiddenSize == 88 && swiglu.numRegisterTokens == 0 && swiglu.maskSize == 16)
        let coco = try EomtConfig(contentsOf: try GoldenFixture("coco_small_shaped_f16").modelFolder.appendingPathComponent("config.json"))
        #expect(coco.imageSize == 640 && coco.patchSize == 16 && coco.numQueries == 200 && coco.numRegisterTokens == 4 && coco.labels.count == 80)
    }

    @Test func defaultsMatchTransformers() throws {
        let c = try EomtConfig(json: Data("{}".utf8))
        #expect(c.hiddenSize == 1024 && c.numHiddenLayers == 24 && c.imageSize == 640 && c.numQueries == 200 && c.labels.count == 2)
    }

    @Test(arguments: [
        (#"[1]"#, MaskstreamError.Code.malformedModel, "not a JSON object"),
        (#"{"model_type":"vit"}"#, .malformedModel, "model_type"),
        (#"{"hidden_size":30,"num_attention_heads":4}"#, .malformedModel, "multiple of num_attention_heads"),
        (#"{"num_blocks":30}"#, .malformedModel, "num_blocks"),
        (#"{"image_size":100,"patch_size":16}"#, .malformedModel, "multiple of patch_size"),
        (#"{"image_size":[640,480]}"#, .malformedModel, "image_size"),
        (#"{"hidden_size":"big"}"#, .malformedModel, "hidden_size"),
        (#"{"use_swiglu_ffn":3}"#, .malformedModel, "use_swiglu_ffn"),
        (#"{"id2label":{"0":"a","5":"b"}}"#, .malformedModel, "id2label"),
        (#"{"hidden_act":"relu"}"#, .unsupported, "hidden_act"),
        (#"{"num_channels":1}"#, .unsupported, "num_channels"),
        (#"{"hidden_size":1000000,"num_attention_heads":1}"#, .malformedModel, "implausibly"),
    ])
    func invalidConfigsThrow(_ json: String, _ code: MaskstreamError.Code, _ hint: String) {
        #expect {
            _ = try EomtConfig(json: Data(json.utf8))
        } throws: { error in
            guard let e = error as? MaskstreamError else { return false }
            return e.code == code && e.message.contains(hint)
        }
    }

    @Test(arguments: [
        (#"{"size":{"shortest_edge":640}}"#, nil as String?),
        (#"{"size":{"shortest_edge":512,"longest_edge":640},"do_pad":true}"#, nil),
        (#"{"do_split_image":true}"#, "do_split_image"),
        (#"{"resample":3}"#, "resample"),
        (#"{"image_std":[0,1,1]}"#, "image_std"),
        (#"{"size":7}"#, "'size'"),
    ])
    func processorConfigs(_ json: String, _ error: String?) throws {
        if let error {
            #expect { _ = try EomtImageProcessorConfig(json: Data(json.utf8), imageSize: 640) } throws: {
                ($0 as? MaskstreamError)?.message.contains(error) == true
            }
        } else {
            let c = try EomtImageProcessorConfig(json: Data(json.utf8), imageSize: 640)
            #expect(c.shortestEdge > 0 && c.longestEdge == 640)
        }
    }
}
