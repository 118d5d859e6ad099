import Foundation
import Testing
@testable import MaskstreamModel

/// Builds a safetensors buffer from a header JSON string and a data section.
func safetensors(_ header: String, data: [UInt8], declaredLength: UInt64? = nil) -> Data {
    let h = Array(header.utf8)
    let n = declaredLength ?? UInt64(h.count)
    var out = Data((0..<8).map { UInt8((n >> (8 * UInt64($0))) & 0xFF) })
    out.append(contentsOf: h)
    out.append(contentsOf: data)
    return out
}

@Suite struct SafeTensorsFileTests {
    @Test func readsF32F16BF16AndShapes() throws {
        // a: F32 [2] = 1.5, -2 ; b: F16 [1,2] = 1.0, -0.5 ; c: BF16 [1] = 3.0 ; e: empty F32 [0]
        let bytes: [UInt8] = [0, 0, 0xC0, 0x3F, 0, 0, 0, 0xC0, 0x00, 0x3C, 0x00, 0xB8, 0x40, 0x40]
        let header = #"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F16","shape":[1,2],"data_offsets":[8,12]},"c":{"dtype":"BF16","shape":[1],"data_offsets":[12,14]},"e":{"dtype":"F32","shape":[0],"data_offsets":[8,8]}}"#
        let f = try SafeTensorsFile(data: safetensors(header, data: bytes), name: "t.safetensors")
        #expect(f.metadata == ["format": "pt"])
        #expect(try f.floats("a", shape: [2]) == [1.5, -2])
        #expect(try f.floats("b", shape: [1, 2]) == [1, -0.5])
        #expect(try f.floats("c") == [3])
        #expect(try f.floats("e") == [])
        #expect(f.entries["b"]?.shape == [1, 2])
    }

    @Test(arguments: [(UInt16(0x0001), Float(5.9604645e-08)), (0x7BFF, 65504), (0x8000, -0.0), (0x3555, 0.33325195), (0x0400, 6.1035156e-05)])
    func halfConversionIsExact(_ bits: UInt16, _ value: Float) {
        #expect(SafeTensorsFile.halfToFloat(bits) == value)
        #expect(SafeTensorsFile.halfToFloat(0x7C00) == .infinity)
        #expect(SafeTensorsFile.halfToFloat(0x7E00).isNaN)
    }

    static let good = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#

    /// Every malformed file throws .malformedModel naming the problem (and the tensor).
    @Test(arguments: [
        ("short file", Data([1, 2, 3]), "shorter than the 8-byte"),
        ("length past end", safetensors(good, data: [UInt8](repeating: 0, count: 12), declaredLength: 10_000), "truncated"),
        ("huge length", safetensors(good, data: [], declaredLength: UInt64.max), "exceeds"),
        ("not json", safetensors("{not json}", data: []), "not valid JSON"),
        ("json array", safetensors("[1,2]", data: []), "not a JSON object"),
        ("unknown dtype", safetensors(#"{"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]), "'a': unknown dtype"),
        ("negative dim", safetensors(#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]), "'a': shape"),
        ("fractional dim", safetensors(#"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]), "'a': shape"),
        ("huge dims", safetensors(#"{"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]), "'a': shape"),
        ("missing offsets", safetensors(#"{"a":{"dtype":"F32","shape":[1]}}"#, data: [0, 0, 0, 0]), "'a': data_offsets"),
        ("reversed offsets", safetensors(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#, data: [0, 0, 0, 0]), "not ordered"),
        ("offsets past data", safetensors(good, data: [UInt8](repeating: 0, count: 10)), "'b': data_offsets [8, 12] run past"),
        ("size mismatch", safetensors(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8)), "'a': data_offsets [0, 8] hold 8 bytes"),
        ("overlap", safetensors(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: [UInt8](repeating: 0, count: 8)), "overlapping"),
        ("entry not object", safetensors(#"{"a":3}"#, data: []), "'a': entry is not an object"),
        ("bad metadata", safetensors(#"{"__metadata__":{"k":1}}"#, data: []), "__metadata__"),
    ])
    func malformedFilesThrow(_ what: String, _ data: Data, _ hint: String) {
        #expect(what.isEmpty == false)
        #expect {
            _ = try SafeTensorsFile(data: data, name: "bad.safetensors")
        } throws: { error in
            guard let e = error as? MaskstreamError else { return false }
            return e.code == .malformedModel && e.message.contains("bad.safetensors") && e.message.contains(hint)
        }
    }

    @Test func missingTensorAndWrongShapeNameTheTensor() throws {
        let f = try SafeTensorsFile(data: safetensors(Self.good, data: [UInt8](repeating: 0, count: 12)), name: "w.safetensors")
        #expect { _ = try f.floats("zzz") } throws: { ($0 as? MaskstreamError)?.message.contains("'zzz' is missing") == true }
        #expect { _ = try f.floats("a", shape: [3]) } throws: {
            ($0 as? MaskstreamError)?.message.contains("'a' has shape [2] but config.json needs [3]") == true
        }
    }

    @Test func integerDtypesAreUnsupportedForWeights() throws {
        let f = try SafeTensorsFile(data: safetensors(#"{"i":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8)), name: "i.safetensors")
        #expect { _ = try f.floats("i") } throws: { ($0 as? MaskstreamError)?.code == .unsupported }
    }

    /// Truncating the real fixture file anywhere never crashes and always throws .malformedModel.
    @Test func truncatedFixtureAlwaysThrows() throws {
        let fx = try GoldenFixture("tiny_swiglu_bf16")
        let full = try Data(contentsOf: fx.modelFolder.appendingPathComponent("model.safetensors"))
        for cut in [0, 4, 8, 9, 100, full.count / 2, full.count - 1] {
            #expect(throws: MaskstreamError.self) { _ = try SafeTensorsFile(data: full.prefix(cut), name: "cut") }
        }
        #expect(throws: Never.self) { _ = try SafeTensorsFile(data: full, name: "full") }
    }
}
