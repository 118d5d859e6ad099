import Foundation

/// A checkpoint sharded over several `.safetensors` files, as `save_pretrained` writes one
/// past its `max_shard_size`: `model.safetensors.index.json` maps every tensor name to the
/// shard that holds it (`weight_map`), and each shard is a `SafeTensorsFile`.
///
/// Every shard is mapped and validated when the checkpoint is opened, and the index must
/// agree with the shards: each listed shard exists next to the index, each tensor is in the
/// shard the index names, and no shard holds a tensor the index does not list.
///
/// ```swift
/// let shards = try SafeTensorsShards(index: folder.appending(path: "model.safetensors.index.json"))
/// let w = try shards.floats("query.weight", shape: [200, 384])
/// ```
public struct SafeTensorsShards: SafeTensorsSource {
    /// The name `save_pretrained` gives the index of a sharded safetensors checkpoint.
    public static let indexName = "model.safetensors.index.json"
    /// The name of an unsharded checkpoint.
    public static let singleName = "model.safetensors"

    /// The index file name, for error messages.
    public let name: String
    /// Shard file name → the validated shard.
    public let shards: [String: SafeTensorsFile]
    /// Tensor name → the shard file name that holds it.
    public let weightMap: [String: String]
    /// Tensor name → its entry in its shard.
    public let entries: [String: SafeTensorsFile.Entry]

    /// Reads the index at `index` and maps and validates every shard it names.
    ///
    /// - Throws: `MaskstreamError(.malformedModel)` for an index that is not JSON with a
    ///   `weight_map` of shard file names, a tensor missing from its shard or held by a shard
    ///   the index does not name for it; `.notFound` for a missing shard.
    public init(index: URL) throws {
        let name = index.lastPathComponent
        func bad(_ why: String) -> MaskstreamError {
            MaskstreamError(.malformedModel, "\(name): \(why); re-save the checkpoint with "
                            + "`save_pretrained(safe_serialization=True)`")
        }
        let data: Data
        do { data = try Data(contentsOf: index) } catch {
            throw MaskstreamError(.notFound, "cannot read '\(index.path)': check the model folder", cause: error)
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw bad("not a JSON object")
        }
        guard let map = object["weight_map"] as? [String: Any] else { throw bad("missing 'weight_map'") }
        var weightMap: [String: String] = [:]
        for (tensor, value) in map {
            guard let file = value as? String else { throw bad("weight_map['\(tensor)'] is not a file name") }
            try Self.checkShardName(file, index: name)
            weightMap[tensor] = file
        }
        guard !weightMap.isEmpty else { throw bad("weight_map is empty") }
        let folder = index.deletingLastPathComponent()
        var shards: [String: SafeTensorsFile] = [:]
        for file in Set(weightMap.values).sorted() {
            let url = folder.appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw MaskstreamError(.notFound, "\(name) names shard '\(file)', which is not in \(folder.path): "
                                      + "download every shard the index lists")
            }
            shards[file] = try SafeTensorsFile(contentsOf: url)
        }
        var entries: [String: SafeTensorsFile.Entry] = [:]
        for (tensor, file) in weightMap {
            guard let entry = shards[file]?.entries[tensor] else {
                throw bad("weight_map puts tensor '\(tensor)' in '\(file)', which does not hold it")
            }
            entries[tensor] = entry
        }
        for (file, shard) in shards {
            if let stray = shard.entries.keys.sorted().first(where: { weightMap[$0] != file }) {
                throw bad("shard '\(file)' holds tensor '\(stray)', which weight_map "
                          + (weightMap[stray].map { "puts in '\($0)'" } ?? "does not list"))
            }
        }
        self.name = name
        self.shards = shards
        self.weightMap = weightMap
        self.entries = entries
    }

    /// The weights of a model folder: `model.safetensors` when it is there, otherwise the
    /// sharded checkpoint of `model.safetensors.index.json`. Without either, the error of a
    /// missing `model.safetensors`.
    public static func open(folder: URL) throws -> any SafeTensorsSource {
        let single = folder.appendingPathComponent(singleName)
        let index = folder.appendingPathComponent(indexName)
        if !FileManager.default.fileExists(atPath: single.path), FileManager.default.fileExists(atPath: index.path) {
            return try SafeTensorsShards(index: index)
        }
        return try SafeTensorsFile(contentsOf: single)
    }

    /// The shard file names of an index, without opening the shards (downloads use it).
    ///
    /// - Throws: `MaskstreamError(.malformedModel)` as `init(index:)` does for the index itself.
    public static func shardNames(indexData data: Data, name: String = indexName) throws -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let map = object["weight_map"] as? [String: Any] else {
            throw MaskstreamError(.malformedModel, "\(name): not a JSON object with a 'weight_map'; re-save the "
                                  + "checkpoint with `save_pretrained(safe_serialization=True)`")
        }
        var names = Set<String>()
        for (tensor, value) in map {
            guard let file = value as? String else {
                throw MaskstreamError(.malformedModel, "\(name): weight_map['\(tensor)'] is not a file name")
            }
            try checkShardName(file, index: name)
            names.insert(file)
        }
        return names.sorted()
    }

    /// A shard must be a plain `.safetensors` file name next to the index (no folders, so an
    /// index cannot point outside the model folder).
    private static func checkShardName(_ file: String, index: String) throws {
        guard !file.isEmpty, !file.contains("/"), !file.contains("\\"), file != ".", file != "..",
              file.hasSuffix(".safetensors") else {
            throw MaskstreamError(.malformedModel, "\(index): shard '\(file)' is not a .safetensors file name next to "
                                  + "the index; re-save the checkpoint with `save_pretrained`")
        }
    }

    public func entry(_ key: String, shape expected: [Int]?, reason: String) throws -> SafeTensorsFile.Entry {
        try shard(for: key, reason: reason).entry(key, shape: expected, reason: reason)
    }

    public func floats(_ key: String, shape expected: [Int]?, reason: String) throws -> [Float] {
        try shard(for: key, reason: reason).floats(key, shape: expected, reason: reason)
    }

    /// The shard holding `key`.
    ///
    /// - Throws: `MaskstreamError(.malformedModel)` when the index does not list `key`.
    private func shard(for key: String, reason: String) throws -> SafeTensorsFile {
        guard let file = weightMap[key], let shard = shards[file] else {
            throw MaskstreamError(.malformedModel, "\(name): tensor '\(key)' is missing"
                                  + "\(reason.isEmpty ? "" : " (\(reason))"); the weights do not belong to this "
                                  + "config.json")
        }
        return shard
    }
}
