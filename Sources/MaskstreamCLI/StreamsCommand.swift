import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MaskstreamPipeline
import MaskstreamServer

extension Maskstream {
    /// A thin client of a running pipeline's `/streams` API.
    struct Streams: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List, add and remove the streams of a running pipeline (its /streams API).",
            discussion: """
            Examples:
              maskstream streams ls
              maskstream streams add rtsp://10.0.0.7:8554/lobby --name lobby
              maskstream streams add clip.mp4 --name clip --sink jsonl:out/clip.jsonl --sink ts:out/clip.ts
              maskstream streams rm lobby
            The token (server.api_token) comes from --token or MASKSTREAM_API_TOKEN.
            """,
            subcommands: [List.self, Add.self, Remove.self])
    }

    struct ServerOptions: ParsableArguments {
        @Option(help: "The pipeline's server.") var server = "http://127.0.0.1:8765"
        @Option(help: "Bearer token (server.api_token); default: $MASKSTREAM_API_TOKEN.") var token: String?

        /// Sends one request and returns the JSON body; a non-2xx answer is a typed error.
        func call(_ method: String, _ path: String, body: Data? = nil) async throws -> Data {
            guard let url = URL(string: server.trimmingCharacters(in: ["/"]) + path), url.host != nil else {
                throw MaskstreamError(.config, "--server '\(server)' is not a URL like http://127.0.0.1:8765")
            }
            var request = URLRequest(url: url)
            request.httpMethod = method
            request.timeoutInterval = 30
            request.httpBody = body
            if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
            if let t = token ?? ProcessInfo.processInfo.environment["MASKSTREAM_API_TOKEN"] {
                request.setValue("Bearer \(t)", forHTTPHeaderField: "Authorization")
            }
            let (data, response): (Data, URLResponse)
            do { (data, response) = try await URLSession.shared.data(for: request) } catch {
                throw MaskstreamError(.network, "cannot reach \(url): \(error.localizedDescription) (is the pipeline "
                                      + "running with a server?)")
            }
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            guard (200..<300).contains(status) else {
                let message = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["error"] as? String
                let code: MaskstreamError.Code = switch status {
                case 404: .notFound
                case 400: .config
                case 401: .config
                default: .network
                }
                throw MaskstreamError(code, "\(method) \(path): HTTP \(status): "
                                      + (message ?? String(decoding: data, as: UTF8.self)))
            }
            return data
        }
    }
}

extension Maskstream.Streams {
    static func line(_ s: StreamStatus) -> String {
        String(format: "%-16@ %-3d %-12@ %7.2f fps %7d frames %5d drops %3d reconnects  ", s.name, s.id, s.state,
               s.fps, s.frames, s.drops, s.reconnects) + s.url + (s.lastError.map { "  error: \($0)" } ?? "")
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the streams.")
        @OptionGroup var options: Maskstream.ServerOptions

        func run() async throws {
            do {
                let data = try await options.call("GET", "/streams")
                let list = try JSONDecoder().decode([String: [StreamStatus]].self, from: data)["streams"] ?? []
                for s in list { print(Maskstream.Streams.line(s)) }
            } catch { throw fail(error) }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a stream to the running pipeline.")
        @OptionGroup var options: Maskstream.ServerOptions
        @Argument(help: "The stream's URL (a file, rtsp://…, anything sources[].url takes).") var url: String
        @Option(help: "Its name (default: its index).") var name: String?
        @Option(help: "A sink of its own, TYPE:PATH (jsonl, ts, mots, ytvis, video); repeatable.") var sink: [String] = []
        @Option(help: "Process at most this many frames.") var maxFrames: Int?

        func run() async throws {
            do {
                var body: [String: Any] = ["url": url]
                if let name { body["name"] = name }
                if let maxFrames { body["max_frames"] = maxFrames }
                body["sinks"] = try sink.map { spec -> [String: String] in
                    guard let colon = spec.firstIndex(of: ":"), colon != spec.startIndex else {
                        throw MaskstreamError(.config, "--sink '\(spec)': write TYPE:PATH, e.g. jsonl:out/cam.jsonl")
                    }
                    return ["type": String(spec[..<colon]), "path": String(spec[spec.index(after: colon)...])]
                }
                let data = try await options.call("POST", "/streams",
                                                  body: try JSONSerialization.data(withJSONObject: body))
                print(Maskstream.Streams.line(try JSONDecoder().decode(StreamStatus.self, from: data)))
            } catch { throw fail(error) }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a stream.")
        @OptionGroup var options: Maskstream.ServerOptions
        @Argument(help: "The stream's name.") var name: String

        func run() async throws {
            do {
                let path = "/streams/" + (name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? name)
                let data = try await options.call("DELETE", path)
                print(Maskstream.Streams.line(try JSONDecoder().decode(StreamStatus.self, from: data)))
            } catch { throw fail(error) }
        }
    }
}
