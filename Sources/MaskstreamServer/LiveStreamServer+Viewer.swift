import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The live viewer's routes: the page at `/`, its files under `/viewer/`, its WebSocket at
/// `/viewer/ws` (see ``ViewerChannel``), and a recording's records and pictures under `/replay/`.
extension LiveStreamServer {
    func addViewerRoutes(to router: Router<BasicWebSocketRequestContext>) {
        let assets = ViewerAssets.shared
        let viewer = self.viewer
        router.get("/") { _, _ in Self.asset(assets, "index.html") }
        router.get("/viewer/:file") { _, context in Self.asset(assets, context.parameters.get("file") ?? "") }
        router.get("/replay/records.json") { _, _ in
            guard let replay = viewer.replay else { return Self.notFound("no recording is being replayed") }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: replay.recordsJSON)))
        }
        router.get("/replay/frame/:name") { _, context in
            let name = context.parameters.get("name") ?? ""
            guard let replay = viewer.replay else { return Self.notFound("no recording is being replayed") }
            guard name.hasSuffix(".jpg"), let index = Int(name.dropLast(4)), replay.frames.indices.contains(index)
            else {
                return Self.notFound("no frame '\(name)': frames are 0.jpg ... \(replay.frames.count - 1).jpg")
            }
            return Response(status: .ok, headers: [.contentType: "image/jpeg"],
                            body: .init(byteBuffer: ByteBuffer(bytes: replay.frames[index])))
        }
    }

    func addViewerWebSocket(to router: Router<BasicWebSocketRequestContext>) {
        let viewer = self.viewer
        router.ws("/viewer/ws") { inbound, outbound, _ in
            let (greeting, subscription) = viewer.join()
            defer { viewer.hub.unsubscribe(subscription.id) }
            await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { for try await _ in inbound {} }
                group.addTask {
                    for text in greeting { try await outbound.writeTextMessage(text) }
                    for await text in subscription.messages { try await outbound.writeTextMessage(text) }
                }
                _ = try? await group.next()
                group.cancelAll()
            }
        }
    }

    private static func asset(_ assets: ViewerAssets, _ name: String) -> Response {
        guard let asset = assets.file(named: name) else {
            return notFound("no viewer file '\(name)' (the page is at /)")
        }
        return Response(status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "no-cache"],
                        body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }

    private static func notFound(_ message: String) -> Response {
        Response(status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: message)))
    }
}
