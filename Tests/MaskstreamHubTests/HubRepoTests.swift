import Foundation
import MaskstreamTestSupport
import Testing
@testable import MaskstreamHub

@Suite struct HubRepoTests {
    @Test(arguments: [
        ("tue-mps/coco_instance_eomt_large_640", "tue-mps", "coco_instance_eomt_large_640", "main"),
        ("org/name@v1.0", "org", "name", "v1.0"),
        ("org/name@refs/pr/1", "org", "name", "refs/pr/1"),
        ("Org.x/Name_2@0123456789abcdef0123456789abcdef01234567", "Org.x", "Name_2",
         "0123456789abcdef0123456789abcdef01234567"),
    ])
    func parses(_ text: String, _ namespace: String, _ name: String, _ revision: String) throws {
        let repo = try HubRepo(parsing: text)
        #expect(repo == HubRepo(namespace: namespace, name: name, revision: revision))
        #expect(repo.cacheFolderName == "models--\(namespace)--\(name)")
    }

    @Test(arguments: [
        ("org/na--me", "'--' or '..'"), ("org/-name", "start or end"), ("org/na me", "letters, digits"),
        ("org/", "is empty"), ("a/b/c", "exactly one '/'"), ("org/name@", "revision ''"),
        ("org/name@a..b", "revision 'a..b'"), ("org/" + String(repeating: "x", count: 100), "96 characters"),
    ])
    func rejectsMalformedIDs(_ text: String, _ hint: String) {
        #expect {
            _ = try HubRepo(parsing: text)
        } throws: { error in
            let e = error as? MaskstreamError
            return e?.code == .invalidInput && e?.message.contains(hint) == true
                && e?.message.contains("not a Hugging Face repo id") == true
        }
    }

    @Test(arguments: [
        ("org/name", true), ("org/name@main", true), ("org/name@refs/pr/1", true), ("/abs/path", false),
        ("./rel/x", false), ("~/models/x", false), ("models/default/x", false), ("folder", false), ("org/", false),
    ])
    func tellsRepoIDsFromPaths(_ text: String, _ isRepo: Bool) {
        #expect(HubRepo.looksLikeRepoID(text) == isRepo)
    }

    /// A folder that exists wins over a repo id of the same spelling; a missing one written
    /// like an id is a hub repo; a malformed id is a typed error; other paths stay folders.
    @Test func modelLocation() throws {
        let dir = try TestMedia.temporaryDirectory("hub-location")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appending(path: "org/name"), withIntermediateDirectories: true)
        let cwd = FileManager.default.currentDirectoryPath
        func folder(_ location: ModelLocation) -> String? {
            if case .folder(let url) = location { return url.standardizedFileURL.path }
            return nil
        }
        let existing = dir.appending(path: "org/name").path
        #expect(folder(try ModelLocation(parsing: existing)) == existing)
        let missing = "nobody-\(UUID().uuidString.prefix(6).lowercased())/model"
        #expect(try ModelLocation(parsing: missing) == .hub(try HubRepo(parsing: missing)))
        #expect(folder(try ModelLocation(parsing: "/no/such/model")) == "/no/such/model")
        #expect(throws: MaskstreamError.self) { try ModelLocation(parsing: "nobody/na--me") }
        #expect(FileManager.default.currentDirectoryPath == cwd)
    }

    @Test func settingsFromEnvironment() throws {
        let d = HubSettings(environment: ["HOME": "/home/u"])
        #expect(d.endpoint == "https://huggingface.co")
        #expect(d.cacheFolder.path == "/home/u/.cache/huggingface/hub")
        #expect(d.token == nil && !d.offline)
        let x = HubSettings(environment: ["HOME": "/home/u", "XDG_CACHE_HOME": "/xdg", "HF_ENDPOINT": "http://h:1/",
                                          "HF_HUB_OFFLINE": "1", "HF_TOKEN": " t0k "])
        #expect(x.cacheFolder.path == "/xdg/huggingface/hub")
        #expect(x.endpoint == "http://h:1" && x.offline && x.token == "t0k")
        #expect(HubSettings(environment: ["HOME": "/h", "HF_HOME": "/hf"]).cacheFolder.path == "/hf/hub")
        let both = HubSettings(environment: ["HOME": "/h", "HF_HOME": "/hf", "HF_HUB_CACHE": "/c"])
        #expect(both.cacheFolder.path == "/c")
        #expect(HubSettings(environment: ["HOME": "/h", "HF_HOME": "~/hf"]).cacheFolder.path == "/h/hf/hub")
        for (value, offline) in [("0", false), ("true", true), ("YES", true), ("off", false)] {
            #expect(HubSettings(environment: ["HF_HUB_OFFLINE": value]).offline == offline)
        }
        let home = try TestMedia.temporaryDirectory("hub-token")
        defer { try? FileManager.default.removeItem(at: home) }
        try Data("from-file\n".utf8).write(to: home.appending(path: "token"))
        #expect(HubSettings(environment: ["HF_HOME": home.path]).token == "from-file")
        #expect(HubSettings(environment: ["HF_HOME": home.path, "HF_TOKEN": "env"]).token == "env")
    }

    @Test func progressBarSizes() {
        #expect(HubProgressBar.bytes(999) == "999 B")
        #expect(HubProgressBar.bytes(3_033_300) == "3.0 MB")
        #expect(HubProgressBar.bytes(1_200_000_000) == "1.2 GB")
    }
}
