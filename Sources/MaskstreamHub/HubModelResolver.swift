import Foundation
import MaskstreamModel

/// Turns a model repo on the Hugging Face hub into a local folder an `EomtModel` loads: the
/// repo's snapshot in the hub cache (`HubCache`), downloaded when it is not complete there.
///
/// ```swift
/// let resolver = HubModelResolver(settings: HubSettings(environment: ProcessInfo.processInfo.environment))
/// let folder = try await resolver.resolve(try HubRepo(parsing: "tue-mps/coco_instance_eomt_large_640"))
/// let model = try EomtModel(folder: folder, device: device)
/// ```
///
/// A model is `config.json`, `preprocessor_config.json` when the repo has one, and
/// `model.safetensors` or a sharded `model.safetensors.index.json` with every shard it lists.
/// A snapshot that already has all of them (for the revision's commit, from `refs/<revision>`
/// or the revision itself when it is a commit) is used without any network request. Otherwise
/// `config.json` is asked for at the revision; the commit the hub answers with
/// (`X-Repo-Commit`) is recorded in `refs/<revision>` and every other file is fetched at that
/// commit, so all files come from one commit even when the branch moves meanwhile.
public struct HubModelResolver: Sendable {
    public let settings: HubSettings
    public let progress: (any HubProgress)?
    /// Tries per file before a dropped download is given up (each resumes where the last stopped).
    public var maxAttempts = 5
    /// Seconds before the second try of a file (doubling, at most 8).
    public var retryDelay: Double = 0.25

    /// A resolver; `progress` draws each download (`HubProgressBar()` for standard error).
    public init(settings: HubSettings, progress: (any HubProgress)? = nil) {
        self.settings = settings
        self.progress = progress
    }

    /// The files of a resolved model.
    public struct Snapshot: Sendable, Equatable {
        /// `snapshots/<commit>` in the cache: the folder to load.
        public var folder: URL
        /// The commit the files are from.
        public var commit: String
        /// Whether nothing had to be downloaded (or asked for).
        public var fromCache: Bool
    }

    /// The model's snapshot folder, downloading what the cache lacks.
    ///
    /// - Throws: `MaskstreamError` with `.notFound` (no such repo, revision or weights),
    ///   `.unauthorized` (401/403: set `HF_TOKEN`), `.network`, `.notCached` (offline and not in the
    ///   cache), `.corruptDownload` (size or sha256 mismatch; the partial file is deleted).
    public func resolve(_ repo: HubRepo) async throws -> Snapshot {
        let cache = HubCache(cacheFolder: settings.cacheFolder, repo: repo)
        let cachedCommit = repo.revisionIsCommit ? repo.revision : cache.commit(forRef: repo.revision)
        if let commit = cachedCommit, isComplete(cache, commit: commit) {
            return Snapshot(folder: cache.snapshot(commit), commit: commit, fromCache: true)
        }
        if settings.offline {
            let have = cachedCommit.map { "; the cache has an incomplete snapshot \(cache.snapshot($0).path)" } ?? ""
            throw MaskstreamError(.notCached, "HF_HUB_OFFLINE is set and model '\(repo)' is not in the hub cache "
                                  + "\(settings.cacheFolder.path)\(have): unset HF_HUB_OFFLINE to download it once, "
                                  + "or set model.path to a local model folder")
        }
        var downloader = HubDownloader(settings: settings, repo: repo, cache: cache, progress: progress)
        downloader.maxAttempts = maxAttempts
        downloader.retryDelay = retryDelay
        guard let config = try await downloader.metadata("config.json", revision: repo.revision) else {
            throw MaskstreamError(.notFound, "'\(repo.id)' has no config.json at '\(repo.revision)': it is not a "
                                  + "transformers model (EomtForUniversalSegmentation.save_pretrained writes one)")
        }
        let commit = config.commit
        if repo.revision != commit { try cache.setRef(repo.revision, to: commit) }
        try await downloader.fetch("config.json", config)
        try await fetchIfPresent(downloader, cache, "preprocessor_config.json", commit: commit)
        let single = SafeTensorsShards.singleName, index = SafeTensorsShards.indexName
        let hasSingle = try await fetchIfPresent(downloader, cache, single, commit: commit)
        if !hasSingle {
            let hasIndex = try await fetchIfPresent(downloader, cache, index, commit: commit)
            guard hasIndex, let indexFile = cache.file(index, commit: commit) else {
                throw MaskstreamError(.notFound, "'\(repo.id)' at \(commit) has neither \(single) nor \(index): "
                                      + "maskstream reads safetensors checkpoints "
                                      + "(save_pretrained(safe_serialization=True))")
            }
            for shard in try SafeTensorsShards.shardNames(indexData: Data(contentsOf: indexFile)) {
                guard let meta = try await downloader.metadata(shard, revision: commit) else {
                    throw MaskstreamError(.notFound, "'\(repo.id)' at \(commit): \(index) lists shard '\(shard)', "
                                          + "which the repo does not have")
                }
                try await downloader.fetch(shard, meta)
            }
        }
        return Snapshot(folder: cache.snapshot(commit), commit: commit, fromCache: false)
    }

    /// Fetches `file` at `commit`, or records that the repo has none; returns whether it has one.
    @discardableResult
    private func fetchIfPresent(_ downloader: HubDownloader, _ cache: HubCache, _ file: String,
                                commit: String) async throws -> Bool {
        guard let meta = try await downloader.metadata(file, revision: commit) else {
            try cache.markMissing(file, commit: commit)
            return false
        }
        try await downloader.fetch(file, meta)
        return true
    }

    /// Whether the snapshot holds a whole model: `config.json`, `preprocessor_config.json` or
    /// the record that the repo has none, and the single or sharded weights with every shard.
    public func isComplete(_ cache: HubCache, commit: String) -> Bool {
        guard cache.file("config.json", commit: commit) != nil else { return false }
        let processor = "preprocessor_config.json"
        guard cache.file(processor, commit: commit) != nil || cache.isMissing(processor, commit: commit) else {
            return false
        }
        if cache.file(SafeTensorsShards.singleName, commit: commit) != nil { return true }
        guard let index = cache.file(SafeTensorsShards.indexName, commit: commit),
              let data = try? Data(contentsOf: index),
              let shards = try? SafeTensorsShards.shardNames(indexData: data) else { return false }
        return shards.allSatisfy { cache.file($0, commit: commit) != nil }
    }
}

/// Where `model.path` points: a local model folder or a model repo on the hub.
///
/// A folder that exists always wins; otherwise text written like a repo id (`org/name`,
/// `org/name@revision`; see `HubRepo.looksLikeRepoID`) names a hub repo, and anything else
/// stays a (missing) folder, whose loading then reports it missing.
///
/// ```swift
/// switch try ModelLocation(parsing: config.model.path) {
/// case .folder(let url): ...
/// case .hub(let repo): ...
/// }
/// ```
public enum ModelLocation: Sendable, Equatable {
    case folder(URL)
    case hub(HubRepo)

    /// - Throws: `MaskstreamError(.invalidInput)` for text written like a repo id that breaks
    ///   the hub's naming rules (no folder of that name exists either).
    public init(parsing path: String) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            self = .folder(URL(fileURLWithPath: path, isDirectory: true))
        } else if HubRepo.looksLikeRepoID(path) {
            self = .hub(try HubRepo(parsing: path))
        } else {
            self = .folder(URL(fileURLWithPath: path, isDirectory: true))
        }
    }

    /// The folder to load: the folder itself, or the hub repo's snapshot (fetched now when the
    /// cache lacks it). `log` gets one line saying where a hub model was cached.
    public func localFolder(environment: [String: String], progress: (any HubProgress)? = HubProgressBar(),
                            log: (String) -> Void = { _ in }) async throws -> URL {
        switch self {
        case .folder(let url):
            return url
        case .hub(let repo):
            let resolver = HubModelResolver(settings: HubSettings(environment: environment), progress: progress)
            let snapshot = try await resolver.resolve(repo)
            log("model \(repo) at \(snapshot.commit.prefix(12)): \(snapshot.fromCache ? "cached" : "downloaded") in "
                + snapshot.folder.path)
            return snapshot.folder
        }
    }
}
