import Crypto
import Foundation

/// What the hub says about one file at a revision (huggingface_hub's `HfFileMetadata`).
struct HubFileMetadata: Sendable {
    /// `X-Repo-Commit`: the commit the revision resolved to.
    var commit: String
    /// `X-Linked-Etag` (LFS files: the sha256) or `ETag` (git files: the blob's sha1), unquoted.
    var etag: String
    /// `X-Linked-Size` or `Content-Length`.
    var size: Int64?

    /// Whether the etag is a sha256 (an LFS file), which the download is checked against.
    var isSHA256: Bool {
        etag.utf8.count == 64 && etag.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}

/// Fetches single files of one repo into the hub cache: metadata with `HEAD`, the bytes
/// into `blobs/<etag>.incomplete` (resumed with `Range` after a dropped connection, up to
/// `maxAttempts` tries), checked (size, and the sha256 or git sha1 the ETag is), moved to `blobs/<etag>`
/// and linked from `snapshots/<commit>/`.
struct HubDownloader: Sendable {
    let settings: HubSettings
    let repo: HubRepo
    let cache: HubCache
    let progress: (any HubProgress)?
    var maxAttempts = 5
    /// Seconds before the second try (doubling, at most 8).
    var retryDelay: Double = 0.25

    private var http: HubHTTP { HubHTTP(settings: settings) }
    /// Files from this size on show a progress bar.
    static let progressThreshold: Int64 = 1_000_000

    /// `{endpoint}/{org}/{name}/resolve/{revision}/{file}`, the revision percent-encoded whole
    /// (`refs/pr/1` → `refs%2Fpr%2F1`).
    func url(_ file: String, revision: String) -> URL {
        var unreserved = CharacterSet.alphanumerics.intersection(.init(charactersIn: "\u{0}"..."\u{7F}"))
        unreserved.insert(charactersIn: "-._~")
        let rev = revision.addingPercentEncoding(withAllowedCharacters: unreserved) ?? revision
        var pathChars = unreserved
        pathChars.insert("/")
        let path = file.addingPercentEncoding(withAllowedCharacters: pathChars) ?? file
        return URL(string: "\(settings.endpoint)/\(repo.namespace)/\(repo.name)/resolve/\(rev)/\(path)")!
    }

    /// The file's metadata, or nil when the hub has no such file at `revision`.
    ///
    /// - Throws: `.notFound` (repo or revision), `.unauthorized` (401/403), `.network`.
    func metadata(_ file: String, revision: String) async throws -> HubFileMetadata? {
        let url = url(file, revision: revision)
        let response: HubResponse
        do { response = try await http.head(url) } catch { throw networkError(error, url: url) }
        if let problem = problem(response, file: file, revision: revision) {
            if problem.code == .notFound, response["x-error-code"] == "EntryNotFound"
                || (response.status == 404 && response["x-error-code"] == nil) {
                return nil
            }
            throw problem
        }
        guard let commit = response["x-repo-commit"], HubRepo.isCommitHash(commit) else {
            throw MaskstreamError(.network, "\(url.absoluteString) answered without an X-Repo-Commit header: "
                                  + "HF_ENDPOINT '\(settings.endpoint)' does not look like a Hugging Face hub")
        }
        guard let etag = (response["x-linked-etag"] ?? response["etag"]).map(Self.normalizeETag), !etag.isEmpty,
              !etag.contains("/") else {
            throw MaskstreamError(.network, "\(url.absoluteString) answered without an ETag: HF_ENDPOINT "
                                  + "'\(settings.endpoint)' does not look like a Hugging Face hub")
        }
        let size = (response["x-linked-size"] ?? response["content-length"]).flatMap { Int64($0) }
        return HubFileMetadata(commit: commit, etag: etag, size: size)
    }

    /// Puts `file` (described by `meta`) in the cache and links it from the commit's snapshot.
    /// A blob already there with the right size is not downloaded again.
    ///
    /// - Throws: `.corruptDownload` when the bytes do not match the size or sha256 (the partial
    ///   file is deleted), `.network` when every try failed (the partial file is kept, the next
    ///   run resumes it).
    func fetch(_ file: String, _ meta: HubFileMetadata) async throws {
        let fm = FileManager.default
        let blob = cache.blob(meta.etag)
        if let have = cache.size(blob), meta.size == nil || have == meta.size {
            try cache.link(file, etag: meta.etag, commit: meta.commit)
            return
        }
        try fm.createDirectory(at: blob.deletingLastPathComponent(), withIntermediateDirectories: true)
        let partial = cache.incompleteBlob(meta.etag)
        let url = url(file, revision: meta.commit)
        let expected = meta.size
        var attempt = 0
        while true {
            attempt += 1
            let offset = cache.size(partial) ?? 0
            if let expected, offset >= expected { break }
            // Small files (configs, the index) download without a bar.
            let progress = (expected ?? .max) >= Self.progressThreshold ? self.progress : nil
            progress?.start(file: file, total: expected ?? 0, resumedAt: offset)
            let response: HubResponse
            do {
                response = try await http.get(url, into: partial, offset: offset) { [progress] in
                    progress?.update(bytes: $0)
                }
            } catch {
                progress?.finish()
                if error is CancellationError || (error as? URLError)?.code == .cancelled { throw error }
                if let e = error as? MaskstreamError, e.code == .io { throw e }
                guard attempt < maxAttempts else {
                    throw MaskstreamError(.network, "downloading \(file) of \(repo) failed \(attempt) times "
                                          + "(\(Self.describe(error))); check the network and run again: the "
                                          + "download resumes from \(partial.path)",
                                          cause: MaskstreamError(.network, "\(error)"))
                }
                try? await Task.sleep(nanoseconds: UInt64(min(8, retryDelay * Double(1 << (attempt - 1))) * 1e9))
                continue
            }
            progress?.finish()
            if response.status == 416, offset > 0 {
                // The partial file is longer than what the server has: start over.
                try? fm.removeItem(at: partial)
                continue
            }
            if let problem = problem(response, file: file, revision: meta.commit) { throw problem }
            guard response.status == 200 || response.status == 206 else {
                throw MaskstreamError(.network, "GET \(url.absoluteString) answered HTTP \(response.status)")
            }
            let now = cache.size(partial) ?? 0
            if expected == nil || now >= expected! { break }
            // A body that ended early without an error: resume.
            guard attempt < maxAttempts else {
                throw MaskstreamError(.network, "downloading \(file) of \(repo) stopped at \(now) of \(expected!) "
                                      + "bytes "
                                      + "\(attempt) times; run again to resume from \(partial.path)")
            }
        }
        try verify(partial, file: file, meta)
        try? fm.removeItem(at: blob)
        try fm.moveItem(at: partial, to: blob)
        try cache.link(file, etag: meta.etag, commit: meta.commit)
    }

    /// Checks the downloaded size and the hash the ETag is (sha256 for LFS files, the git blob
    /// sha1 for the others); deletes the file when either is wrong.
    private func verify(_ partial: URL, file: String, _ meta: HubFileMetadata) throws {
        let size = cache.size(partial) ?? 0
        func corrupt(_ why: String) -> MaskstreamError {
            try? FileManager.default.removeItem(at: partial)
            return MaskstreamError(.corruptDownload, "downloaded \(file) of \(repo) is corrupted: \(why); the partial "
                                   + "file was deleted, run again to download it anew")
        }
        if let expected = meta.size, size != expected {
            throw corrupt("it has \(size) bytes but the hub announced \(expected)")
        }
        if meta.isSHA256 {
            let digest = try Self.sha256(of: partial)
            if digest != meta.etag { throw corrupt("its sha256 is \(digest) but the hub announced \(meta.etag)") }
        } else if HubRepo.isCommitHash(meta.etag) {
            let oid = try Self.gitBlobSHA1(of: partial, size: size)
            if oid != meta.etag { throw corrupt("its git blob sha1 is \(oid) but the hub announced \(meta.etag)") }
        }
    }

    /// The git object id of a file (`git hash-object`: sha1 of `blob <size>\0` and the bytes),
    /// which the hub sends as the ETag of files stored in git rather than LFS.
    static func gitBlobSHA1(of url: URL, size: Int64) throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hasher = Insecure.SHA1()
        hasher.update(data: Data("blob \(size)\0".utf8))
        while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The lowercase hex sha256 of a file, read in 4 MiB chunks.
    static func sha256(of url: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// An ETag without `W/` and quotes (huggingface_hub's `_normalize_etag`).
    static func normalizeETag(_ etag: String) -> String {
        var e = etag.trimmingCharacters(in: .whitespaces)
        if e.hasPrefix("W/") { e.removeFirst(2) }
        return e.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }

    /// The typed error for a non-2xx, non-3xx answer, or nil.
    private func problem(_ r: HubResponse, file: String, revision: String) -> MaskstreamError? {
        let code = r["x-error-code"]
        let message = r["x-error-message"].map { " (the hub says: \($0))" } ?? ""
        if (200..<400).contains(r.status) { return nil }
        if code == "RepoNotFound" && [401, 403, 404].contains(r.status) {
            return MaskstreamError(.notFound, "there is no model folder '\(repo.id)' and the hub at "
                                   + "\(settings.endpoint) has no model repo '\(repo.id)'\(message): "
                                   + "check the id, or, if the repo is private or gated, set HF_TOKEN to a token "
                                   + "that may read it (https://huggingface.co/settings/tokens)")
        }
        switch r.status {
        case 404 where code == "RevisionNotFound":
            return MaskstreamError(.notFound, "'\(repo.id)' has no revision '\(revision)'\(message): give an existing "
                                   + "branch, tag or commit after '@'")
        case 404:
            return MaskstreamError(.notFound, "'\(repo.id)' has no \(file) at '\(revision)'\(message)")
        case 401, 403:
            let gated = code == "GatedRepo" ? " (the repo is gated: accept its terms on the hub first)" : ""
            return MaskstreamError(.unauthorized, "the hub refused \(file) of '\(repo.id)' with HTTP \(r.status)"
                                   + "\(gated)"
                                   + "\(message): set HF_TOKEN to a token that may read the repo "
                                   + "(https://huggingface.co/settings/tokens)"
                                   + (settings.token == nil ? "" : "; the token that was sent was refused"))
        default:
            return MaskstreamError(.network, "the hub answered HTTP \(r.status) for \(file) of '\(repo.id)'\(message): "
                                   + "try again later")
        }
    }

    private func networkError(_ error: any Error, url: URL) -> any Error {
        if error is CancellationError || error is MaskstreamError { return error }
        return MaskstreamError(.network, "cannot reach \(url.absoluteString) (\(Self.describe(error))): check the "
                               + "network and HF_ENDPOINT, or set HF_HUB_OFFLINE=1 to use the cache only",
                               cause: MaskstreamError(.network, "\(error)"))
    }

    static func describe(_ error: any Error) -> String {
        if let u = error as? URLError { return u.localizedDescription.isEmpty ? "\(u.code)" : u.localizedDescription }
        return "\(error)"
    }
}
