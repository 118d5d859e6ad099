import Foundation

/// One repo's folder in the Hugging Face hub cache, laid out as huggingface_hub lays it out
/// (so Python and maskstream share downloads):
///
/// ```
/// <cache>/models--org--name/
///   blobs/<etag>                      file contents, named by sha256 (LFS) or git sha1
///   blobs/<etag>.incomplete           a download in progress (resumed with Range)
///   snapshots/<commit>/<file>         → ../../blobs/<etag> (relative symlinks)
///   refs/<revision>                   the commit a branch or tag pointed at
///   .no_exist/<commit>/<file>         the hub has no such file at that commit
/// ```
public struct HubCache: Sendable {
    /// `<cache>/models--org--name`.
    public let repoFolder: URL

    public init(cacheFolder: URL, repo: HubRepo) {
        repoFolder = cacheFolder.appendingPathComponent(repo.cacheFolderName, isDirectory: true)
    }

    private var fm: FileManager { .default }

    public func blob(_ etag: String) -> URL { repoFolder.appendingPathComponent("blobs/\(etag)") }
    public func incompleteBlob(_ etag: String) -> URL { repoFolder.appendingPathComponent("blobs/\(etag).incomplete") }
    public func snapshot(_ commit: String) -> URL {
        repoFolder.appendingPathComponent("snapshots/\(commit)", isDirectory: true)
    }
    private func ref(_ revision: String) -> URL { repoFolder.appendingPathComponent("refs/\(revision)") }
    private func noExist(_ commit: String, _ file: String) -> URL {
        repoFolder.appendingPathComponent(".no_exist/\(commit)/\(file)")
    }

    /// The commit `refs/<revision>` names, if any.
    public func commit(forRef revision: String) -> String? {
        guard let text = try? String(contentsOf: ref(revision), encoding: .utf8) else { return nil }
        let commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return HubRepo.isCommitHash(commit) ? commit : nil
    }

    /// Records that `revision` points at `commit`.
    public func setRef(_ revision: String, to commit: String) throws {
        let url = ref(revision)
        try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(commit.utf8).write(to: url, options: .atomic)
    }

    /// The snapshot's file, when it is there and its blob too.
    public func file(_ name: String, commit: String) -> URL? {
        let url = snapshot(commit).appendingPathComponent(name)
        return fm.fileExists(atPath: url.path) ? url : nil  // follows the link: a dangling one is absent
    }

    /// Whether the hub said it has no `name` at `commit`.
    public func isMissing(_ name: String, commit: String) -> Bool {
        fm.fileExists(atPath: noExist(commit, name).path)
    }

    /// Remembers that the hub has no `name` at `commit` (so an offline run need not ask).
    public func markMissing(_ name: String, commit: String) throws {
        let url = noExist(commit, name)
        try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if !fm.fileExists(atPath: url.path) { _ = fm.createFile(atPath: url.path, contents: nil) }
    }

    /// The size of the file at `url`, if it exists.
    func size(_ url: URL) -> Int64? {
        (try? fm.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.int64Value
    }

    /// Makes `snapshots/<commit>/<name>` a relative link to `blobs/<etag>`, replacing what was there.
    public func link(_ name: String, etag: String, commit: String) throws {
        let url = snapshot(commit).appendingPathComponent(name)
        try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let depth = name.split(separator: "/").count - 1
        let target = String(repeating: "../", count: depth + 2) + "blobs/\(etag)"
        if (try? fm.destinationOfSymbolicLink(atPath: url.path)) == target { return }
        try? fm.removeItem(at: url)
        try fm.createSymbolicLink(atPath: url.path, withDestinationPath: target)
    }
}
