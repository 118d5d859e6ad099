import ArgumentParser
import Foundation
import MaskstreamMedia
import MaskstreamPipeline

@main
struct Maskstream: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maskstream",
        abstract: "Video instance segmentation with stable track IDs, on Vulkan.",
        discussion: """
        Examples:
          maskstream run pipelines/default.yaml
          maskstream run pipelines/rtsp.yaml --input rtsp://127.0.0.1:8554/cam
          maskstream run pipelines/default.yaml --input clip.mp4 --output out/clip
          maskstream inspect out/sample.ts
          maskstream view out/sample.ts
          maskstream devices
          maskstream keys
          maskstream eval --gt examples/sample.ytvis.json --pred out/sample.ytvis.json
          maskstream submit --redis redis://127.0.0.1:6379 --pipeline P.yaml --input clip.mp4 --output out/clip
          maskstream worker --redis redis://127.0.0.1:6379
          maskstream run pipelines/rtsp.yaml --shard 0/3
        """,
        subcommands: [Run.self, View.self, Keys.self, Inspect.self, Devices.self, Eval.self, Streams.self, Compare.self,
                      Submit.self, Jobs.self, Worker.self]
    )
}

/// Prints a maskstream error the way every subcommand does and exits non-zero.
func fail(_ error: any Error) -> ExitCode {
    let text = (error as? MaskstreamError)?.description ?? "\(error)"
    FileHandle.standardError.write(Data("error: \(text)\n".utf8))
    return ExitCode(1)
}

extension Maskstream {
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the per-frame records of a maskstream MPEG-TS output.",
            discussion: "Example: maskstream inspect out/sample.ts --limit 5")

        @Argument(help: "An MPEG-TS file written by the 'ts' sink.") var file: String
        @Option(help: "Print at most this many records.") var limit: Int?
        @Flag(help: "Print only a summary line per record (frame, time, track ids and labels).") var summary = false

        func run() throws {
            do {
                let records = try MetadataTrackReader.read(path: file)
                var shown = 0
                for r in records {
                    if let limit, shown >= limit { break }
                    shown += 1
                    let text = String(decoding: r.value, as: UTF8.self)
                    if summary, let rec = try? FrameRecord.decode(json: r.value) {
                        let ids = rec.instances.map { "\($0.trackId.map(String.init) ?? "-"):\($0.label)" }
                            .joined(separator: " ")
                        print(String(format: "pts=%lld t=%.3f frame=%d instances=%d ", r.timestamp.pts, r.timestamp.seconds, rec.frame, rec.instances.count) + ids)
                    } else {
                        print(String(format: "pts=%lld t=%.3f ", r.timestamp.pts, r.timestamp.seconds) + text)
                    }
                }
                FileHandle.standardError.write(Data("\(records.count) records in \(file)\n".utf8))
            } catch { throw fail(error) }
        }
    }
}

extension Maskstream {
    struct Keys: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every pipeline YAML key: type, default and what it does (README's table).")

        func run() throws { print(PipelineConfig.keyTableMarkdown(), terminator: "") }
    }
}
