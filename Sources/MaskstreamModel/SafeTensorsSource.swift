import Foundation

/// Where model weights are read from: one `.safetensors` file (`SafeTensorsFile`) or a
/// checkpoint sharded over several (`SafeTensorsShards`). `EomtWeights` reads through it.
///
/// ```swift
/// let tensors = try SafeTensorsShards.open(folder: URL(filePath: "models/default"))
/// let w = try tensors.floats("query.weight", shape: [200, 384], reason: "")
/// ```
public protocol SafeTensorsSource: Sendable {
    /// The file (or index) name used in error messages.
    var name: String { get }
    /// Tensor name → header entry (a shard's entry: its byte range is inside that shard).
    var entries: [String: SafeTensorsFile.Entry] { get }
    /// The checked header entry of a tensor (see `SafeTensorsFile.entry`).
    @discardableResult
    func entry(_ key: String, shape expected: [Int]?, reason: String) throws -> SafeTensorsFile.Entry
    /// The tensor converted to `Float` (see `SafeTensorsFile.floats`).
    func floats(_ key: String, shape expected: [Int]?, reason: String) throws -> [Float]
}

extension SafeTensorsSource {
    /// `entry(key, shape: expected, reason: "")`.
    @discardableResult
    public func entry(_ key: String, shape expected: [Int]? = nil) throws -> SafeTensorsFile.Entry {
        try entry(key, shape: expected, reason: "")
    }

    /// `floats(key, shape: expected, reason: "")`.
    public func floats(_ key: String, shape expected: [Int]? = nil) throws -> [Float] {
        try floats(key, shape: expected, reason: "")
    }
}

extension SafeTensorsFile: SafeTensorsSource {}
