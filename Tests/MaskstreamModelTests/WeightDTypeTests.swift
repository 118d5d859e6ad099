import Foundation
import MaskstreamTestSupport
import Testing
@testable import MaskstreamModel

/// models/default stored as F32, F16 (as shipped) and BF16 gives the same forward: F16 → F32 is
/// exact, so those two agree bit for bit; BF16 keeps 8 bits of mantissa, so its logits stay
/// close (measured: 0.2 % of the largest class logit, of the mean mask logit) and its
/// confident queries keep their classes.
@Suite struct WeightDTypeTests {
    static var modelsDefault: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appending(path: "models/default")
    }

    /// A copy of models/default with every tensor re-encoded by `encode` under `dtype`.
    static func copy(as dtype: String, into dir: URL, encode: ([Float]) -> Data) throws -> URL {
        let folder = dir.appending(path: dtype)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for f in ["config.json", "preprocessor_config.json"] {
            try FileManager.default.copyItem(at: modelsDefault.appending(path: f), to: folder.appending(path: f))
        }
        let source = modelsDefault.appending(path: "model.safetensors")
        let file = try SafeTensorsFile(contentsOf: source)
        let tensors = try SafeTensorsWriter.read(source).map { t in
            (t.name, dtype, t.shape, encode(try file.floats(t.name)))
        }
        try SafeTensorsWriter.write(tensors, to: folder.appending(path: "model.safetensors"))
        return folder
    }

    static func forward(_ folder: URL) throws -> EomtRawOutput {
        let model = try EomtModel(folder: folder, device: nil)
        let (w, h) = (96, 72)
        let rgb = (0..<(w * h * 3)).map { UInt8(truncatingIfNeeded: ($0 * 29) ^ ($0 / 288 * 7)) }
        return try model.forward(pixels: try model.preprocessor.pixelValues(rgb: rgb, width: w, height: h).pixels)
    }

    @Test func f32F16AndBF16CopiesAgree() throws {
        let dir = FileManager.default.temporaryDirectory.appending(path: "eomt-dtypes-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try SafeTensorsFile(contentsOf: Self.modelsDefault.appending(path: "model.safetensors"))
                    .entries.values.allSatisfy { $0.dtype == .f16 })
        let f32 = try Self.forward(try Self.copy(as: "F32", into: dir, encode: SafeTensorsWriter.f32))
        let f16 = try Self.forward(Self.modelsDefault)
        let bf16 = try Self.forward(try Self.copy(as: "BF16", into: dir, encode: SafeTensorsWriter.bf16))
        #expect(f16.classLogits == f32.classLogits && f16.maskLogits == f32.maskLogits)

        let scale = f32.classLogits.map(abs).max() ?? 1
        let classDiff = maxAbsDiff(bf16.classLogits, f32.classLogits)
        let maskDiff = meanAbsDiff(bf16.maskLogits, f32.maskLogits)
        let maskScale = f32.maskLogits.reduce(0) { $0 + abs($1) } / Float(f32.maskLogits.count)
        #expect(classDiff <= 0.01 * scale)
        #expect(maskDiff <= 0.01 * maskScale)
        let queries = try EomtConfig(contentsOf: Self.modelsDefault.appending(path: "config.json")).numQueries
        let classes = f32.classLogits.count / queries
        for q in 0..<queries {
            let a = Array(f32.classLogits[(q * classes)..<((q + 1) * classes)])
            let b = Array(bf16.classLogits[(q * classes)..<((q + 1) * classes)])
            let sorted = a.sorted(by: >)
            guard sorted[0] - sorted[1] > 1 else { continue }  // a confident query
            #expect(a.firstIndex(of: sorted[0]) == b.firstIndex(of: b.max()!), "query \(q)")
        }
    }
}

/// mean |a − b| over two equally long arrays.
func meanAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count, !a.isEmpty else { return .infinity }
    return zip(a, b).reduce(0) { $0 + abs($1.0 - $1.1) } / Float(a.count)
}
