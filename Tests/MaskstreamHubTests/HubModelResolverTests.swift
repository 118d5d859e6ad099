import Foundation
import MaskstreamModel
import MaskstreamTestSupport
import Testing
@testable import MaskstreamHub

/// A copy of models/default served as hub repos by a real local server (scripts/hub_test_server.py),
/// with an empty HF_HOME of its own.
struct HubFixture {
    static let commit = "0123456789abcdef0123456789abcdef01234567"
    static let shardedCommit = "89abcdef0123456789abcdef0123456789abcdef"
    static var modelsDefault: URL { TestMedia.repositoryRoot.appending(path: "models/default") }
    static let files = ["config.json", "preprocessor_config.json", "model.safetensors"]

    let root: URL
    var single: URL { root.appending(path: "single") }
    var sharded: URL { root.appending(path: "sharded") }
    var home: URL { root.appending(path: "hf-home") }
    var cache: URL { home.appending(path: "hub") }

    init() throws {
        root = try TestMedia.temporaryDirectory("hub")
        let fm = FileManager.default
        for dir in [single, sharded, home] { try fm.createDirectory(at: dir, withIntermediateDirectories: true) }
        for f in Self.files {
            try fm.copyItem(at: Self.modelsDefault.appending(path: f), to: single.appending(path: f))
        }
        for f in Self.files.dropLast() {
            try fm.copyItem(at: Self.modelsDefault.appending(path: f), to: sharded.appending(path: f))
        }
        try Self.writeShards(of: Self.modelsDefault.appending(path: "model.safetensors"), into: sharded)
    }

    /// models/default's tensors split over two shards in save_pretrained's naming, with the index.
    static func writeShards(of file: URL, into folder: URL) throws {
        let tensors = try SafeTensorsWriter.read(file)
        let half = tensors.count / 2
        let names = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
        var weightMap: [String: String] = [:]
        for (i, part) in [Array(tensors[..<half]), Array(tensors[half...])].enumerated() {
            try SafeTensorsWriter.write(part, to: folder.appending(path: names[i]))
            for t in part { weightMap[t.name] = names[i] }
        }
        let total = tensors.reduce(0) { $0 + $1.bytes.count }
        let index: [String: Any] = ["metadata": ["total_size": total], "weight_map": weightMap]
        try JSONSerialization.data(withJSONObject: index, options: [.sortedKeys, .prettyPrinted])
            .write(to: folder.appending(path: SafeTensorsShards.indexName))
    }

    func server(_ options: HubTestServer.Options = .init()) throws -> HubTestServer {
        try HubTestServer(repos: ["org/eomt": (single, Self.commit), "org/eomt-sharded": (sharded, Self.shardedCommit)],
                          options: options, logIn: root)
    }

    func environment(_ server: HubTestServer?, _ extra: [String: String] = [:]) -> [String: String] {
        var env = ["HF_HOME": home.path, "HOME": root.path, "HF_ENDPOINT": server?.endpoint ?? "http://127.0.0.1:9"]
        env.merge(extra) { $1 }
        return env
    }

    func resolver(_ server: HubTestServer?, _ extra: [String: String] = [:]) -> HubModelResolver {
        var r = HubModelResolver(settings: HubSettings(environment: environment(server, extra)))
        r.retryDelay = 0.05
        return r
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}

/// The raw class and mask logits of one CPU-reference forward on a fixed synthetic frame.
func logits(_ folder: URL) throws -> (classes: [Float], masks: [Float]) {
    let model = try EomtModel(folder: folder, device: nil)
    let (w, h) = (80, 60)
    let rgb = (0..<(w * h * 3)).map { UInt8(truncatingIfNeeded: ($0 * 37) ^ ($0 / 240 * 11)) }
    let (pixels, _) = try model.preprocessor.pixelValues(rgb: rgb, width: w, height: h)
    let out = try model.forward(pixels: pixels)
    return (out.classLogits, out.maskLogits)
}

func sha256Hex(_ url: URL) throws -> String { try HubDownloader.sha256(of: url) }

func gitBlobSHA1Hex(_ url: URL) throws -> String {
    let r = try TestMedia.run("/usr/bin/git", ["hash-object", url.path])
    return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

@Suite(.serialized) struct HubModelResolverTests {
    /// The cache is laid out as huggingface_hub lays it out, and the snapshot loads to the
    /// same logits as models/default itself.
    @Test func fetchesIntoTheHubCacheLayout() async throws {
        let fx = try HubFixture()
        defer { fx.remove() }
        let server = try fx.server()
        defer { server.stop() }
        let snapshot = try await fx.resolver(server).resolve(try HubRepo(parsing: "org/eomt"))
        let repoDir = fx.cache.appending(path: "models--org--eomt")
        #expect(!snapshot.fromCache && snapshot.commit == HubFixture.commit)
        #expect(snapshot.folder.standardizedFileURL.path
                    == repoDir.appending(path: "snapshots/\(HubFixture.commit)").standardizedFileURL.path)
        #expect(try String(contentsOf: repoDir.appending(path: "refs/main"), encoding: .utf8) == HubFixture.commit)
        let fm = FileManager.default
        var etags: [String] = []
        for f in HubFixture.files {
            let source = fx.single.appending(path: f)
            let etag = f.hasSuffix(".safetensors") ? try sha256Hex(source) : try gitBlobSHA1Hex(source)
            etags.append(etag)
            let link = snapshot.folder.appending(path: f)
            #expect(try fm.destinationOfSymbolicLink(atPath: link.path) == "../../blobs/\(etag)", "\(f)")
            let blob = repoDir.appending(path: "blobs/\(etag)")
            #expect(fm.contentsEqual(atPath: blob.path, andPath: source.path), "\(f)")
        }
        #expect(Set(try fm.contentsOfDirectory(atPath: repoDir.appending(path: "blobs").path)) == Set(etags))
        #expect(Set(try fm.contentsOfDirectory(atPath: repoDir.path)) == ["blobs", "snapshots", "refs"])
        // The token-less CDN saw no Authorization (none was set), and LFS bytes came from it.
        #expect(try server.requests.contains { $0.method == "GET" && $0.path.hasPrefix("/cdn/") })

        let mine = try logits(snapshot.folder), reference = try logits(HubFixture.modelsDefault)
        #expect(mine.classes == reference.classes && mine.masks == reference.masks)
    }

    /// A complete snapshot is used with the server gone, online or with HF_HUB_OFFLINE=1.
    @Test func secondResolveNeedsNoNetwork() async throws {
        let fx = try HubFixture()
        defer { fx.remove() }
        let server = try fx.server()
        let repo = try HubRepo(parsing: "org/eomt")
        let first = try await fx.resolver(server).resolve(repo)
        let requests = try server.requests.count
        server.stop()
        let again = try await fx.resolver(server).resolve(repo)
        #expect(again.fromCache && again.folder == first.folder)
        let offline = try await fx.resolver(nil, ["HF_HUB_OFFLINE": "1"]).resolve(repo)
        #expect(offline.fromCache && offline.folder == first.folder)
        let byCommit = try await fx.resolver(nil, ["HF_HUB_OFFLINE": "1"]).resolve(
            try HubRepo(parsing: "org/eomt@\(HubFixture.commit)"))
        #expect(byCommit.folder == first.folder)
        #expect(try server.requests.count == requests)
    }

    @Test func offlineWithAnEmptyCacheIsATypedError() async throws {
        let fx = try HubFixture()
        defer { fx.remove() }
        await #expect {
            _ = try await fx.resolver(nil, ["HF_HUB_OFFLINE": "1"]).resolve(try HubRepo(parsing: "org/eomt@v2"))
        } throws: { error in
            let e = error as? MaskstreamError
            return e?.code == .notCached && e?.message.contains("org/eomt@v2") == true
                && e?.message.contains("HF_HUB_OFFLINE") == true
        }
    }

    /// `@<commit>` fetches that commit's files and writes no ref for it.
    @Test func revisionAtACommit() async throws {
        let fx = try HubFixture()
        defer { fx.remove() }
        let server = try fx.server()
        defer { server.stop() }
        let snapshot = try await fx.resolver(server).resolve(try HubRepo(parsing: "org/eomt@\(HubFixture.commit)"))
        #expect(snapshot.commit == HubFixture.commit)
        #expect(!FileManager.default.fileExists(atPath: fx.cache.appending(path: "models--org--eomt/refs").path))
        #expect(try server.requests.allSatisfy { !$0.path.contains("/resolve/main/") })
        _ = try EomtModel(folder: snapshot.folder, device: nil)
    }

    /// A connection dropped halfway through the weights is resumed with Range into the
    /// `.incomplete` blob, and the whole file verifies.
    @Test func resumesADroppedDownload() async throws {
        let fx = try HubFixture()
        defer { fx.remove() }
        let server = try fx.server(.init(dropOnce: "model.safetensors"))
        defer { server.stop() }
        let snapshot = try await fx.resolver(server).resolve(try HubRepo(parsing: "org/eomt"))
        let gets = try server.requests.filter { $0.method == "GET" && $0.path.hasPrefix("/cdn/") }
        #expect(gets.count == 2)
        #expect(gets.first?.range == nil)
        let size = try FileManager.default.attributesOfItem(
            atPath: fx.single.appending(path: "model.safetensors").path)[.size] as! Int
        let resumedAt = gets.last?.range.flatMap { Int($0.dropFirst("bytes=".count).dropLast()) }
        #expect(resumedAt.map { $0 > 0 && $0 < size } == true, "second GET: \(gets.last?.range ?? "no Range")")
        let weights = snapshot.folder.appending(path: "model.safetensors")
        #expect(try sha256Hex(weights) == (try sha256Hex(fx.single.appending(path: "model.safetensors"))))
        _ = try EomtModel(folder: snapshot.folder, device: nil)
    }

    /// A download that failed every try keeps its `.incomplete` blob; the next run resumes it.
    @Test func nextRunResumesAFailedDownload() async throws {
        let fx = try HubFixture()
        defer { fx.remove() }
        let server = try fx.server(.init(dropOnce: "model.safetensors"))
        defer { server.stop() }
        var once = fx.resolver(server)
        once.maxAttempts = 1
        let repo = try HubRepo(parsing: "org/eomt")
        await #expect {
            _ = try await once.resolve(repo)
        } throws: { error in
            let e = error as? MaskstreamError
            return e?.code == .network && e?.message.contains(".incomplete") == true
        }
        let sha = try sha256Hex(fx.single.appending(path: "model.safetensors"))
        let partial = fx.cache.appending(path: "models--org--eomt/blobs/\(sha).incomplete")
        let kept = try FileManager.default.attributesOfItem(atPath: partial.path)[.size] as? Int ?? 0
        #expect(kept > 0)
        let snapshot = try await fx.resolver(server).resolve(repo)
        #expect(try server.requests.last { $0.path.hasPrefix("/cdn/") }?.range == "bytes=\(kept)-")
        #expect(!FileManager.default.fileExists(atPath: partial.path))
        #expect(try sha256Hex(snapshot.folder.appending(path: "model.safetensors")) == sha)
    }

    /// A byte flipped in transit fails the hash check the ETag gives (sha256 for LFS files, the
    /// git blob sha1 for the others): a typed error, and no partial file is kept.
    @Test(arguments: [("model.safetensors", "sha256"), ("config.json", "git blob sha1")])
    func corruptedDownloadIsDeleted(_ file: String, _ hash: String) async throws {
        let fx = try HubFixture()
        defer { fx.remove() }
        let server = try fx.server(.init(corrupt: file))
        defer { server.stop() }
        await #expect {
            _ = try await fx.resolver(server).resolve(try HubRepo(parsing: "org/eomt"))
        } throws: { error in
            let e = error as? MaskstreamError
            return e?.code == .corruptDownload && e?.message.contains("its \(hash) is") == true
                && e?.message.contains("\(file) of org/eomt is corrupted") == true
                && e?.message.contains("partial file was deleted") == true
        }
        let blobs = try FileManager.default.contentsOfDirectory(
            atPath: fx.cache.appending(path: "models--org--eomt/blobs").path)
        let source = fx.single.appending(path: file)
        let etag = file.hasSuffix(".safetensors") ? try sha256Hex(source) : try gitBlobSHA1Hex(source)
        #expect(!blobs.contains { $0.hasPrefix(etag) }, "\(blobs)")
    }

    /// A repo that needs a token: 401 without HF_TOKEN says to set it; with it the download works,
    /// and the token is not sent to the CDN host the weights redirect to.
    @Test func tokenIsSentAsBearer() async throws {
        let fx = try HubFixture()
        defer { fx.remove() }
        let server = try fx.server(.init(token: "hf_secret"))
        defer { server.stop() }
        let repo = try HubRepo(parsing: "org/eomt")
        await #expect {
            _ = try await fx.resolver(server).resolve(repo)
        } throws: { error in
            let e = error as? MaskstreamError
            return e?.code == .unauthorized && e?.message.contains("HF_TOKEN") == true
        }
        let snapshot = try await fx.resolver(server, ["HF_TOKEN": "hf_secret"]).resolve(repo)
        #expect(!snapshot.fromCache)
        let requests = try server.requests
        #expect(requests.filter { $0.path.contains("/resolve/") }.last?.authorization == "Bearer hf_secret")
        #expect(requests.filter { $0.path.hasPrefix("/cdn/") }.allSatisfy { $0.authorization == nil })
    }

    /// A sharded checkpoint downloads the index and every shard and loads to models/default's logits.
    @Test func shardedCheckpointLoads() async throws {
        let fx = try HubFixture()
        defer { fx.remove() }
        let server = try fx.server()
        defer { server.stop() }
        let snapshot = try await fx.resolver(server).resolve(try HubRepo(parsing: "org/eomt-sharded"))
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: snapshot.folder.path))
        #expect(files == ["config.json", "preprocessor_config.json", "model.safetensors.index.json",
                          "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"])
        let noExist = "models--org--eomt-sharded/.no_exist/\(HubFixture.shardedCommit)/model.safetensors"
        #expect(FileManager.default.fileExists(atPath: fx.cache.appending(path: noExist).path))
        let mine = try logits(snapshot.folder), reference = try logits(HubFixture.modelsDefault)
        #expect(mine.classes == reference.classes && mine.masks == reference.masks)
        server.stop()
        #expect(try await fx.resolver(server).resolve(try HubRepo(parsing: "org/eomt-sharded")).fromCache)
    }

    @Test func unknownRepoRevisionAndUnreachableHubAreTypedErrors() async throws {
        let fx = try HubFixture()
        defer { fx.remove() }
        let server = try fx.server()
        defer { server.stop() }
        let cases: [(String, HubTestServer?, MaskstreamError.Code, String)] = [
            ("org/nothing", server, .notFound, "no model folder 'org/nothing' and the hub at"),
            ("org/eomt@v9", server, .notFound, "no revision 'v9'"),
            ("org/eomt", nil, .network, "cannot reach http://127.0.0.1:9/org/eomt/resolve/main/config.json"),
        ]
        for (id, server, code, hint) in cases {
            await #expect {
                _ = try await fx.resolver(server).resolve(try HubRepo(parsing: id))
            } throws: { error in
                let e = error as? MaskstreamError
                return e?.code == code && e?.message.contains(hint) == true
            }
        }
    }

    /// The pipeline's entry: a folder stays itself, a repo id becomes its snapshot and logs where.
    @Test func modelLocationResolves() async throws {
        let fx = try HubFixture()
        defer { fx.remove() }
        let server = try fx.server()
        defer { server.stop() }
        let lines = Locked<[String]>([])
        let folder = try await ModelLocation(parsing: "org/eomt").localFolder(
            environment: fx.environment(server), progress: nil, log: { line in lines.withLock { $0.append(line) } })
        #expect(folder.lastPathComponent == HubFixture.commit)
        #expect(lines.withLock { $0 }.first?.contains("downloaded in \(folder.path)") == true)
        let local = try await ModelLocation(parsing: HubFixture.modelsDefault.path).localFolder(environment: [:])
        #expect(local.path.hasSuffix("models/default"))
    }
}
