/// A model repository on the Hugging Face hub and the revision to read, as users name it:
/// `org/name` or `org/name@revision` (a branch, a tag or a 40-hex commit; default `main`).
///
/// ```swift
/// let repo = try HubRepo(parsing: "tue-mps/coco_instance_eomt_large_640@main")
/// repo.cacheFolderName  // "models--tue-mps--coco_instance_eomt_large_640"
/// ```
///
/// Names follow the hub's rules (huggingface_hub's `validate_repo_id`): letters, digits,
/// `-`, `_` and `.`, at most 96 characters, no `--` or `..`, not starting or ending with `-`
/// or `.`. Only namespaced ids (`org/name`) are accepted, so a bare word stays a folder name.
public struct HubRepo: Sendable, Hashable, CustomStringConvertible {
    /// The user or organization.
    public var namespace: String
    /// The repository name.
    public var name: String
    /// A branch, tag or commit hash.
    public var revision: String

    /// The revision used when none is given.
    public static let defaultRevision = "main"

    /// `namespace/name`.
    public var id: String { "\(namespace)/\(name)" }

    /// `models--namespace--name`, the repo's folder in the hub cache.
    public var cacheFolderName: String { "models--\(namespace)--\(name)" }

    /// Whether `revision` is a full commit hash (then the cache can answer without a ref).
    public var revisionIsCommit: Bool { Self.isCommitHash(revision) }

    public var description: String { revision == Self.defaultRevision ? id : "\(id)@\(revision)" }

    public init(namespace: String, name: String, revision: String = HubRepo.defaultRevision) {
        self.namespace = namespace
        self.name = name
        self.revision = revision
    }

    /// Parses `org/name[@revision]`.
    ///
    /// - Throws: `MaskstreamError(.invalidInput)` saying which rule the id breaks.
    public init(parsing text: String) throws {
        func bad(_ why: String) -> MaskstreamError {
            MaskstreamError(.invalidInput, "'\(text)' is not a Hugging Face repo id: \(why); write it as "
                            + "org/name or org/name@revision (e.g. tue-mps/coco_instance_eomt_large_640@main), "
                            + "or give a model folder that exists")
        }
        var idPart = Substring(text)
        var revision = Self.defaultRevision
        if let at = text.firstIndex(of: "@") {
            idPart = text[..<at]
            revision = String(text[text.index(after: at)...])
            guard Self.isValidRevision(revision) else {
                throw bad("revision '\(revision)' must be a branch, tag or commit (no spaces, '..', '~', '^', ':' or "
                          + "leading '/')")
            }
        }
        let parts = idPart.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw bad("it needs exactly one '/' between the org and the name") }
        guard idPart.count <= 96 else { throw bad("it is longer than 96 characters") }
        for part in parts {
            if let why = Self.nameProblem(part) { throw bad("'\(part)' \(why)") }
        }
        self.init(namespace: String(parts[0]), name: String(parts[1]), revision: revision)
    }

    /// Whether `text` is written like a repo id rather than a file path: one `/`, no leading
    /// `/`, `.` or `~`, optionally `@revision`. Such text is parsed as a repo id when no
    /// folder of that name exists.
    public static func looksLikeRepoID(_ text: String) -> Bool {
        let idPart = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)[0]
        guard let first = idPart.first, first != "/", first != ".", first != "~" else { return false }
        return idPart.filter { $0 == "/" }.count == 1 && !idPart.hasSuffix("/")
    }

    /// A 40-character lowercase hex string.
    public static func isCommitHash(_ text: String) -> Bool {
        text.utf8.count == 40 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    private static func nameProblem(_ part: Substring) -> String? {
        if part.isEmpty { return "is empty" }
        let allowed = part.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || "-_.".unicodeScalars.contains($0)
        }
        if !allowed { return "may hold only letters, digits, '-', '_' and '.'" }
        if part.contains("--") || part.contains("..") { return "may not contain '--' or '..'" }
        if let f = part.first, let l = part.last, "-.".contains(f) || "-.".contains(l) {
            return "may not start or end with '-' or '.'"
        }
        return nil
    }

    /// Git ref rules, loosely: printable, no spaces, no `..`, `~`, `^`, `:`, `\`, not empty,
    /// not starting or ending with `/`.
    private static func isValidRevision(_ text: String) -> Bool {
        guard !text.isEmpty, !text.hasPrefix("/"), !text.hasSuffix("/"), !text.contains("..") else { return false }
        return text.unicodeScalars.allSatisfy {
            $0.value > 32 && $0.value < 127 && !"~^:\\?*[ ".unicodeScalars.contains($0)
        }
    }
}
