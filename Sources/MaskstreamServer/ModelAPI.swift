import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The model a running pipeline segments with, as `GET /model` reports it.
public struct ModelInfo: Codable, Sendable, Equatable {
    /// `model.path` as given: a folder or a hub repo id.
    public var name: String
    /// The folder it was read from.
    public var folder: String
    /// The hub commit of a hub model (nil for a folder).
    public var revision: String?
    /// sha256 of the weight files (`model.safetensors`, or the shards in name order), hex.
    public var sha256: String
    /// Seconds from the request to the model being ready on the device.
    public var loadSeconds: Double
    /// 1 for the model the pipeline started with, +1 for each reload.
    public var generation: Int
    /// The first frame the model segmented (nil until it did).
    public var firstFrame: FramePosition?
    public var labels: [String]

    public struct FramePosition: Codable, Sendable, Equatable {
        public var source: Int
        public var frame: Int
        public init(source: Int, frame: Int) { (self.source, self.frame) = (source, frame) }
    }

    public init(name: String, folder: String, revision: String?, sha256: String, loadSeconds: Double,
                generation: Int, firstFrame: FramePosition? = nil, labels: [String]) {
        (self.name, self.folder, self.revision, self.sha256) = (name, folder, revision, sha256)
        (self.loadSeconds, self.generation, self.firstFrame, self.labels) = (loadSeconds, generation, firstFrame, labels)
    }

    enum CodingKeys: String, CodingKey {
        case name, folder, revision, sha256, generation, labels
        case loadSeconds = "load_seconds"
        case firstFrame = "first_frame"
    }
}

/// What `GET/POST /model` act on: the running pipeline's model.
public protocol ModelController: AnyObject, Sendable {
    func modelInfo() -> ModelInfo
    /// Loads the model a `POST /model` body names (`{"path": …}`; no path: the running one's
    /// again) beside the running one and switches to it at a frame boundary; returns once the
    /// switch is set. A model that does not load leaves the running one untouched (typed error).
    func reloadModel(json: String) async throws -> ModelInfo
}

extension LiveStreamServer {
    /// `GET /model` and `POST /model` on `router` (the same token rule as `/streams`).
    func addModelRoutes(to router: Router<BasicWebSocketRequestContext>) {
        let controller: @Sendable () -> (any ModelController)? = { [weak self] in self?.modelController }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        router.get("/model") { [self] request, _ in
            await guarded(request) {
                guard let model = controller() else { throw Self.notRunning }
                return (.ok, try encoder.encode(model.modelInfo()))
            }
        }
        router.post("/model") { [self] request, _ in
            await guarded(request) {
                guard let model = controller() else { throw Self.notRunning }
                let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
                return (.ok, try encoder.encode(try await model.reloadModel(json: body)))
            }
        }
    }

    static var notRunning: MaskstreamError {
        MaskstreamError(.cancelled, "the pipeline is not running a model yet (or any more)")
    }
}
