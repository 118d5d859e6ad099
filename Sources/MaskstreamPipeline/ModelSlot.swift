import Crypto
import Foundation
import MaskstreamHub
import MaskstreamServer

/// The model the Segment stage submits to, replaceable while the pipeline runs (`POST /model`,
/// SIGHUP): a new model is loaded beside the running one and takes over at the next batch the
/// Submit stage forms; batches already on the device finish on the model that took them. One
/// reload at a time. Thread-safe.
final class ModelSlot: @unchecked Sendable {
    /// A loaded model and what `/model` says of it.
    struct Loaded: @unchecked Sendable {
        let model: EomtModel
        var info: ModelInfo
    }

    private let lock = NSLock()
    private var current: Loaded
    /// Serializes reloads (two at once would both load; the last would win).
    private let reloading = Locked(false)

    init(_ first: Loaded) { current = first }

    /// The model new batches go to.
    var active: Loaded { lock.withLock { current } }

    var info: ModelInfo { lock.withLock { current.info } }

    /// Notes the first frame a generation segmented (once per generation); true when it was the
    /// first.
    func segmenting(generation: Int, source: Int, frame: Int) -> Bool {
        lock.withLock {
            guard current.info.generation == generation, current.info.firstFrame == nil else { return false }
            current.info.firstFrame = ModelInfo.FramePosition(source: source, frame: frame)
            return true
        }
    }

    /// Makes `model` the one new batches go to; returns its info with the next generation.
    func replace(with model: EomtModel, info: ModelInfo) -> ModelInfo {
        lock.withLock {
            var info = info
            info.generation = current.info.generation + 1
            current = Loaded(model: model, info: info)
            return info
        }
    }

    /// Runs `body` unless another reload is running (then a `cancelled` error, 503).
    func exclusively<T>(_ body: () async throws -> T) async throws -> T {
        let mine = reloading.withLock { busy -> Bool in
            guard !busy else { return false }
            busy = true
            return true
        }
        guard mine else { throw MaskstreamError(.cancelled, "a model reload is already running: try again after it") }
        defer { reloading.withLock { $0 = false } }
        return try await body()
    }

    /// Resolves `path` (folder or hub id), loads it onto `device` with `options` and hashes its
    /// weight files.
    ///
    /// - Throws: the typed error of a missing or malformed model.
    static func load(path: String, device: VulkanDevice, options: SegmenterOptions, generation: Int,
                     progress: (any HubProgress)? = nil, log: @escaping @Sendable (String) -> Void) async throws -> Loaded {
        let start = Date()
        let folder = try await ModelLocation(parsing: path).localFolder(
            environment: ProcessInfo.processInfo.environment, progress: progress, log: log)
        try EomtModel.checkFolder(folder.path)
        let model = try EomtModel(folder: folder, device: device, options: options)
        let sha = try weightsSHA256(folder: folder)
        let revision = folder.path.contains("/snapshots/") ? folder.lastPathComponent : nil
        let labels = model.labels.sorted { $0.key < $1.key }.map(\.value)
        let info = ModelInfo(name: path, folder: folder.path, revision: revision, sha256: sha,
                             loadSeconds: Date().timeIntervalSince(start), generation: generation, labels: labels)
        return Loaded(model: model, info: info)
    }

    /// sha256 over the folder's weight files: `model.safetensors`, else every `*.safetensors`
    /// shard in name order.
    static func weightsSHA256(folder: URL) throws -> String {
        let single = folder.appendingPathComponent("model.safetensors")
        let files: [URL]
        if FileManager.default.fileExists(atPath: single.path) {
            files = [single]
        } else {
            let all = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? []
            files = all.filter { $0.pathExtension == "safetensors" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
        }
        var hash = SHA256()
        for file in files {
            guard let handle = FileHandle(forReadingAtPath: file.path) else {
                throw MaskstreamError(.io, "cannot read '\(file.path)' to hash it")
            }
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty { hash.update(data: chunk) }
        }
        return hash.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
