import Foundation
import Testing
import MaskstreamTestSupport
@testable import MaskstreamPipeline
@testable import MaskstreamServer

/// A model replaced while a file pipeline runs (`POST /model`): no frame lost, a clean switch at
/// a frame boundary, a malformed model refused with the running one untouched.
@Suite(.serialized) struct ModelReloadTests {
    static let root = TestMedia.repositoryRoot

    /// A copy of the default model whose class head weights and bias are doubled (the exponent
    /// of every half + 1): the same classes, sharper scores.
    static func perturbedModel(in dir: URL) throws -> URL {
        let source = root.appending(path: "models/default")
        let folder = dir.appending(path: "perturbed")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ["config.json", "preprocessor_config.json"] {
            try FileManager.default.copyItem(at: source.appending(path: name), to: folder.appending(path: name))
        }
        var tensors = try SafeTensorsWriter.read(source.appending(path: "model.safetensors"))
        for i in tensors.indices where tensors[i].name.contains("class_predictor") {
            #expect(tensors[i].dtype == "F16")
            var bytes = [UInt8](tensors[i].bytes)
            for h in stride(from: 0, to: bytes.count, by: 2) {
                let bits = UInt16(bytes[h]) | UInt16(bytes[h + 1]) << 8
                let exponent = (bits >> 10) & 0x1F
                guard exponent > 0, exponent < 30 else { continue }
                let doubled = bits + (1 << 10)
                (bytes[h], bytes[h + 1]) = (UInt8(doubled & 0xFF), UInt8(doubled >> 8))
            }
            tensors[i].bytes = Data(bytes)
        }
        try SafeTensorsWriter.write(tensors, to: folder.appending(path: "model.safetensors"))
        return folder
    }

    func config(out: URL, model: String) throws -> PipelineConfig {
        try PipelineConfig.parse(yaml: """
        sources:
          - { url: \(Self.root.appending(path: "examples/sample.mp4").path()), max_frames: 60 }
        model: { path: \(model), threshold: 0.3 }
        tracker: off
        server: { port: 0 }
        sinks:
          - { type: jsonl, path: \(out.appending(path: "s.jsonl").path()) }
        """)
    }

    func records(_ out: URL) throws -> [FrameRecord] { try FrameRecord.readJSONL(out.appending(path: "s.jsonl")) }

    @Test func reloadSwitchesAtAFrameBoundaryAndLosesNothing() async throws {
        let dir = try TestMedia.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let old = Self.root.appending(path: "models/default").path()
        let new = try Self.perturbedModel(in: dir).path()
        let broken = dir.appending(path: "broken")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        try Data("{not json".utf8).write(to: broken.appending(path: "config.json"))
        // Each model alone, then the old one replaced by the new one mid-run.
        var alone: [[FrameRecord]] = []
        for model in [old, new] {
            let out = dir.appending(path: "alone-\(alone.count)")
            _ = try await PipelineRunner(config: config(out: out, model: model)).run()
            alone.append(try records(out))
        }
        #expect(alone[0] != alone[1], "the perturbed model scores differently")
        let out = dir.appending(path: "reload")
        nonisolated(unsafe) var runnerRef: PipelineRunner?
        nonisolated(unsafe) var answers: [String: (status: Int, body: String)] = [:]
        let runner = PipelineRunner(config: try config(out: out, model: old), progress: { frames, _ in
            guard let runner = runnerRef, let port = runner.serverPort else { return }
            if frames == 10 {
                answers["broken"] = try? StreamsAPITests.curl("POST", port, "/model", body: #"{"path": "\#(broken.path())"}"#)
                answers["missing"] = try? StreamsAPITests.curl("POST", port, "/model", body: #"{"path": "/no/model"}"#)
                answers["bad body"] = try? StreamsAPITests.curl("POST", port, "/model", body: #"{"folder": 1}"#)
            }
            if frames == 20 {
                answers["reload"] = try? StreamsAPITests.curl("POST", port, "/model", body: #"{"path": "\#(new)"}"#)
            }
            if frames == 50 { answers["info"] = try? StreamsAPITests.curl("GET", port, "/model") }
        })
        runnerRef = runner
        let summary = try await runner.run()
        #expect(answers["broken"]?.status == 400, "\(answers["broken"] ?? (0, ""))")
        #expect(answers["missing"]?.status == 404)
        #expect(answers["bad body"]?.status == 400)
        #expect(answers["reload"]?.status == 200, "\(answers["reload"] ?? (0, ""))")
        let info = try JSONDecoder().decode(ModelInfo.self, from: Data(try #require(answers["info"]).body.utf8))
        #expect(info.generation == 2)
        #expect(info.name == new)
        #expect(info.sha256 == (try ModelSlot.weightsSHA256(folder: URL(fileURLWithPath: new))))
        #expect(info.sha256 != (try ModelSlot.weightsSHA256(folder: URL(fileURLWithPath: old))))
        let switched = try #require(info.firstFrame).frame

        let got = try records(out)
        #expect(summary.framesWritten == 60)
        #expect(got.map(\.frame) == Array(0..<60), "no frame lost")
        #expect(switched > 20 && switched < 60)
        #expect(Array(got[..<switched]) == Array(alone[0][..<switched]), "the old model up to the switch")
        #expect(Array(got[switched...]) == Array(alone[1][switched...]), "the new model from it on")
    }
}
