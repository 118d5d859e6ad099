import Foundation
import MaskstreamTestSupport
import Testing
@testable import MaskstreamModel

/// A sharded checkpoint reads like the single file it was split from, and an index that
/// disagrees with its shards is a typed error naming the index and the tensor.
@Suite struct SafeTensorsShardsTests {
    static let a = ("a", "F32", [2], SafeTensorsWriter.f32([1.5, -2]))
    static let b = ("b", "BF16", [1], SafeTensorsWriter.bf16([3]))

    /// A folder with shards `one` (tensor a) and `two` (tensor b) and the index `map`.
    static func folder(map: [String: String], shards: [String: [SafeTensorsWriter.Tensor]] = [
        "one.safetensors": [a], "two.safetensors": [b],
    ]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appending(path: "shards-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, tensors) in shards { try SafeTensorsWriter.write(tensors, to: dir.appending(path: name)) }
        try JSONSerialization.data(withJSONObject: ["metadata": [:], "weight_map": map])
            .write(to: dir.appending(path: SafeTensorsShards.indexName))
        return dir
    }

    @Test func readsTensorsFromTheirShards() throws {
        let dir = try Self.folder(map: ["a": "one.safetensors", "b": "two.safetensors"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = try SafeTensorsShards.open(folder: dir)
        #expect(source.name == SafeTensorsShards.indexName)
        #expect(try source.floats("a", shape: [2]) == [1.5, -2])
        #expect(try source.floats("b") == [3])
        #expect(Set(source.entries.keys) == ["a", "b"])
        #expect { try source.floats("c", shape: nil, reason: "") } throws: {
            ($0 as? MaskstreamError)?.message.contains("model.safetensors.index.json: tensor 'c' is missing") == true
        }
        // A single file next to an index wins (save_pretrained writes one or the other).
        try SafeTensorsWriter.write([Self.a], to: dir.appending(path: SafeTensorsShards.singleName))
        #expect(try SafeTensorsShards.open(folder: dir) is SafeTensorsFile)
    }

    @Test(arguments: [
        (["a": "one.safetensors", "b": "one.safetensors"],
         "puts tensor 'b' in 'one.safetensors', which does not hold it"),
        (["a": "one.safetensors"], "shard 'one.safetensors' holds tensor 'b', which weight_map does not list"),
        (["a": "one.safetensors", "b": "three.safetensors"], "names shard 'three.safetensors', which is not in"),
        (["a": "../one.safetensors", "b": "two.safetensors"], "is not a .safetensors file name next to the index"),
        ([:], "weight_map is empty"),
    ])
    func indexDisagreeingWithShardsThrows(_ map: [String: String], _ hint: String) throws {
        var shards: [String: [SafeTensorsWriter.Tensor]] = ["one.safetensors": [Self.a], "two.safetensors": [Self.b]]
        if map["b"] == "three.safetensors" { shards["two.safetensors"] = nil }
        if map.count == 1 { shards["one.safetensors"] = [Self.a, Self.b] }
        let dir = try Self.folder(map: map, shards: shards)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect { _ = try SafeTensorsShards.open(folder: dir) } throws: { error in
            let e = error as? MaskstreamError
            return (e?.code == .malformedModel || e?.code == .notFound) && e?.message.contains(hint) == true
        }
    }
}
