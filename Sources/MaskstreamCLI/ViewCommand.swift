import ArgumentParser
import Foundation
import MaskstreamMedia
import MaskstreamPipeline
import MaskstreamServer

extension Maskstream {
    struct View: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replay a maskstream MPEG-TS output (video + KLV records) in the browser viewer.",
            discussion: """
            Example: maskstream view out/sample.ts            # then open http://127.0.0.1:8765/
                     maskstream view out/sample.ts --address 0.0.0.0:9000
            The recording is decoded and its frames JPEG-encoded once, up front. Ctrl-C stops.
            """)

        @Argument(help: "An MPEG-TS file written by the 'ts' sink.") var file: String
        @Option(help: "HOST:PORT to serve on (port 0 picks a free one).") var address = "127.0.0.1:8765"
        @Option(help: "JPEG quality of the frames (1...100).") var quality = 80

        func run() async throws {
            do {
                let bind = try ViewAddress(parsing: address)
                let content = try Self.load(file, quality: quality)
                let server = LiveStreamServer(host: bind.host, port: bind.port) { "" }
                server.viewer.setReplay(content)
                let port = try await server.start()
                let url = "http://\(bind.host):\(port)/"
                let line = "viewer: \(url) (\(content.frames.count) frames of \(file); Ctrl-C stops)\n"
                FileHandle.standardOutput.write(Data(line.utf8))
                let once = OnceFlag()
                var signals: SignalHandler?
                await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                    signals = SignalHandler { if once.take() { done.resume() } }
                }
                signals?.cancel()
                await server.shutdown()
            } catch let error as ValidationError { throw error } catch { throw fail(error) }
        }

        /// The records of the KLV track and the JPEG picture of each video frame, paired in order.
        static func load(_ file: String, quality: Int) throws -> ReplayContent {
            let records = try MetadataTrackReader.read(path: file).map { String(decoding: $0.value, as: UTF8.self) }
            guard !records.isEmpty else {
                throw MaskstreamError(.invalidInput,
                                      "'\(file)' has no maskstream KLV records: write it with a 'ts' sink")
            }
            let reader = try MediaReader(url: file)
            var frames: [[UInt8]] = []
            var encoder: JPEGEncoder?
            while frames.count < records.count, let frame = try reader.nextFrame() {
                if encoder?.width != frame.width || encoder?.height != frame.height {
                    encoder = try JPEGEncoder(width: frame.width, height: frame.height, quality: quality)
                }
                guard let encoder else { break }
                frames.append(try encoder.encode(rgb: frame.rgb))
            }
            let kept = min(frames.count, records.count)
            return ReplayContent(recordsJSON: "[" + records.prefix(kept).joined(separator: ",") + "]",
                                 frames: Array(frames.prefix(kept)))
        }
    }
}

/// A flag that is taken once (the first Ctrl-C resumes the wait; later ones are ignored here).
final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var taken = false
    func take() -> Bool { lock.withLock { defer { taken = true }; return !taken } }
}
