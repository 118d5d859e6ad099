import Foundation

/// The viewer page's static files (HTML, JS, CSS), package resources of this module read once:
/// no CDN, no build step.
///
/// ```swift
/// if let asset = ViewerAssets.shared.file(named: "viewer.js") { … asset.contentType, asset.bytes … }
/// ```
struct ViewerAssets: Sendable {
    struct Asset: Sendable {
        var bytes: [UInt8]
        var contentType: String
    }

    /// The files served: `/` is `index.html`, the rest are under `/viewer/`.
    static let names = ["index.html", "viewer.js", "rle.js", "viewer.css"]

    static let shared = ViewerAssets()

    private let files: [String: Asset]

    init() {
        var files: [String: Asset] = [:]
        for name in Self.names {
            let url = URL(fileURLWithPath: name)
            guard let path = Bundle.module.url(forResource: url.deletingPathExtension().lastPathComponent,
                                               withExtension: url.pathExtension, subdirectory: "Viewer"),
                  let data = try? Data(contentsOf: path) else { continue }
            files[name] = Asset(bytes: [UInt8](data), contentType: Self.contentType(url.pathExtension))
        }
        self.files = files
    }

    /// One file by name; nil for a name that is not one of ``names`` (or a missing resource).
    func file(named name: String) -> Asset? { files[name] }

    static func contentType(_ ext: String) -> String {
        switch ext {
        case "html": "text/html; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        default: "application/octet-stream"
        }
    }
}
